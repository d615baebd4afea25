// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { CompleteTaskRequest as _taskqueue_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _taskqueue_v1_CompleteTaskRequest__Output } from '../../taskqueue/v1/CompleteTaskRequest';

export interface CompleteTasksRequest {
  'requests'?: (_taskqueue_v1_CompleteTaskRequest)[];
}

export interface CompleteTasksRequest__Output {
  'requests': (_taskqueue_v1_CompleteTaskRequest__Output)[];
}
