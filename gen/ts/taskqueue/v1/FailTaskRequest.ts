// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface FailTaskRequest {
  'task_id'?: (string);
  'lease_token'?: (string);
  'original_prompt'?: (string);
  'error'?: (string);
  'retryable'?: (boolean);
  '_retryable'?: "retryable";
}

export interface FailTaskRequest__Output {
  'task_id': (string);
  'lease_token': (string);
  'original_prompt': (string);
  'error': (string);
  'retryable'?: (boolean);
  '_retryable'?: "retryable";
}
