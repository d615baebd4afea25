// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { ConfigChange as _taskqueue_v1_ConfigChange, ConfigChange__Output as _taskqueue_v1_ConfigChange__Output } from '../../taskqueue/v1/ConfigChange';
import type { Long } from '@grpc/proto-loader';

export interface ConfigRevision {
  'revision'?: (number | string | Long);
  'time'?: (_google_protobuf_Timestamp | null);
  'actor'?: (string);
  'changes'?: (_taskqueue_v1_ConfigChange)[];
}

export interface ConfigRevision__Output {
  'revision': (string);
  'time': (_google_protobuf_Timestamp__Output | null);
  'actor': (string);
  'changes': (_taskqueue_v1_ConfigChange__Output)[];
}
