// Original file: proto/taskqueue/v1/task.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

export interface RetryPolicy {
  'max_attempts'?: (number);
  'initial_backoff'?: (_google_protobuf_Duration | null);
  'max_backoff'?: (_google_protobuf_Duration | null);
  'backoff_multiplier'?: (number | string);
}

export interface RetryPolicy__Output {
  'max_attempts': (number);
  'initial_backoff': (_google_protobuf_Duration__Output | null);
  'max_backoff': (_google_protobuf_Duration__Output | null);
  'backoff_multiplier': (number);
}
