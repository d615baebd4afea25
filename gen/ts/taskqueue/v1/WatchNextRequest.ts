// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

export interface WatchNextRequest {
  'worker_id'?: (string);
  'work_directory'?: (string);
  'max_in_flight'?: (number);
  'lease_duration'?: (_google_protobuf_Duration | null);
  'tags'?: (string)[];
}

export interface WatchNextRequest__Output {
  'worker_id': (string);
  'work_directory': (string);
  'max_in_flight': (number);
  'lease_duration': (_google_protobuf_Duration__Output | null);
  'tags': (string)[];
}
