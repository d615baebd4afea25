// Original file: proto/taskqueue/v1/task.proto

import type { Priority as _taskqueue_v1_Priority, Priority__Output as _taskqueue_v1_Priority__Output } from '../../taskqueue/v1/Priority';
import type { TaskState as _taskqueue_v1_TaskState, TaskState__Output as _taskqueue_v1_TaskState__Output } from '../../taskqueue/v1/TaskState';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TaskEvent as _taskqueue_v1_TaskEvent, TaskEvent__Output as _taskqueue_v1_TaskEvent__Output } from '../../taskqueue/v1/TaskEvent';
import type { RetryPolicy as _taskqueue_v1_RetryPolicy, RetryPolicy__Output as _taskqueue_v1_RetryPolicy__Output } from '../../taskqueue/v1/RetryPolicy';

export interface Task {
  'id'?: (string);
  'work_directory'?: (string);
  'prompt'?: (string);
  'priority'?: (_taskqueue_v1_Priority);
  'tags'?: (string)[];
  'state'?: (_taskqueue_v1_TaskState);
  'worker_id'?: (string);
  'attempt'?: (number);
  'retry_count'?: (number);
  'result'?: (_google_protobuf_Struct | null);
  'error'?: (string);
  'cancel_reason'?: (string);
  'create_time'?: (_google_protobuf_Timestamp | null);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'complete_time'?: (_google_protobuf_Timestamp | null);
  'fail_time'?: (_google_protobuf_Timestamp | null);
  'cancel_time'?: (_google_protobuf_Timestamp | null);
  'update_time'?: (_google_protobuf_Timestamp | null);
  'lease_expire_time'?: (_google_protobuf_Timestamp | null);
  'history'?: (_taskqueue_v1_TaskEvent)[];
  'schedule_time'?: (_google_protobuf_Timestamp | null);
  'retry_policy'?: (_taskqueue_v1_RetryPolicy | null);
  'max_working_in_directory'?: (number);
  'lease_expiries'?: (number);
}

export interface Task__Output {
  'id': (string);
  'work_directory': (string);
  'prompt': (string);
  'priority': (_taskqueue_v1_Priority__Output);
  'tags': (string)[];
  'state': (_taskqueue_v1_TaskState__Output);
  'worker_id': (string);
  'attempt': (number);
  'retry_count': (number);
  'result': (_google_protobuf_Struct__Output | null);
  'error': (string);
  'cancel_reason': (string);
  'create_time': (_google_protobuf_Timestamp__Output | null);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'complete_time': (_google_protobuf_Timestamp__Output | null);
  'fail_time': (_google_protobuf_Timestamp__Output | null);
  'cancel_time': (_google_protobuf_Timestamp__Output | null);
  'update_time': (_google_protobuf_Timestamp__Output | null);
  'lease_expire_time': (_google_protobuf_Timestamp__Output | null);
  'history': (_taskqueue_v1_TaskEvent__Output)[];
  'schedule_time': (_google_protobuf_Timestamp__Output | null);
  'retry_policy': (_taskqueue_v1_RetryPolicy__Output | null);
  'max_working_in_directory': (number);
  'lease_expiries': (number);
}
