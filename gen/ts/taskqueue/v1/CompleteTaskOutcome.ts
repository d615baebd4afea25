// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface CompleteTaskOutcome {
  'task_id'?: (string);
  'code'?: (number);
  'reason'?: (string);
  'message'?: (string);
}

export interface CompleteTaskOutcome__Output {
  'task_id': (string);
  'code': (number);
  'reason': (string);
  'message': (string);
}
