// Original file: proto/taskqueue/v1/task.proto

import type { TaskState as _taskqueue_v1_TaskState, TaskState__Output as _taskqueue_v1_TaskState__Output } from '../../taskqueue/v1/TaskState';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface TaskEvent {
  'from_state'?: (_taskqueue_v1_TaskState);
  'to_state'?: (_taskqueue_v1_TaskState);
  'time'?: (_google_protobuf_Timestamp | null);
  'actor'?: (string);
  'reason'?: (string);
  'attempt'?: (number);
}

export interface TaskEvent__Output {
  'from_state': (_taskqueue_v1_TaskState__Output);
  'to_state': (_taskqueue_v1_TaskState__Output);
  'time': (_google_protobuf_Timestamp__Output | null);
  'actor': (string);
  'reason': (string);
  'attempt': (number);
}
