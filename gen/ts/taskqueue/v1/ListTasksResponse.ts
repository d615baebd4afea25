// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Task as _taskqueue_v1_Task, Task__Output as _taskqueue_v1_Task__Output } from '../../taskqueue/v1/Task';
import type { Long } from '@grpc/proto-loader';

export interface ListTasksResponse {
  'tasks'?: (_taskqueue_v1_Task)[];
  'next_page_token'?: (string);
  'total_size'?: (number | string | Long);
}

export interface ListTasksResponse__Output {
  'tasks': (_taskqueue_v1_Task__Output)[];
  'next_page_token': (string);
  'total_size': (string);
}
