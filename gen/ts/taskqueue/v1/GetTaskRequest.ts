// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface GetTaskRequest {
  'task_id'?: (string);
}

export interface GetTaskRequest__Output {
  'task_id': (string);
}
