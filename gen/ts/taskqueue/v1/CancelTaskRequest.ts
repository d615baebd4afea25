// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface CancelTaskRequest {
  'task_id'?: (string);
  'reason'?: (string);
}

export interface CancelTaskRequest__Output {
  'task_id': (string);
  'reason': (string);
}
