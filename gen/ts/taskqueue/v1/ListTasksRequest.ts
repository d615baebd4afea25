// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { TaskState as _taskqueue_v1_TaskState, TaskState__Output as _taskqueue_v1_TaskState__Output } from '../../taskqueue/v1/TaskState';
import type { Priority as _taskqueue_v1_Priority, Priority__Output as _taskqueue_v1_Priority__Output } from '../../taskqueue/v1/Priority';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TaskView as _taskqueue_v1_TaskView, TaskView__Output as _taskqueue_v1_TaskView__Output } from '../../taskqueue/v1/TaskView';
import type { DueFilter as _taskqueue_v1_DueFilter, DueFilter__Output as _taskqueue_v1_DueFilter__Output } from '../../taskqueue/v1/DueFilter';

export interface ListTasksRequest {
  'states'?: (_taskqueue_v1_TaskState)[];
  'priorities'?: (_taskqueue_v1_Priority)[];
  'work_directory'?: (string);
  'tags'?: (string)[];
  'worker_id'?: (string);
  'created_after'?: (_google_protobuf_Timestamp | null);
  'created_before'?: (_google_protobuf_Timestamp | null);
  'order_by'?: (string);
  'page_size'?: (number);
  'page_token'?: (string);
  'view'?: (_taskqueue_v1_TaskView);
  'due'?: (_taskqueue_v1_DueFilter);
}

export interface ListTasksRequest__Output {
  'states': (_taskqueue_v1_TaskState__Output)[];
  'priorities': (_taskqueue_v1_Priority__Output)[];
  'work_directory': (string);
  'tags': (string)[];
  'worker_id': (string);
  'created_after': (_google_protobuf_Timestamp__Output | null);
  'created_before': (_google_protobuf_Timestamp__Output | null);
  'order_by': (string);
  'page_size': (number);
  'page_token': (string);
  'view': (_taskqueue_v1_TaskView__Output);
  'due': (_taskqueue_v1_DueFilter__Output);
}
