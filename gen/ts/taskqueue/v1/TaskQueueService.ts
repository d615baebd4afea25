// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchCancelTasksRequest as _taskqueue_v1_BatchCancelTasksRequest, BatchCancelTasksRequest__Output as _taskqueue_v1_BatchCancelTasksRequest__Output } from '../../taskqueue/v1/BatchCancelTasksRequest';
import type { BatchCancelTasksResponse as _taskqueue_v1_BatchCancelTasksResponse, BatchCancelTasksResponse__Output as _taskqueue_v1_BatchCancelTasksResponse__Output } from '../../taskqueue/v1/BatchCancelTasksResponse';
import type { BatchCreateTasksRequest as _taskqueue_v1_BatchCreateTasksRequest, BatchCreateTasksRequest__Output as _taskqueue_v1_BatchCreateTasksRequest__Output } from '../../taskqueue/v1/BatchCreateTasksRequest';
import type { BatchCreateTasksResponse as _taskqueue_v1_BatchCreateTasksResponse, BatchCreateTasksResponse__Output as _taskqueue_v1_BatchCreateTasksResponse__Output } from '../../taskqueue/v1/BatchCreateTasksResponse';
import type { CancelTaskRequest as _taskqueue_v1_CancelTaskRequest, CancelTaskRequest__Output as _taskqueue_v1_CancelTaskRequest__Output } from '../../taskqueue/v1/CancelTaskRequest';
import type { CancelTaskResponse as _taskqueue_v1_CancelTaskResponse, CancelTaskResponse__Output as _taskqueue_v1_CancelTaskResponse__Output } from '../../taskqueue/v1/CancelTaskResponse';
import type { ClaimTaskRequest as _taskqueue_v1_ClaimTaskRequest, ClaimTaskRequest__Output as _taskqueue_v1_ClaimTaskRequest__Output } from '../../taskqueue/v1/ClaimTaskRequest';
import type { ClaimTaskResponse as _taskqueue_v1_ClaimTaskResponse, ClaimTaskResponse__Output as _taskqueue_v1_ClaimTaskResponse__Output } from '../../taskqueue/v1/ClaimTaskResponse';
import type { CompleteTaskRequest as _taskqueue_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _taskqueue_v1_CompleteTaskRequest__Output } from '../../taskqueue/v1/CompleteTaskRequest';
import type { CompleteTaskResponse as _taskqueue_v1_CompleteTaskResponse, CompleteTaskResponse__Output as _taskqueue_v1_CompleteTaskResponse__Output } from '../../taskqueue/v1/CompleteTaskResponse';
import type { CompleteTasksRequest as _taskqueue_v1_CompleteTasksRequest, CompleteTasksRequest__Output as _taskqueue_v1_CompleteTasksRequest__Output } from '../../taskqueue/v1/CompleteTasksRequest';
import type { CompleteTasksResponse as _taskqueue_v1_CompleteTasksResponse, CompleteTasksResponse__Output as _taskqueue_v1_CompleteTasksResponse__Output } from '../../taskqueue/v1/CompleteTasksResponse';
import type { CreateApiKeyRequest as _taskqueue_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _taskqueue_v1_CreateApiKeyRequest__Output } from '../../taskqueue/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _taskqueue_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _taskqueue_v1_CreateApiKeyResponse__Output } from '../../taskqueue/v1/CreateApiKeyResponse';
import type { CreateBackupRequest as _taskqueue_v1_CreateBackupRequest, CreateBackupRequest__Output as _taskqueue_v1_CreateBackupRequest__Output } from '../../taskqueue/v1/CreateBackupRequest';
import type { CreateBackupResponse as _taskqueue_v1_CreateBackupResponse, CreateBackupResponse__Output as _taskqueue_v1_CreateBackupResponse__Output } from '../../taskqueue/v1/CreateBackupResponse';
import type { CreateTaskRequest as _taskqueue_v1_CreateTaskRequest, CreateTaskRequest__Output as _taskqueue_v1_CreateTaskRequest__Output } from '../../taskqueue/v1/CreateTaskRequest';
import type { CreateTaskResponse as _taskqueue_v1_CreateTaskResponse, CreateTaskResponse__Output as _taskqueue_v1_CreateTaskResponse__Output } from '../../taskqueue/v1/CreateTaskResponse';
import type { FailTaskRequest as _taskqueue_v1_FailTaskRequest, FailTaskRequest__Output as _taskqueue_v1_FailTaskRequest__Output } from '../../taskqueue/v1/FailTaskRequest';
import type { FailTaskResponse as _taskqueue_v1_FailTaskResponse, FailTaskResponse__Output as _taskqueue_v1_FailTaskResponse__Output } from '../../taskqueue/v1/FailTaskResponse';
import type { GetConfigRequest as _taskqueue_v1_GetConfigRequest, GetConfigRequest__Output as _taskqueue_v1_GetConfigRequest__Output } from '../../taskqueue/v1/GetConfigRequest';
import type { GetConfigResponse as _taskqueue_v1_GetConfigResponse, GetConfigResponse__Output as _taskqueue_v1_GetConfigResponse__Output } from '../../taskqueue/v1/GetConfigResponse';
import type { GetServerStatusRequest as _taskqueue_v1_GetServerStatusRequest, GetServerStatusRequest__Output as _taskqueue_v1_GetServerStatusRequest__Output } from '../../taskqueue/v1/GetServerStatusRequest';
import type { GetServerStatusResponse as _taskqueue_v1_GetServerStatusResponse, GetServerStatusResponse__Output as _taskqueue_v1_GetServerStatusResponse__Output } from '../../taskqueue/v1/GetServerStatusResponse';
import type { GetStatsRequest as _taskqueue_v1_GetStatsRequest, GetStatsRequest__Output as _taskqueue_v1_GetStatsRequest__Output } from '../../taskqueue/v1/GetStatsRequest';
import type { GetStatsResponse as _taskqueue_v1_GetStatsResponse, GetStatsResponse__Output as _taskqueue_v1_GetStatsResponse__Output } from '../../taskqueue/v1/GetStatsResponse';
import type { GetTaskRequest as _taskqueue_v1_GetTaskRequest, GetTaskRequest__Output as _taskqueue_v1_GetTaskRequest__Output } from '../../taskqueue/v1/GetTaskRequest';
import type { GetTaskResponse as _taskqueue_v1_GetTaskResponse, GetTaskResponse__Output as _taskqueue_v1_GetTaskResponse__Output } from '../../taskqueue/v1/GetTaskResponse';
import type { HeartbeatRequest as _taskqueue_v1_HeartbeatRequest, HeartbeatRequest__Output as _taskqueue_v1_HeartbeatRequest__Output } from '../../taskqueue/v1/HeartbeatRequest';
import type { HeartbeatResponse as _taskqueue_v1_HeartbeatResponse, HeartbeatResponse__Output as _taskqueue_v1_HeartbeatResponse__Output } from '../../taskqueue/v1/HeartbeatResponse';
import type { ListApiKeysRequest as _taskqueue_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _taskqueue_v1_ListApiKeysRequest__Output } from '../../taskqueue/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _taskqueue_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _taskqueue_v1_ListApiKeysResponse__Output } from '../../taskqueue/v1/ListApiKeysResponse';
import type { ListAuditEventsRequest as _taskqueue_v1_ListAuditEventsRequest, ListAuditEventsRequest__Output as _taskqueue_v1_ListAuditEventsRequest__Output } from '../../taskqueue/v1/ListAuditEventsRequest';
import type { ListAuditEventsResponse as _taskqueue_v1_ListAuditEventsResponse, ListAuditEventsResponse__Output as _taskqueue_v1_ListAuditEventsResponse__Output } from '../../taskqueue/v1/ListAuditEventsResponse';
import type { ListBackupsRequest as _taskqueue_v1_ListBackupsRequest, ListBackupsRequest__Output as _taskqueue_v1_ListBackupsRequest__Output } from '../../taskqueue/v1/ListBackupsRequest';
import type { ListBackupsResponse as _taskqueue_v1_ListBackupsResponse, ListBackupsResponse__Output as _taskqueue_v1_ListBackupsResponse__Output } from '../../taskqueue/v1/ListBackupsResponse';
import type { ListConfigRevisionsRequest as _taskqueue_v1_ListConfigRevisionsRequest, ListConfigRevisionsRequest__Output as _taskqueue_v1_ListConfigRevisionsRequest__Output } from '../../taskqueue/v1/ListConfigRevisionsRequest';
import type { ListConfigRevisionsResponse as _taskqueue_v1_ListConfigRevisionsResponse, ListConfigRevisionsResponse__Output as _taskqueue_v1_ListConfigRevisionsResponse__Output } from '../../taskqueue/v1/ListConfigRevisionsResponse';
import type { ListTasksRequest as _taskqueue_v1_ListTasksRequest, ListTasksRequest__Output as _taskqueue_v1_ListTasksRequest__Output } from '../../taskqueue/v1/ListTasksRequest';
import type { ListTasksResponse as _taskqueue_v1_ListTasksResponse, ListTasksResponse__Output as _taskqueue_v1_ListTasksResponse__Output } from '../../taskqueue/v1/ListTasksResponse';
import type { RetryTaskRequest as _taskqueue_v1_RetryTaskRequest, RetryTaskRequest__Output as _taskqueue_v1_RetryTaskRequest__Output } from '../../taskqueue/v1/RetryTaskRequest';
import type { RetryTaskResponse as _taskqueue_v1_RetryTaskResponse, RetryTaskResponse__Output as _taskqueue_v1_RetryTaskResponse__Output } from '../../taskqueue/v1/RetryTaskResponse';
import type { RevokeApiKeyRequest as _taskqueue_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _taskqueue_v1_RevokeApiKeyRequest__Output } from '../../taskqueue/v1/RevokeApiKeyRequest';
import type { RevokeApiKeyResponse as _taskqueue_v1_RevokeApiKeyResponse, RevokeApiKeyResponse__Output as _taskqueue_v1_RevokeApiKeyResponse__Output } from '../../taskqueue/v1/RevokeApiKeyResponse';
import type { SetTaskPriorityRequest as _taskqueue_v1_SetTaskPriorityRequest, SetTaskPriorityRequest__Output as _taskqueue_v1_SetTaskPriorityRequest__Output } from '../../taskqueue/v1/SetTaskPriorityRequest';
import type { SetTaskPriorityResponse as _taskqueue_v1_SetTaskPriorityResponse, SetTaskPriorityResponse__Output as _taskqueue_v1_SetTaskPriorityResponse__Output } from '../../taskqueue/v1/SetTaskPriorityResponse';
import type { UpdateConfigRequest as _taskqueue_v1_UpdateConfigRequest, UpdateConfigRequest__Output as _taskqueue_v1_UpdateConfigRequest__Output } from '../../taskqueue/v1/UpdateConfigRequest';
import type { UpdateConfigResponse as _taskqueue_v1_UpdateConfigResponse, UpdateConfigResponse__Output as _taskqueue_v1_UpdateConfigResponse__Output } from '../../taskqueue/v1/UpdateConfigResponse';
import type { WatchNextRequest as _taskqueue_v1_WatchNextRequest, WatchNextRequest__Output as _taskqueue_v1_WatchNextRequest__Output } from '../../taskqueue/v1/WatchNextRequest';
import type { WatchNextResponse as _taskqueue_v1_WatchNextResponse, WatchNextResponse__Output as _taskqueue_v1_WatchNextResponse__Output } from '../../taskqueue/v1/WatchNextResponse';
import type { WorkRequest as _taskqueue_v1_WorkRequest, WorkRequest__Output as _taskqueue_v1_WorkRequest__Output } from '../../taskqueue/v1/WorkRequest';
import type { WorkResponse as _taskqueue_v1_WorkResponse, WorkResponse__Output as _taskqueue_v1_WorkResponse__Output } from '../../taskqueue/v1/WorkResponse';

