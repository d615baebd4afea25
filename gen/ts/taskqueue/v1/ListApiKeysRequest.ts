// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface ListApiKeysRequest {
  'show_inactive'?: (boolean);
}

export interface ListApiKeysRequest__Output {
  'show_inactive': (boolean);
}
