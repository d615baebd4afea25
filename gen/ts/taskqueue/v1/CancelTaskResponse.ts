// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Task as _taskqueue_v1_Task, Task__Output as _taskqueue_v1_Task__Output } from '../../taskqueue/v1/Task';

export interface CancelTaskResponse {
  'task'?: (_taskqueue_v1_Task | null);
}

export interface CancelTaskResponse__Output {
  'task': (_taskqueue_v1_Task__Output | null);
}
