// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Task as _taskqueue_v1_Task, Task__Output as _taskqueue_v1_Task__Output } from '../../taskqueue/v1/Task';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface WatchNextResponse {
  'task'?: (_taskqueue_v1_Task | null);
  'lease_token'?: (string);
  'lease_expire_time'?: (_google_protobuf_Timestamp | null);
}

export interface WatchNextResponse__Output {
  'task': (_taskqueue_v1_Task__Output | null);
  'lease_token': (string);
  'lease_expire_time': (_google_protobuf_Timestamp__Output | null);
}
