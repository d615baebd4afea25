// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { WatchNextRequest as _taskqueue_v1_WatchNextRequest, WatchNextRequest__Output as _taskqueue_v1_WatchNextRequest__Output } from '../../taskqueue/v1/WatchNextRequest';
import type { CompleteTaskRequest as _taskqueue_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _taskqueue_v1_CompleteTaskRequest__Output } from '../../taskqueue/v1/CompleteTaskRequest';
import type { FailTaskRequest as _taskqueue_v1_FailTaskRequest, FailTaskRequest__Output as _taskqueue_v1_FailTaskRequest__Output } from '../../taskqueue/v1/FailTaskRequest';

export interface WorkRequest {
  'subscribe'?: (_taskqueue_v1_WatchNextRequest | null);
  'completions'?: (_taskqueue_v1_CompleteTaskRequest)[];
  'failures'?: (_taskqueue_v1_FailTaskRequest)[];
}

export interface WorkRequest__Output {
  'subscribe': (_taskqueue_v1_WatchNextRequest__Output | null);
  'completions': (_taskqueue_v1_CompleteTaskRequest__Output)[];
  'failures': (_taskqueue_v1_FailTaskRequest__Output)[];
}
