// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Role as _taskqueue_v1_Role, Role__Output as _taskqueue_v1_Role__Output } from '../../taskqueue/v1/Role';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ApiKey {
  'key_id'?: (string);
  'name'?: (string);
  'role'?: (_taskqueue_v1_Role);
  'create_time'?: (_google_protobuf_Timestamp | null);
  'expire_time'?: (_google_protobuf_Timestamp | null);
  'revoke_time'?: (_google_protobuf_Timestamp | null);
}

export interface ApiKey__Output {
  'key_id': (string);
  'name': (string);
  'role': (_taskqueue_v1_Role__Output);
  'create_time': (_google_protobuf_Timestamp__Output | null);
  'expire_time': (_google_protobuf_Timestamp__Output | null);
  'revoke_time': (_google_protobuf_Timestamp__Output | null);
}
