// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface HeartbeatResponse {
  'lease_expire_time'?: (_google_protobuf_Timestamp | null);
}

export interface HeartbeatResponse__Output {
  'lease_expire_time': (_google_protobuf_Timestamp__Output | null);
}
