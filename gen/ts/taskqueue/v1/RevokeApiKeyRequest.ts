// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface RevokeApiKeyRequest {
  'key'?: (string);
}

export interface RevokeApiKeyRequest__Output {
  'key': (string);
}
