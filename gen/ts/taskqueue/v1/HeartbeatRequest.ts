// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface HeartbeatRequest {
  'task_id'?: (string);
  'lease_token'?: (string);
}

export interface HeartbeatRequest__Output {
  'task_id': (string);
  'lease_token': (string);
}
