// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface ListConfigRevisionsRequest {
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListConfigRevisionsRequest__Output {
  'page_size': (number);
  'page_token': (string);
}
