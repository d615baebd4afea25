// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Priority as _taskqueue_v1_Priority, Priority__Output as _taskqueue_v1_Priority__Output } from '../../taskqueue/v1/Priority';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';
import type { RetryPolicy as _taskqueue_v1_RetryPolicy, RetryPolicy__Output as _taskqueue_v1_RetryPolicy__Output } from '../../taskqueue/v1/RetryPolicy';

export interface CreateTaskRequest {
  'work_directory'?: (string);
  'prompt'?: (string);
  'priority'?: (_taskqueue_v1_Priority);
  'tags'?: (string)[];
  'request_id'?: (string);
  'schedule_time'?: (_google_protobuf_Timestamp | null);
  'delay'?: (_google_protobuf_Duration | null);
  'retry_policy'?: (_taskqueue_v1_RetryPolicy | null);
  'max_working_in_directory'?: (number);
}

export interface CreateTaskRequest__Output {
  'work_directory': (string);
  'prompt': (string);
  'priority': (_taskqueue_v1_Priority__Output);
  'tags': (string)[];
  'request_id': (string);
  'schedule_time': (_google_protobuf_Timestamp__Output | null);
  'delay': (_google_protobuf_Duration__Output | null);
  'retry_policy': (_taskqueue_v1_RetryPolicy__Output | null);
  'max_working_in_directory': (number);
}
