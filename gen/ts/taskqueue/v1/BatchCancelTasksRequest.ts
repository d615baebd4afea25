// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { TaskFilter as _taskqueue_v1_TaskFilter, TaskFilter__Output as _taskqueue_v1_TaskFilter__Output } from '../../taskqueue/v1/TaskFilter';

export interface BatchCancelTasksRequest {
  'task_ids'?: (string)[];
  'filter'?: (_taskqueue_v1_TaskFilter | null);
  'reason'?: (string);
}

export interface BatchCancelTasksRequest__Output {
  'task_ids': (string)[];
  'filter': (_taskqueue_v1_TaskFilter__Output | null);
  'reason': (string);
}
