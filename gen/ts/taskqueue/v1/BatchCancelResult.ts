// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface BatchCancelResult {
  'task_id'?: (string);
  'cancelled'?: (boolean);
  'reason'?: (string);
  'message'?: (string);
}

export interface BatchCancelResult__Output {
  'task_id': (string);
  'cancelled': (boolean);
  'reason': (string);
  'message': (string);
}
