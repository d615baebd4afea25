// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Priority as _taskqueue_v1_Priority, Priority__Output as _taskqueue_v1_Priority__Output } from '../../taskqueue/v1/Priority';

export interface SetTaskPriorityRequest {
  'task_id'?: (string);
  'priority'?: (_taskqueue_v1_Priority);
}

export interface SetTaskPriorityRequest__Output {
  'task_id': (string);
  'priority': (_taskqueue_v1_Priority__Output);
}
