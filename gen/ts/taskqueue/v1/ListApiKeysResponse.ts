// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ApiKey as _taskqueue_v1_ApiKey, ApiKey__Output as _taskqueue_v1_ApiKey__Output } from '../../taskqueue/v1/ApiKey';

export interface ListApiKeysResponse {
  'api_keys'?: (_taskqueue_v1_ApiKey)[];
}

export interface ListApiKeysResponse__Output {
  'api_keys': (_taskqueue_v1_ApiKey__Output)[];
}
