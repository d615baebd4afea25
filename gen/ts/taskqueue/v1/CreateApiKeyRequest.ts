// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Role as _taskqueue_v1_Role, Role__Output as _taskqueue_v1_Role__Output } from '../../taskqueue/v1/Role';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

export interface CreateApiKeyRequest {
  'name'?: (string);
  'role'?: (_taskqueue_v1_Role);
  'ttl'?: (_google_protobuf_Duration | null);
}

export interface CreateApiKeyRequest__Output {
  'name': (string);
  'role': (_taskqueue_v1_Role__Output);
  'ttl': (_google_protobuf_Duration__Output | null);
}
