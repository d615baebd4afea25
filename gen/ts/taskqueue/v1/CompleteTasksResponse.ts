// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { CompleteTaskOutcome as _taskqueue_v1_CompleteTaskOutcome, CompleteTaskOutcome__Output as _taskqueue_v1_CompleteTaskOutcome__Output } from '../../taskqueue/v1/CompleteTaskOutcome';

export interface CompleteTasksResponse {
  'outcomes'?: (_taskqueue_v1_CompleteTaskOutcome)[];
}

export interface CompleteTasksResponse__Output {
  'outcomes': (_taskqueue_v1_CompleteTaskOutcome__Output)[];
}
