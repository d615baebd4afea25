// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { WatchNextResponse as _taskqueue_v1_WatchNextResponse, WatchNextResponse__Output as _taskqueue_v1_WatchNextResponse__Output } from '../../taskqueue/v1/WatchNextResponse';
import type { CompleteTaskOutcome as _taskqueue_v1_CompleteTaskOutcome, CompleteTaskOutcome__Output as _taskqueue_v1_CompleteTaskOutcome__Output } from '../../taskqueue/v1/CompleteTaskOutcome';

export interface WorkResponse {
  'tasks'?: (_taskqueue_v1_WatchNextResponse)[];
  'outcomes'?: (_taskqueue_v1_CompleteTaskOutcome)[];
}

export interface WorkResponse__Output {
  'tasks': (_taskqueue_v1_WatchNextResponse__Output)[];
  'outcomes': (_taskqueue_v1_CompleteTaskOutcome__Output)[];
}
