// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Priority as _taskqueue_v1_Priority, Priority__Output as _taskqueue_v1_Priority__Output } from '../../taskqueue/v1/Priority';
import type { DurationStats as _taskqueue_v1_DurationStats, DurationStats__Output as _taskqueue_v1_DurationStats__Output } from '../../taskqueue/v1/DurationStats';

export interface PriorityDurations {
  'priority'?: (_taskqueue_v1_Priority);
  'wait'?: (_taskqueue_v1_DurationStats | null);
  'run'?: (_taskqueue_v1_DurationStats | null);
}

export interface PriorityDurations__Output {
  'priority': (_taskqueue_v1_Priority__Output);
  'wait': (_taskqueue_v1_DurationStats__Output | null);
  'run': (_taskqueue_v1_DurationStats__Output | null);
}
