// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ServerConfig as _taskqueue_v1_ServerConfig, ServerConfig__Output as _taskqueue_v1_ServerConfig__Output } from '../../taskqueue/v1/ServerConfig';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from '../../google/protobuf/FieldMask';

export interface UpdateConfigRequest {
  'config'?: (_taskqueue_v1_ServerConfig | null);
  'update_mask'?: (_google_protobuf_FieldMask | null);
}

export interface UpdateConfigRequest__Output {
  'config': (_taskqueue_v1_ServerConfig__Output | null);
  'update_mask': (_google_protobuf_FieldMask__Output | null);
}
