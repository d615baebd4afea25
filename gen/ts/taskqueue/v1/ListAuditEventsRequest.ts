// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface ListAuditEventsRequest {
  'page_size'?: (number);
  'page_token'?: (string);
  'principal'?: (string);
  'failures_only'?: (boolean);
}

export interface ListAuditEventsRequest__Output {
  'page_size': (number);
  'page_token': (string);
  'principal': (string);
  'failures_only': (boolean);
}
