// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface RetryTaskRequest {
  'task_id'?: (string);
  'reason'?: (string);
}

export interface RetryTaskRequest__Output {
  'task_id': (string);
  'reason': (string);
}
