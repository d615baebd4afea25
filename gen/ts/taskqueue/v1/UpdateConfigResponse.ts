// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ServerConfig as _taskqueue_v1_ServerConfig, ServerConfig__Output as _taskqueue_v1_ServerConfig__Output } from '../../taskqueue/v1/ServerConfig';
import type { Long } from '@grpc/proto-loader';

export interface UpdateConfigResponse {
  'config'?: (_taskqueue_v1_ServerConfig | null);
  'revision'?: (number | string | Long);
}

export interface UpdateConfigResponse__Output {
  'config': (_taskqueue_v1_ServerConfig__Output | null);
  'revision': (string);
}
