// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TransitionCounts as _taskqueue_v1_TransitionCounts, TransitionCounts__Output as _taskqueue_v1_TransitionCounts__Output } from '../../taskqueue/v1/TransitionCounts';

export interface TrendBucket {
  'start_time'?: (_google_protobuf_Timestamp | null);
  'counts'?: (_taskqueue_v1_TransitionCounts | null);
}

export interface TrendBucket__Output {
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'counts': (_taskqueue_v1_TransitionCounts__Output | null);
}
