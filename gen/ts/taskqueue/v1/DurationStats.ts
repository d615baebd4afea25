// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';
import type { Long } from '@grpc/proto-loader';

export interface DurationStats {
  'count'?: (number | string | Long);
  'p50'?: (_google_protobuf_Duration | null);
  'p95'?: (_google_protobuf_Duration | null);
  'p99'?: (_google_protobuf_Duration | null);
  'mean'?: (_google_protobuf_Duration | null);
}

export interface DurationStats__Output {
  'count': (string);
  'p50': (_google_protobuf_Duration__Output | null);
  'p95': (_google_protobuf_Duration__Output | null);
  'p99': (_google_protobuf_Duration__Output | null);
  'mean': (_google_protobuf_Duration__Output | null);
}
