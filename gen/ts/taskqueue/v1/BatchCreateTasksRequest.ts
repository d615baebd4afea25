// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { CreateTaskRequest as _taskqueue_v1_CreateTaskRequest, CreateTaskRequest__Output as _taskqueue_v1_CreateTaskRequest__Output } from '../../taskqueue/v1/CreateTaskRequest';

export interface BatchCreateTasksRequest {
  'requests'?: (_taskqueue_v1_CreateTaskRequest)[];
}

export interface BatchCreateTasksRequest__Output {
  'requests': (_taskqueue_v1_CreateTaskRequest__Output)[];
}
