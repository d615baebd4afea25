// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { StateCounts as _taskqueue_v1_StateCounts, StateCounts__Output as _taskqueue_v1_StateCounts__Output } from '../../taskqueue/v1/StateCounts';
import type { PriorityCounts as _taskqueue_v1_PriorityCounts, PriorityCounts__Output as _taskqueue_v1_PriorityCounts__Output } from '../../taskqueue/v1/PriorityCounts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TransitionCounts as _taskqueue_v1_TransitionCounts, TransitionCounts__Output as _taskqueue_v1_TransitionCounts__Output } from '../../taskqueue/v1/TransitionCounts';
import type { PriorityDurations as _taskqueue_v1_PriorityDurations, PriorityDurations__Output as _taskqueue_v1_PriorityDurations__Output } from '../../taskqueue/v1/PriorityDurations';
import type { TrendBucket as _taskqueue_v1_TrendBucket, TrendBucket__Output as _taskqueue_v1_TrendBucket__Output } from '../../taskqueue/v1/TrendBucket';
import type { ThrottledCount as _taskqueue_v1_ThrottledCount, ThrottledCount__Output as _taskqueue_v1_ThrottledCount__Output } from '../../taskqueue/v1/ThrottledCount';
import type { Long } from '@grpc/proto-loader';

export interface GetStatsResponse {
  'tasks_by_state'?: (_taskqueue_v1_StateCounts | null);
  'tasks_by_priority'?: (_taskqueue_v1_PriorityCounts | null);
  'waiting_by_priority'?: (_taskqueue_v1_PriorityCounts | null);
  'total_tasks'?: (number | string | Long);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'end_time'?: (_google_protobuf_Timestamp | null);
  'window'?: (_taskqueue_v1_TransitionCounts | null);
  'durations'?: (_taskqueue_v1_PriorityDurations)[];
  'trend'?: (_taskqueue_v1_TrendBucket)[];
  'throttled'?: (_taskqueue_v1_ThrottledCount)[];
}

export interface GetStatsResponse__Output {
  'tasks_by_state': (_taskqueue_v1_StateCounts__Output | null);
  'tasks_by_priority': (_taskqueue_v1_PriorityCounts__Output | null);
  'waiting_by_priority': (_taskqueue_v1_PriorityCounts__Output | null);
  'total_tasks': (string);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'end_time': (_google_protobuf_Timestamp__Output | null);
  'window': (_taskqueue_v1_TransitionCounts__Output | null);
  'durations': (_taskqueue_v1_PriorityDurations__Output)[];
  'trend': (_taskqueue_v1_TrendBucket__Output)[];
  'throttled': (_taskqueue_v1_ThrottledCount__Output)[];
}
