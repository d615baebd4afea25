// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Task as _taskqueue_v1_Task, Task__Output as _taskqueue_v1_Task__Output } from '../../taskqueue/v1/Task';

export interface BatchCreateTasksResponse {
  'tasks'?: (_taskqueue_v1_Task)[];
}

export interface BatchCreateTasksResponse__Output {
  'tasks': (_taskqueue_v1_Task__Output)[];
}
