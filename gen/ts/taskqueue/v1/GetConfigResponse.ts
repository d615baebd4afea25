// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ServerConfig as _taskqueue_v1_ServerConfig, ServerConfig__Output as _taskqueue_v1_ServerConfig__Output } from '../../taskqueue/v1/ServerConfig';
import type { Long } from '@grpc/proto-loader';

export interface GetConfigResponse {
  'config'?: (_taskqueue_v1_ServerConfig | null);
  'sources'?: ({[key: string]: string});
  'revision'?: (number | string | Long);
}

export interface GetConfigResponse__Output {
  'config': (_taskqueue_v1_ServerConfig__Output | null);
  'sources': ({[key: string]: string});
  'revision': (string);
}
