// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { BatchCancelResult as _taskqueue_v1_BatchCancelResult, BatchCancelResult__Output as _taskqueue_v1_BatchCancelResult__Output } from '../../taskqueue/v1/BatchCancelResult';

export interface BatchCancelTasksResponse {
  'results'?: (_taskqueue_v1_BatchCancelResult)[];
  'cancelled_count'?: (number);
  'has_more'?: (boolean);
}

export interface BatchCancelTasksResponse__Output {
  'results': (_taskqueue_v1_BatchCancelResult__Output)[];
  'cancelled_count': (number);
  'has_more': (boolean);
}