export interface TaskQueueServiceClient extends grpc.Client {
  BatchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCancelTasks(argument: _taskqueue_v1_BatchCancelTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_BatchCancelTasksResponse__Output>): grpc.ClientUnaryCall;
  
  BatchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  batchCreateTasks(argument: _taskqueue_v1_BatchCreateTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_BatchCreateTasksResponse__Output>): grpc.ClientUnaryCall;
  
  CancelTask(argument: _taskqueue_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _taskqueue_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _taskqueue_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _taskqueue_v1_CancelTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _taskqueue_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _taskqueue_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _taskqueue_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _taskqueue_v1_CancelTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  
  ClaimTask(argument: _taskqueue_v1_ClaimTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  ClaimTask(argument: _taskqueue_v1_ClaimTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  ClaimTask(argument: _taskqueue_v1_ClaimTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  ClaimTask(argument: _taskqueue_v1_ClaimTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  claimTask(argument: _taskqueue_v1_ClaimTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  claimTask(argument: _taskqueue_v1_ClaimTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  claimTask(argument: _taskqueue_v1_ClaimTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  claimTask(argument: _taskqueue_v1_ClaimTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_ClaimTaskResponse__Output>): grpc.ClientUnaryCall;
  
  CompleteTask(argument: _taskqueue_v1_CompleteTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _taskqueue_v1_CompleteTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _taskqueue_v1_CompleteTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _taskqueue_v1_CompleteTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _taskqueue_v1_CompleteTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _taskqueue_v1_CompleteTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _taskqueue_v1_CompleteTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _taskqueue_v1_CompleteTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  
  CompleteTasks(argument: _taskqueue_v1_CompleteTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  CompleteTasks(argument: _taskqueue_v1_CompleteTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  CompleteTasks(argument: _taskqueue_v1_CompleteTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  CompleteTasks(argument: _taskqueue_v1_CompleteTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  completeTasks(argument: _taskqueue_v1_CompleteTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  completeTasks(argument: _taskqueue_v1_CompleteTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  completeTasks(argument: _taskqueue_v1_CompleteTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  completeTasks(argument: _taskqueue_v1_CompleteTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_CompleteTasksResponse__Output>): grpc.ClientUnaryCall;
  
  CreateApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _taskqueue_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  
  CreateBackup(argument: _taskqueue_v1_CreateBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _taskqueue_v1_CreateBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _taskqueue_v1_CreateBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _taskqueue_v1_CreateBackupRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _taskqueue_v1_CreateBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _taskqueue_v1_CreateBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _taskqueue_v1_CreateBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _taskqueue_v1_CreateBackupRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateBackupResponse__Output>): grpc.ClientUnaryCall;
  
  CreateTask(argument: _taskqueue_v1_CreateTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  CreateTask(argument: _taskqueue_v1_CreateTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  CreateTask(argument: _taskqueue_v1_CreateTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  CreateTask(argument: _taskqueue_v1_CreateTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  createTask(argument: _taskqueue_v1_CreateTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  createTask(argument: _taskqueue_v1_CreateTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  createTask(argument: _taskqueue_v1_CreateTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  createTask(argument: _taskqueue_v1_CreateTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_CreateTaskResponse__Output>): grpc.ClientUnaryCall;
  
  FailTask(argument: _taskqueue_v1_FailTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  FailTask(argument: _taskqueue_v1_FailTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  FailTask(argument: _taskqueue_v1_FailTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  FailTask(argument: _taskqueue_v1_FailTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  failTask(argument: _taskqueue_v1_FailTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  failTask(argument: _taskqueue_v1_FailTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  failTask(argument: _taskqueue_v1_FailTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  failTask(argument: _taskqueue_v1_FailTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_FailTaskResponse__Output>): grpc.ClientUnaryCall;
  
  GetConfig(argument: _taskqueue_v1_GetConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  GetConfig(argument: _taskqueue_v1_GetConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  GetConfig(argument: _taskqueue_v1_GetConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  GetConfig(argument: _taskqueue_v1_GetConfigRequest, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  getConfig(argument: _taskqueue_v1_GetConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  getConfig(argument: _taskqueue_v1_GetConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  getConfig(argument: _taskqueue_v1_GetConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  getConfig(argument: _taskqueue_v1_GetConfigRequest, callback: grpc.requestCallback<_taskqueue_v1_GetConfigResponse__Output>): grpc.ClientUnaryCall;
  
  GetServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  GetServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  GetServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  GetServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  getServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  getServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  getServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  getServerStatus(argument: _taskqueue_v1_GetServerStatusRequest, callback: grpc.requestCallback<_taskqueue_v1_GetServerStatusResponse__Output>): grpc.ClientUnaryCall;
  
  GetStats(argument: _taskqueue_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _taskqueue_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _taskqueue_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _taskqueue_v1_GetStatsRequest, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  getStats(argument: _taskqueue_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  getStats(argument: _taskqueue_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  getStats(argument: _taskqueue_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  getStats(argument: _taskqueue_v1_GetStatsRequest, callback: grpc.requestCallback<_taskqueue_v1_GetStatsResponse__Output>): grpc.ClientUnaryCall;
  
  GetTask(argument: _taskqueue_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _taskqueue_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _taskqueue_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _taskqueue_v1_GetTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _taskqueue_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _taskqueue_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _taskqueue_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _taskqueue_v1_GetTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  
  Heartbeat(argument: _taskqueue_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _taskqueue_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _taskqueue_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _taskqueue_v1_HeartbeatRequest, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _taskqueue_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _taskqueue_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _taskqueue_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _taskqueue_v1_HeartbeatRequest, callback: grpc.requestCallback<_taskqueue_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  ListApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _taskqueue_v1_ListApiKeysRequest, callback: grpc.requestCallback<_taskqueue_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  
  ListAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  ListAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  ListAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  ListAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  listAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  listAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  listAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  listAuditEvents(argument: _taskqueue_v1_ListAuditEventsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListAuditEventsResponse__Output>): grpc.ClientUnaryCall;
  
  ListBackups(argument: _taskqueue_v1_ListBackupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _taskqueue_v1_ListBackupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _taskqueue_v1_ListBackupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _taskqueue_v1_ListBackupsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _taskqueue_v1_ListBackupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _taskqueue_v1_ListBackupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _taskqueue_v1_ListBackupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _taskqueue_v1_ListBackupsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListBackupsResponse__Output>): grpc.ClientUnaryCall;
  
  ListConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  listConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  listConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  listConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  listConfigRevisions(argument: _taskqueue_v1_ListConfigRevisionsRequest, callback: grpc.requestCallback<_taskqueue_v1_ListConfigRevisionsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTasks(argument: _taskqueue_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _taskqueue_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _taskqueue_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _taskqueue_v1_ListTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _taskqueue_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _taskqueue_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _taskqueue_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _taskqueue_v1_ListTasksRequest, callback: grpc.requestCallback<_taskqueue_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  RetryTask(argument: _taskqueue_v1_RetryTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  RetryTask(argument: _taskqueue_v1_RetryTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  RetryTask(argument: _taskqueue_v1_RetryTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  RetryTask(argument: _taskqueue_v1_RetryTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  retryTask(argument: _taskqueue_v1_RetryTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  retryTask(argument: _taskqueue_v1_RetryTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  retryTask(argument: _taskqueue_v1_RetryTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  retryTask(argument: _taskqueue_v1_RetryTaskRequest, callback: grpc.requestCallback<_taskqueue_v1_RetryTaskResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _taskqueue_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_taskqueue_v1_RevokeApiKeyResponse__Output>): grpc.ClientUnaryCall;
  
  SetTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  SetTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  SetTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  SetTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  setTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  setTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  setTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  setTaskPriority(argument: _taskqueue_v1_SetTaskPriorityRequest, callback: grpc.requestCallback<_taskqueue_v1_SetTaskPriorityResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateConfig(argument: _taskqueue_v1_UpdateConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  UpdateConfig(argument: _taskqueue_v1_UpdateConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  UpdateConfig(argument: _taskqueue_v1_UpdateConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  UpdateConfig(argument: _taskqueue_v1_UpdateConfigRequest, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  updateConfig(argument: _taskqueue_v1_UpdateConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  updateConfig(argument: _taskqueue_v1_UpdateConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  updateConfig(argument: _taskqueue_v1_UpdateConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  updateConfig(argument: _taskqueue_v1_UpdateConfigRequest, callback: grpc.requestCallback<_taskqueue_v1_UpdateConfigResponse__Output>): grpc.ClientUnaryCall;
  
  WatchNext(argument: _taskqueue_v1_WatchNextRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_taskqueue_v1_WatchNextResponse__Output>;
  WatchNext(argument: _taskqueue_v1_WatchNextRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_taskqueue_v1_WatchNextResponse__Output>;
  watchNext(argument: _taskqueue_v1_WatchNextRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_taskqueue_v1_WatchNextResponse__Output>;
  watchNext(argument: _taskqueue_v1_WatchNextRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_taskqueue_v1_WatchNextResponse__Output>;
  
  Work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkResponse__Output>;
  Work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkResponse__Output>;
  work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkResponse__Output>;
  work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkResponse__Output>;
  
}

export interface TaskQueueServiceHandlers extends grpc.UntypedServiceImplementation {
  BatchCancelTasks: grpc.handleUnaryCall<_taskqueue_v1_BatchCancelTasksRequest__Output, _taskqueue_v1_BatchCancelTasksResponse>;
  
  BatchCreateTasks: grpc.handleUnaryCall<_taskqueue_v1_BatchCreateTasksRequest__Output, _taskqueue_v1_BatchCreateTasksResponse>;
  
  CancelTask: grpc.handleUnaryCall<_taskqueue_v1_CancelTaskRequest__Output, _taskqueue_v1_CancelTaskResponse>;
  
  ClaimTask: grpc.handleUnaryCall<_taskqueue_v1_ClaimTaskRequest__Output, _taskqueue_v1_ClaimTaskResponse>;
  
  CompleteTask: grpc.handleUnaryCall<_taskqueue_v1_CompleteTaskRequest__Output, _taskqueue_v1_CompleteTaskResponse>;
  
  CompleteTasks: grpc.handleUnaryCall<_taskqueue_v1_CompleteTasksRequest__Output, _taskqueue_v1_CompleteTasksResponse>;
  
  CreateApiKey: grpc.handleUnaryCall<_taskqueue_v1_CreateApiKeyRequest__Output, _taskqueue_v1_CreateApiKeyResponse>;
  
  CreateBackup: grpc.handleUnaryCall<_taskqueue_v1_CreateBackupRequest__Output, _taskqueue_v1_CreateBackupResponse>;
  
  CreateTask: grpc.handleUnaryCall<_taskqueue_v1_CreateTaskRequest__Output, _taskqueue_v1_CreateTaskResponse>;
  
  FailTask: grpc.handleUnaryCall<_taskqueue_v1_FailTaskRequest__Output, _taskqueue_v1_FailTaskResponse>;
  
  GetConfig: grpc.handleUnaryCall<_taskqueue_v1_GetConfigRequest__Output, _taskqueue_v1_GetConfigResponse>;
  
  GetServerStatus: grpc.handleUnaryCall<_taskqueue_v1_GetServerStatusRequest__Output, _taskqueue_v1_GetServerStatusResponse>;
  
  GetStats: grpc.handleUnaryCall<_taskqueue_v1_GetStatsRequest__Output, _taskqueue_v1_GetStatsResponse>;
  
  GetTask: grpc.handleUnaryCall<_taskqueue_v1_GetTaskRequest__Output, _taskqueue_v1_GetTaskResponse>;
  
  Heartbeat: grpc.handleUnaryCall<_taskqueue_v1_HeartbeatRequest__Output, _taskqueue_v1_HeartbeatResponse>;
  
  ListApiKeys: grpc.handleUnaryCall<_taskqueue_v1_ListApiKeysRequest__Output, _taskqueue_v1_ListApiKeysResponse>;
  
  ListAuditEvents: grpc.handleUnaryCall<_taskqueue_v1_ListAuditEventsRequest__Output, _taskqueue_v1_ListAuditEventsResponse>;
  
  ListBackups: grpc.handleUnaryCall<_taskqueue_v1_ListBackupsRequest__Output, _taskqueue_v1_ListBackupsResponse>;
  
  ListConfigRevisions: grpc.handleUnaryCall<_taskqueue_v1_ListConfigRevisionsRequest__Output, _taskqueue_v1_ListConfigRevisionsResponse>;
  
  ListTasks: grpc.handleUnaryCall<_taskqueue_v1_ListTasksRequest__Output, _taskqueue_v1_ListTasksResponse>;
  
  RetryTask: grpc.handleUnaryCall<_taskqueue_v1_RetryTaskRequest__Output, _taskqueue_v1_RetryTaskResponse>;
  
  RevokeApiKey: grpc.handleUnaryCall<_taskqueue_v1_RevokeApiKeyRequest__Output, _taskqueue_v1_RevokeApiKeyResponse>;
  
  SetTaskPriority: grpc.handleUnaryCall<_taskqueue_v1_SetTaskPriorityRequest__Output, _taskqueue_v1_SetTaskPriorityResponse>;
  
  UpdateConfig: grpc.handleUnaryCall<_taskqueue_v1_UpdateConfigRequest__Output, _taskqueue_v1_UpdateConfigResponse>;
  
  WatchNext: grpc.handleServerStreamingCall<_taskqueue_v1_WatchNextRequest__Output, _taskqueue_v1_WatchNextResponse>;
  
  Work: grpc.handleBidiStreamingCall<_taskqueue_v1_WorkRequest__Output, _taskqueue_v1_WorkResponse>;
  
}

export interface TaskQueueServiceDefinition extends grpc.ServiceDefinition {
  BatchCancelTasks: MethodDefinition<_taskqueue_v1_BatchCancelTasksRequest, _taskqueue_v1_BatchCancelTasksResponse, _taskqueue_v1_BatchCancelTasksRequest__Output, _taskqueue_v1_BatchCancelTasksResponse__Output>
  BatchCreateTasks: MethodDefinition<_taskqueue_v1_BatchCreateTasksRequest, _taskqueue_v1_BatchCreateTasksResponse, _taskqueue_v1_BatchCreateTasksRequest__Output, _taskqueue_v1_BatchCreateTasksResponse__Output>
  CancelTask: MethodDefinition<_taskqueue_v1_CancelTaskRequest, _taskqueue_v1_CancelTaskResponse, _taskqueue_v1_CancelTaskRequest__Output, _taskqueue_v1_CancelTaskResponse__Output>
  ClaimTask: MethodDefinition<_taskqueue_v1_ClaimTaskRequest, _taskqueue_v1_ClaimTaskResponse, _taskqueue_v1_ClaimTaskRequest__Output, _taskqueue_v1_ClaimTaskResponse__Output>
  CompleteTask: MethodDefinition<_taskqueue_v1_CompleteTaskRequest, _taskqueue_v1_CompleteTaskResponse, _taskqueue_v1_CompleteTaskRequest__Output, _taskqueue_v1_CompleteTaskResponse__Output>
  CompleteTasks: MethodDefinition<_taskqueue_v1_CompleteTasksRequest, _taskqueue_v1_CompleteTasksResponse, _taskqueue_v1_CompleteTasksRequest__Output, _taskqueue_v1_CompleteTasksResponse__Output>
  CreateApiKey: MethodDefinition<_taskqueue_v1_CreateApiKeyRequest, _taskqueue_v1_CreateApiKeyResponse, _taskqueue_v1_CreateApiKeyRequest__Output, _taskqueue_v1_CreateApiKeyResponse__Output>
  CreateBackup: MethodDefinition<_taskqueue_v1_CreateBackupRequest, _taskqueue_v1_CreateBackupResponse, _taskqueue_v1_CreateBackupRequest__Output, _taskqueue_v1_CreateBackupResponse__Output>
  CreateTask: MethodDefinition<_taskqueue_v1_CreateTaskRequest, _taskqueue_v1_CreateTaskResponse, _taskqueue_v1_CreateTaskRequest__Output, _taskqueue_v1_CreateTaskResponse__Output>
  FailTask: MethodDefinition<_taskqueue_v1_FailTaskRequest, _taskqueue_v1_FailTaskResponse, _taskqueue_v1_FailTaskRequest__Output, _taskqueue_v1_FailTaskResponse__Output>
  GetConfig: MethodDefinition<_taskqueue_v1_GetConfigRequest, _taskqueue_v1_GetConfigResponse, _taskqueue_v1_GetConfigRequest__Output, _taskqueue_v1_GetConfigResponse__Output>
  GetServerStatus: MethodDefinition<_taskqueue_v1_GetServerStatusRequest, _taskqueue_v1_GetServerStatusResponse, _taskqueue_v1_GetServerStatusRequest__Output, _taskqueue_v1_GetServerStatusResponse__Output>
  GetStats: MethodDefinition<_taskqueue_v1_GetStatsRequest, _taskqueue_v1_GetStatsResponse, _taskqueue_v1_GetStatsRequest__Output, _taskqueue_v1_GetStatsResponse__Output>
  GetTask: MethodDefinition<_taskqueue_v1_GetTaskRequest, _taskqueue_v1_GetTaskResponse, _taskqueue_v1_GetTaskRequest__Output, _taskqueue_v1_GetTaskResponse__Output>
  Heartbeat: MethodDefinition<_taskqueue_v1_HeartbeatRequest, _taskqueue_v1_HeartbeatResponse, _taskqueue_v1_HeartbeatRequest__Output, _taskqueue_v1_HeartbeatResponse__Output>
  ListApiKeys: MethodDefinition<_taskqueue_v1_ListApiKeysRequest, _taskqueue_v1_ListApiKeysResponse, _taskqueue_v1_ListApiKeysRequest__Output, _taskqueue_v1_ListApiKeysResponse__Output>
  ListAuditEvents: MethodDefinition<_taskqueue_v1_ListAuditEventsRequest, _taskqueue_v1_ListAuditEventsResponse, _taskqueue_v1_ListAuditEventsRequest__Output, _taskqueue_v1_ListAuditEventsResponse__Output>
  ListBackups: MethodDefinition<_taskqueue_v1_ListBackupsRequest, _taskqueue_v1_ListBackupsResponse, _taskqueue_v1_ListBackupsRequest__Output, _taskqueue_v1_ListBackupsResponse__Output>
  ListConfigRevisions: MethodDefinition<_taskqueue_v1_ListConfigRevisionsRequest, _taskqueue_v1_ListConfigRevisionsResponse, _taskqueue_v1_ListConfigRevisionsRequest__Output, _taskqueue_v1_ListConfigRevisionsResponse__Output>
  ListTasks: MethodDefinition<_taskqueue_v1_ListTasksRequest, _taskqueue_v1_ListTasksResponse, _taskqueue_v1_ListTasksRequest__Output, _taskqueue_v1_ListTasksResponse__Output>
  RetryTask: MethodDefinition<_taskqueue_v1_RetryTaskRequest, _taskqueue_v1_RetryTaskResponse, _taskqueue_v1_RetryTaskRequest__Output, _taskqueue_v1_RetryTaskResponse__Output>
  RevokeApiKey: MethodDefinition<_taskqueue_v1_RevokeApiKeyRequest, _taskqueue_v1_RevokeApiKeyResponse, _taskqueue_v1_RevokeApiKeyRequest__Output, _taskqueue_v1_RevokeApiKeyResponse__Output>
  SetTaskPriority: MethodDefinition<_taskqueue_v1_SetTaskPriorityRequest, _taskqueue_v1_SetTaskPriorityResponse, _taskqueue_v1_SetTaskPriorityRequest__Output, _taskqueue_v1_SetTaskPriorityResponse__Output>
  UpdateConfig: MethodDefinition<_taskqueue_v1_UpdateConfigRequest, _taskqueue_v1_UpdateConfigResponse, _taskqueue_v1_UpdateConfigRequest__Output, _taskqueue_v1_UpdateConfigResponse__Output>
  WatchNext: MethodDefinition<_taskqueue_v1_WatchNextRequest, _taskqueue_v1_WatchNextResponse, _taskqueue_v1_WatchNextRequest__Output, _taskqueue_v1_WatchNextResponse__Output>
  Work: MethodDefinition<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkResponse, _taskqueue_v1_WorkRequest__Output, _taskqueue_v1_WorkResponse__Output>
}
