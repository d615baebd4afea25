// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface ConfigChange {
  'name'?: (string);
  'old_value'?: (string);
  'new_value'?: (string);
}

export interface ConfigChange__Output {
  'name': (string);
  'old_value': (string);
  'new_value': (string);
}
