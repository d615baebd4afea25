// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { StatsBucket as _taskqueue_v1_StatsBucket, StatsBucket__Output as _taskqueue_v1_StatsBucket__Output } from '../../taskqueue/v1/StatsBucket';

export interface GetStatsRequest {
  'start_time'?: (_google_protobuf_Timestamp | null);
  'end_time'?: (_google_protobuf_Timestamp | null);
  'bucket'?: (_taskqueue_v1_StatsBucket);
}

export interface GetStatsRequest__Output {
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'end_time': (_google_protobuf_Timestamp__Output | null);
  'bucket': (_taskqueue_v1_StatsBucket__Output);
}
