// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct';

export interface CompleteTaskRequest {
  'task_id'?: (string);
  'lease_token'?: (string);
  'original_prompt'?: (string);
  'result'?: (_google_protobuf_Struct | null);
}

export interface CompleteTaskRequest__Output {
  'task_id': (string);
  'lease_token': (string);
  'original_prompt': (string);
  'result': (_google_protobuf_Struct__Output | null);
}
