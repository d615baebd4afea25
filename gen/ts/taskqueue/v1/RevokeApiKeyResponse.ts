// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ApiKey as _taskqueue_v1_ApiKey, ApiKey__Output as _taskqueue_v1_ApiKey__Output } from '../../taskqueue/v1/ApiKey';

export interface RevokeApiKeyResponse {
  'api_key'?: (_taskqueue_v1_ApiKey | null);
}

export interface RevokeApiKeyResponse__Output {
  'api_key': (_taskqueue_v1_ApiKey__Output | null);
}
