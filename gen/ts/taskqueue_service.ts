import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from './google/protobuf/FieldMask';
import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value';
import type { ApiKey as _taskqueue_v1_ApiKey, ApiKey__Output as _taskqueue_v1_ApiKey__Output } from './taskqueue/v1/ApiKey';
import type { AuditEvent as _taskqueue_v1_AuditEvent, AuditEvent__Output as _taskqueue_v1_AuditEvent__Output } from './taskqueue/v1/AuditEvent';
import type { Backup as _taskqueue_v1_Backup, Backup__Output as _taskqueue_v1_Backup__Output } from './taskqueue/v1/Backup';
import type { BatchCancelResult as _taskqueue_v1_BatchCancelResult, BatchCancelResult__Output as _taskqueue_v1_BatchCancelResult__Output } from './taskqueue/v1/BatchCancelResult';
import type { BatchCancelTasksRequest as _taskqueue_v1_BatchCancelTasksRequest, BatchCancelTasksRequest__Output as _taskqueue_v1_BatchCancelTasksRequest__Output } from './taskqueue/v1/BatchCancelTasksRequest';
import type { BatchCancelTasksResponse as _taskqueue_v1_BatchCancelTasksResponse, BatchCancelTasksResponse__Output as _taskqueue_v1_BatchCancelTasksResponse__Output } from './taskqueue/v1/BatchCancelTasksResponse';
import type { BatchCreateTasksRequest as _taskqueue_v1_BatchCreateTasksRequest, BatchCreateTasksRequest__Output as _taskqueue_v1_BatchCreateTasksRequest__Output } from './taskqueue/v1/BatchCreateTasksRequest';
import type { BatchCreateTasksResponse as _taskqueue_v1_BatchCreateTasksResponse, BatchCreateTasksResponse__Output as _taskqueue_v1_BatchCreateTasksResponse__Output } from './taskqueue/v1/BatchCreateTasksResponse';
import type { CancelTaskRequest as _taskqueue_v1_CancelTaskRequest, CancelTaskRequest__Output as _taskqueue_v1_CancelTaskRequest__Output } from './taskqueue/v1/CancelTaskRequest';
import type { CancelTaskResponse as _taskqueue_v1_CancelTaskResponse, CancelTaskResponse__Output as _taskqueue_v1_CancelTaskResponse__Output } from './taskqueue/v1/CancelTaskResponse';
import type { ClaimTaskRequest as _taskqueue_v1_ClaimTaskRequest, ClaimTaskRequest__Output as _taskqueue_v1_ClaimTaskRequest__Output } from './taskqueue/v1/ClaimTaskRequest';
import type { ClaimTaskResponse as _taskqueue_v1_ClaimTaskResponse, ClaimTaskResponse__Output as _taskqueue_v1_ClaimTaskResponse__Output } from './taskqueue/v1/ClaimTaskResponse';
import type { CompleteTaskOutcome as _taskqueue_v1_CompleteTaskOutcome, CompleteTaskOutcome__Output as _taskqueue_v1_CompleteTaskOutcome__Output } from './taskqueue/v1/CompleteTaskOutcome';
import type { CompleteTaskRequest as _taskqueue_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _taskqueue_v1_CompleteTaskRequest__Output } from './taskqueue/v1/CompleteTaskRequest';
import type { CompleteTaskResponse as _taskqueue_v1_CompleteTaskResponse, CompleteTaskResponse__Output as _taskqueue_v1_CompleteTaskResponse__Output } from './taskqueue/v1/CompleteTaskResponse';
import type { CompleteTasksRequest as _taskqueue_v1_CompleteTasksRequest, CompleteTasksRequest__Output as _taskqueue_v1_CompleteTasksRequest__Output } from './taskqueue/v1/CompleteTasksRequest';
import type { CompleteTasksResponse as _taskqueue_v1_CompleteTasksResponse, CompleteTasksResponse__Output as _taskqueue_v1_CompleteTasksResponse__Output } from './taskqueue/v1/CompleteTasksResponse';
import type { ConfigChange as _taskqueue_v1_ConfigChange, ConfigChange__Output as _taskqueue_v1_ConfigChange__Output } from './taskqueue/v1/ConfigChange';
import type { ConfigRevision as _taskqueue_v1_ConfigRevision, ConfigRevision__Output as _taskqueue_v1_ConfigRevision__Output } from './taskqueue/v1/ConfigRevision';
import type { CreateApiKeyRequest as _taskqueue_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _taskqueue_v1_CreateApiKeyRequest__Output } from './taskqueue/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _taskqueue_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _taskqueue_v1_CreateApiKeyResponse__Output } from './taskqueue/v1/CreateApiKeyResponse';
import type { CreateBackupRequest as _taskqueue_v1_CreateBackupRequest, CreateBackupRequest__Output as _taskqueue_v1_CreateBackupRequest__Output } from './taskqueue/v1/CreateBackupRequest';
import type { CreateBackupResponse as _taskqueue_v1_CreateBackupResponse, CreateBackupResponse__Output as _taskqueue_v1_CreateBackupResponse__Output } from './taskqueue/v1/CreateBackupResponse';
import type { CreateTaskRequest as _taskqueue_v1_CreateTaskRequest, CreateTaskRequest__Output as _taskqueue_v1_CreateTaskRequest__Output } from './taskqueue/v1/CreateTaskRequest';
import type { CreateTaskResponse as _taskqueue_v1_CreateTaskResponse, CreateTaskResponse__Output as _taskqueue_v1_CreateTaskResponse__Output } from './taskqueue/v1/CreateTaskResponse';
import type { DurationStats as _taskqueue_v1_DurationStats, DurationStats__Output as _taskqueue_v1_DurationStats__Output } from './taskqueue/v1/DurationStats';
import type { FailTaskRequest as _taskqueue_v1_FailTaskRequest, FailTaskRequest__Output as _taskqueue_v1_FailTaskRequest__Output } from './taskqueue/v1/FailTaskRequest';
import type { FailTaskResponse as _taskqueue_v1_FailTaskResponse, FailTaskResponse__Output as _taskqueue_v1_FailTaskResponse__Output } from './taskqueue/v1/FailTaskResponse';
import type { GetConfigRequest as _taskqueue_v1_GetConfigRequest, GetConfigRequest__Output as _taskqueue_v1_GetConfigRequest__Output } from './taskqueue/v1/GetConfigRequest';
import type { GetConfigResponse as _taskqueue_v1_GetConfigResponse, GetConfigResponse__Output as _taskqueue_v1_GetConfigResponse__Output } from './taskqueue/v1/GetConfigResponse';
import type { GetServerStatusRequest as _taskqueue_v1_GetServerStatusRequest, GetServerStatusRequest__Output as _taskqueue_v1_GetServerStatusRequest__Output } from './taskqueue/v1/GetServerStatusRequest';
import type { GetServerStatusResponse as _taskqueue_v1_GetServerStatusResponse, GetServerStatusResponse__Output as _taskqueue_v1_GetServerStatusResponse__Output } from './taskqueue/v1/GetServerStatusResponse';
import type { GetStatsRequest as _taskqueue_v1_GetStatsRequest, GetStatsRequest__Output as _taskqueue_v1_GetStatsRequest__Output } from './taskqueue/v1/GetStatsRequest';
import type { GetStatsResponse as _taskqueue_v1_GetStatsResponse, GetStatsResponse__Output as _taskqueue_v1_GetStatsResponse__Output } from './taskqueue/v1/GetStatsResponse';
import type { GetTaskRequest as _taskqueue_v1_GetTaskRequest, GetTaskRequest__Output as _taskqueue_v1_GetTaskRequest__Output } from './taskqueue/v1/GetTaskRequest';
import type { GetTaskResponse as _taskqueue_v1_GetTaskResponse, GetTaskResponse__Output as _taskqueue_v1_GetTaskResponse__Output } from './taskqueue/v1/GetTaskResponse';
import type { HeartbeatRequest as _taskqueue_v1_HeartbeatRequest, HeartbeatRequest__Output as _taskqueue_v1_HeartbeatRequest__Output } from './taskqueue/v1/HeartbeatRequest';
import type { HeartbeatResponse as _taskqueue_v1_HeartbeatResponse, HeartbeatResponse__Output as _taskqueue_v1_HeartbeatResponse__Output } from './taskqueue/v1/HeartbeatResponse';
import type { ListApiKeysRequest as _taskqueue_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _taskqueue_v1_ListApiKeysRequest__Output } from './taskqueue/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _taskqueue_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _taskqueue_v1_ListApiKeysResponse__Output } from './taskqueue/v1/ListApiKeysResponse';
import type { ListAuditEventsRequest as _taskqueue_v1_ListAuditEventsRequest, ListAuditEventsRequest__Output as _taskqueue_v1_ListAuditEventsRequest__Output } from './taskqueue/v1/ListAuditEventsRequest';
import type { ListAuditEventsResponse as _taskqueue_v1_ListAuditEventsResponse, ListAuditEventsResponse__Output as _taskqueue_v1_ListAuditEventsResponse__Output } from './taskqueue/v1/ListAuditEventsResponse';
import type { ListBackupsRequest as _taskqueue_v1_ListBackupsRequest, ListBackupsRequest__Output as _taskqueue_v1_ListBackupsRequest__Output } from './taskqueue/v1/ListBackupsRequest';
import type { ListBackupsResponse as _taskqueue_v1_ListBackupsResponse, ListBackupsResponse__Output as _taskqueue_v1_ListBackupsResponse__Output } from './taskqueue/v1/ListBackupsResponse';
import type { ListConfigRevisionsRequest as _taskqueue_v1_ListConfigRevisionsRequest, ListConfigRevisionsRequest__Output as _taskqueue_v1_ListConfigRevisionsRequest__Output } from './taskqueue/v1/ListConfigRevisionsRequest';
import type { ListConfigRevisionsResponse as _taskqueue_v1_ListConfigRevisionsResponse, ListConfigRevisionsResponse__Output as _taskqueue_v1_ListConfigRevisionsResponse__Output } from './taskqueue/v1/ListConfigRevisionsResponse';
import type { ListTasksRequest as _taskqueue_v1_ListTasksRequest, ListTasksRequest__Output as _taskqueue_v1_ListTasksRequest__Output } from './taskqueue/v1/ListTasksRequest';
import type { ListTasksResponse as _taskqueue_v1_ListTasksResponse, ListTasksResponse__Output as _taskqueue_v1_ListTasksResponse__Output } from './taskqueue/v1/ListTasksResponse';
import type { PriorityCounts as _taskqueue_v1_PriorityCounts, PriorityCounts__Output as _taskqueue_v1_PriorityCounts__Output } from './taskqueue/v1/PriorityCounts';
import type { PriorityDurations as _taskqueue_v1_PriorityDurations, PriorityDurations__Output as _taskqueue_v1_PriorityDurations__Output } from './taskqueue/v1/PriorityDurations';
import type { RetryPolicy as _taskqueue_v1_RetryPolicy, RetryPolicy__Output as _taskqueue_v1_RetryPolicy__Output } from './taskqueue/v1/RetryPolicy';
import type { RetryTaskRequest as _taskqueue_v1_RetryTaskRequest, RetryTaskRequest__Output as _taskqueue_v1_RetryTaskRequest__Output } from './taskqueue/v1/RetryTaskRequest';
import type { RetryTaskResponse as _taskqueue_v1_RetryTaskResponse, RetryTaskResponse__Output as _taskqueue_v1_RetryTaskResponse__Output } from './taskqueue/v1/RetryTaskResponse';
import type { RevokeApiKeyRequest as _taskqueue_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _taskqueue_v1_RevokeApiKeyRequest__Output } from './taskqueue/v1/RevokeApiKeyRequest';
import type { RevokeApiKeyResponse as _taskqueue_v1_RevokeApiKeyResponse, RevokeApiKeyResponse__Output as _taskqueue_v1_RevokeApiKeyResponse__Output } from './taskqueue/v1/RevokeApiKeyResponse';
import type { ServerConfig as _taskqueue_v1_ServerConfig, ServerConfig__Output as _taskqueue_v1_ServerConfig__Output } from './taskqueue/v1/ServerConfig';
import type { ServerInfo as _taskqueue_v1_ServerInfo, ServerInfo__Output as _taskqueue_v1_ServerInfo__Output } from './taskqueue/v1/ServerInfo';
import type { SetTaskPriorityRequest as _taskqueue_v1_SetTaskPriorityRequest, SetTaskPriorityRequest__Output as _taskqueue_v1_SetTaskPriorityRequest__Output } from './taskqueue/v1/SetTaskPriorityRequest';
import type { SetTaskPriorityResponse as _taskqueue_v1_SetTaskPriorityResponse, SetTaskPriorityResponse__Output as _taskqueue_v1_SetTaskPriorityResponse__Output } from './taskqueue/v1/SetTaskPriorityResponse';
import type { StateCounts as _taskqueue_v1_StateCounts, StateCounts__Output as _taskqueue_v1_StateCounts__Output } from './taskqueue/v1/StateCounts';
import type { Task as _taskqueue_v1_Task, Task__Output as _taskqueue_v1_Task__Output } from './taskqueue/v1/Task';
import type { TaskEvent as _taskqueue_v1_TaskEvent, TaskEvent__Output as _taskqueue_v1_TaskEvent__Output } from './taskqueue/v1/TaskEvent';
import type { TaskFilter as _taskqueue_v1_TaskFilter, TaskFilter__Output as _taskqueue_v1_TaskFilter__Output } from './taskqueue/v1/TaskFilter';
import type { TaskQueueServiceClient as _taskqueue_v1_TaskQueueServiceClient, TaskQueueServiceDefinition as _taskqueue_v1_TaskQueueServiceDefinition } from './taskqueue/v1/TaskQueueService';
import type { ThrottledCount as _taskqueue_v1_ThrottledCount, ThrottledCount__Output as _taskqueue_v1_ThrottledCount__Output } from './taskqueue/v1/ThrottledCount';
import type { TransitionCounts as _taskqueue_v1_TransitionCounts, TransitionCounts__Output as _taskqueue_v1_TransitionCounts__Output } from './taskqueue/v1/TransitionCounts';
import type { TrendBucket as _taskqueue_v1_TrendBucket, TrendBucket__Output as _taskqueue_v1_TrendBucket__Output } from './taskqueue/v1/TrendBucket';
import type { UpdateConfigRequest as _taskqueue_v1_UpdateConfigRequest, UpdateConfigRequest__Output as _taskqueue_v1_UpdateConfigRequest__Output } from './taskqueue/v1/UpdateConfigRequest';
import type { UpdateConfigResponse as _taskqueue_v1_UpdateConfigResponse, UpdateConfigResponse__Output as _taskqueue_v1_UpdateConfigResponse__Output } from './taskqueue/v1/UpdateConfigResponse';
import type { WatchNextRequest as _taskqueue_v1_WatchNextRequest, WatchNextRequest__Output as _taskqueue_v1_WatchNextRequest__Output } from './taskqueue/v1/WatchNextRequest';
import type { WatchNextResponse as _taskqueue_v1_WatchNextResponse, WatchNextResponse__Output as _taskqueue_v1_WatchNextResponse__Output } from './taskqueue/v1/WatchNextResponse';
import type { WorkRequest as _taskqueue_v1_WorkRequest, WorkRequest__Output as _taskqueue_v1_WorkRequest__Output } from './taskqueue/v1/WorkRequest';
import type { WorkResponse as _taskqueue_v1_WorkResponse, WorkResponse__Output as _taskqueue_v1_WorkResponse__Output } from './taskqueue/v1/WorkResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      FieldMask: MessageTypeDefinition<_google_protobuf_FieldMask, _google_protobuf_FieldMask__Output>
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
  }
  taskqueue: {
    v1: {
      ApiKey: MessageTypeDefinition<_taskqueue_v1_ApiKey, _taskqueue_v1_ApiKey__Output>
      AuditEvent: MessageTypeDefinition<_taskqueue_v1_AuditEvent, _taskqueue_v1_AuditEvent__Output>
      Backup: MessageTypeDefinition<_taskqueue_v1_Backup, _taskqueue_v1_Backup__Output>
      BatchCancelResult: MessageTypeDefinition<_taskqueue_v1_BatchCancelResult, _taskqueue_v1_BatchCancelResult__Output>
      BatchCancelTasksRequest: MessageTypeDefinition<_taskqueue_v1_BatchCancelTasksRequest, _taskqueue_v1_BatchCancelTasksRequest__Output>
      BatchCancelTasksResponse: MessageTypeDefinition<_taskqueue_v1_BatchCancelTasksResponse, _taskqueue_v1_BatchCancelTasksResponse__Output>
      BatchCreateTasksRequest: MessageTypeDefinition<_taskqueue_v1_BatchCreateTasksRequest, _taskqueue_v1_BatchCreateTasksRequest__Output>
      BatchCreateTasksResponse: MessageTypeDefinition<_taskqueue_v1_BatchCreateTasksResponse, _taskqueue_v1_BatchCreateTasksResponse__Output>
      CancelTaskRequest: MessageTypeDefinition<_taskqueue_v1_CancelTaskRequest, _taskqueue_v1_CancelTaskRequest__Output>
      CancelTaskResponse: MessageTypeDefinition<_taskqueue_v1_CancelTaskResponse, _taskqueue_v1_CancelTaskResponse__Output>
      ClaimTaskRequest: MessageTypeDefinition<_taskqueue_v1_ClaimTaskRequest, _taskqueue_v1_ClaimTaskRequest__Output>
      ClaimTaskResponse: MessageTypeDefinition<_taskqueue_v1_ClaimTaskResponse, _taskqueue_v1_ClaimTaskResponse__Output>
      CompleteTaskOutcome: MessageTypeDefinition<_taskqueue_v1_CompleteTaskOutcome, _taskqueue_v1_CompleteTaskOutcome__Output>
      CompleteTaskRequest: MessageTypeDefinition<_taskqueue_v1_CompleteTaskRequest, _taskqueue_v1_CompleteTaskRequest__Output>
      CompleteTaskResponse: MessageTypeDefinition<_taskqueue_v1_CompleteTaskResponse, _taskqueue_v1_CompleteTaskResponse__Output>
      CompleteTasksRequest: MessageTypeDefinition<_taskqueue_v1_CompleteTasksRequest, _taskqueue_v1_CompleteTasksRequest__Output>
      CompleteTasksResponse: MessageTypeDefinition<_taskqueue_v1_CompleteTasksResponse, _taskqueue_v1_CompleteTasksResponse__Output>
      ConfigChange: MessageTypeDefinition<_taskqueue_v1_ConfigChange, _taskqueue_v1_ConfigChange__Output>
      ConfigRevision: MessageTypeDefinition<_taskqueue_v1_ConfigRevision, _taskqueue_v1_ConfigRevision__Output>
      CreateApiKeyRequest: MessageTypeDefinition<_taskqueue_v1_CreateApiKeyRequest, _taskqueue_v1_CreateApiKeyRequest__Output>
      CreateApiKeyResponse: MessageTypeDefinition<_taskqueue_v1_CreateApiKeyResponse, _taskqueue_v1_CreateApiKeyResponse__Output>
      CreateBackupRequest: MessageTypeDefinition<_taskqueue_v1_CreateBackupRequest, _taskqueue_v1_CreateBackupRequest__Output>
      CreateBackupResponse: MessageTypeDefinition<_taskqueue_v1_CreateBackupResponse, _taskqueue_v1_CreateBackupResponse__Output>
      CreateTaskRequest: MessageTypeDefinition<_taskqueue_v1_CreateTaskRequest, _taskqueue_v1_CreateTaskRequest__Output>
      CreateTaskResponse: MessageTypeDefinition<_taskqueue_v1_CreateTaskResponse, _taskqueue_v1_CreateTaskResponse__Output>
      DueFilter: EnumTypeDefinition
      DurationStats: MessageTypeDefinition<_taskqueue_v1_DurationStats, _taskqueue_v1_DurationStats__Output>
      FailTaskRequest: MessageTypeDefinition<_taskqueue_v1_FailTaskRequest, _taskqueue_v1_FailTaskRequest__Output>
      FailTaskResponse: MessageTypeDefinition<_taskqueue_v1_FailTaskResponse, _taskqueue_v1_FailTaskResponse__Output>
      GetConfigRequest: MessageTypeDefinition<_taskqueue_v1_GetConfigRequest, _taskqueue_v1_GetConfigRequest__Output>
      GetConfigResponse: MessageTypeDefinition<_taskqueue_v1_GetConfigResponse, _taskqueue_v1_GetConfigResponse__Output>
      GetServerStatusRequest: MessageTypeDefinition<_taskqueue_v1_GetServerStatusRequest, _taskqueue_v1_GetServerStatusRequest__Output>
      GetServerStatusResponse: MessageTypeDefinition<_taskqueue_v1_GetServerStatusResponse, _taskqueue_v1_GetServerStatusResponse__Output>
      GetStatsRequest: MessageTypeDefinition<_taskqueue_v1_GetStatsRequest, _taskqueue_v1_GetStatsRequest__Output>
      GetStatsResponse: MessageTypeDefinition<_taskqueue_v1_GetStatsResponse, _taskqueue_v1_GetStatsResponse__Output>
      GetTaskRequest: MessageTypeDefinition<_taskqueue_v1_GetTaskRequest, _taskqueue_v1_GetTaskRequest__Output>
      GetTaskResponse: MessageTypeDefinition<_taskqueue_v1_GetTaskResponse, _taskqueue_v1_GetTaskResponse__Output>
      HeartbeatRequest: MessageTypeDefinition<_taskqueue_v1_HeartbeatRequest, _taskqueue_v1_HeartbeatRequest__Output>
      HeartbeatResponse: MessageTypeDefinition<_taskqueue_v1_HeartbeatResponse, _taskqueue_v1_HeartbeatResponse__Output>
      ListApiKeysRequest: MessageTypeDefinition<_taskqueue_v1_ListApiKeysRequest, _taskqueue_v1_ListApiKeysRequest__Output>
      ListApiKeysResponse: MessageTypeDefinition<_taskqueue_v1_ListApiKeysResponse, _taskqueue_v1_ListApiKeysResponse__Output>
      ListAuditEventsRequest: MessageTypeDefinition<_taskqueue_v1_ListAuditEventsRequest, _taskqueue_v1_ListAuditEventsRequest__Output>
      ListAuditEventsResponse: MessageTypeDefinition<_taskqueue_v1_ListAuditEventsResponse, _taskqueue_v1_ListAuditEventsResponse__Output>
      ListBackupsRequest: MessageTypeDefinition<_taskqueue_v1_ListBackupsRequest, _taskqueue_v1_ListBackupsRequest__Output>
      ListBackupsResponse: MessageTypeDefinition<_taskqueue_v1_ListBackupsResponse, _taskqueue_v1_ListBackupsResponse__Output>
      ListConfigRevisionsRequest: MessageTypeDefinition<_taskqueue_v1_ListConfigRevisionsRequest, _taskqueue_v1_ListConfigRevisionsRequest__Output>
      ListConfigRevisionsResponse: MessageTypeDefinition<_taskqueue_v1_ListConfigRevisionsResponse, _taskqueue_v1_ListConfigRevisionsResponse__Output>
      ListTasksRequest: MessageTypeDefinition<_taskqueue_v1_ListTasksRequest, _taskqueue_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_taskqueue_v1_ListTasksResponse, _taskqueue_v1_ListTasksResponse__Output>
      Priority: EnumTypeDefinition
      PriorityCounts: MessageTypeDefinition<_taskqueue_v1_PriorityCounts, _taskqueue_v1_PriorityCounts__Output>
      PriorityDurations: MessageTypeDefinition<_taskqueue_v1_PriorityDurations, _taskqueue_v1_PriorityDurations__Output>
      RetryPolicy: MessageTypeDefinition<_taskqueue_v1_RetryPolicy, _taskqueue_v1_RetryPolicy__Output>
      RetryTaskRequest: MessageTypeDefinition<_taskqueue_v1_RetryTaskRequest, _taskqueue_v1_RetryTaskRequest__Output>
      RetryTaskResponse: MessageTypeDefinition<_taskqueue_v1_RetryTaskResponse, _taskqueue_v1_RetryTaskResponse__Output>
      RevokeApiKeyRequest: MessageTypeDefinition<_taskqueue_v1_RevokeApiKeyRequest, _taskqueue_v1_RevokeApiKeyRequest__Output>
      RevokeApiKeyResponse: MessageTypeDefinition<_taskqueue_v1_RevokeApiKeyResponse, _taskqueue_v1_RevokeApiKeyResponse__Output>
      Role: EnumTypeDefinition
      ServerCondition: EnumTypeDefinition
      ServerConfig: MessageTypeDefinition<_taskqueue_v1_ServerConfig, _taskqueue_v1_ServerConfig__Output>
      ServerInfo: MessageTypeDefinition<_taskqueue_v1_ServerInfo, _taskqueue_v1_ServerInfo__Output>
      SetTaskPriorityRequest: MessageTypeDefinition<_taskqueue_v1_SetTaskPriorityRequest, _taskqueue_v1_SetTaskPriorityRequest__Output>
      SetTaskPriorityResponse: MessageTypeDefinition<_taskqueue_v1_SetTaskPriorityResponse, _taskqueue_v1_SetTaskPriorityResponse__Output>
      StateCounts: MessageTypeDefinition<_taskqueue_v1_StateCounts, _taskqueue_v1_StateCounts__Output>
      StatsBucket: EnumTypeDefinition
      Task: MessageTypeDefinition<_taskqueue_v1_Task, _taskqueue_v1_Task__Output>
      TaskEvent: MessageTypeDefinition<_taskqueue_v1_TaskEvent, _taskqueue_v1_TaskEvent__Output>
      TaskFilter: MessageTypeDefinition<_taskqueue_v1_TaskFilter, _taskqueue_v1_TaskFilter__Output>
      TaskQueueService: SubtypeConstructor<typeof grpc.Client, _taskqueue_v1_TaskQueueServiceClient> & { service: _taskqueue_v1_TaskQueueServiceDefinition }
      TaskState: EnumTypeDefinition
      TaskView: EnumTypeDefinition
      ThrottledCount: MessageTypeDefinition<_taskqueue_v1_ThrottledCount, _taskqueue_v1_ThrottledCount__Output>
      TransitionCounts: MessageTypeDefinition<_taskqueue_v1_TransitionCounts, _taskqueue_v1_TransitionCounts__Output>
      TrendBucket: MessageTypeDefinition<_taskqueue_v1_TrendBucket, _taskqueue_v1_TrendBucket__Output>
      UpdateConfigRequest: MessageTypeDefinition<_taskqueue_v1_UpdateConfigRequest, _taskqueue_v1_UpdateConfigRequest__Output>
      UpdateConfigResponse: MessageTypeDefinition<_taskqueue_v1_UpdateConfigResponse, _taskqueue_v1_UpdateConfigResponse__Output>
      WatchNextRequest: MessageTypeDefinition<_taskqueue_v1_WatchNextRequest, _taskqueue_v1_WatchNextRequest__Output>
      WatchNextResponse: MessageTypeDefinition<_taskqueue_v1_WatchNextResponse, _taskqueue_v1_WatchNextResponse__Output>
      WorkRequest: MessageTypeDefinition<_taskqueue_v1_WorkRequest, _taskqueue_v1_WorkRequest__Output>
      WorkResponse: MessageTypeDefinition<_taskqueue_v1_WorkResponse, _taskqueue_v1_WorkResponse__Output>
    }
  }
}

