// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface Backup {
  'name'?: (string);
  'path'?: (string);
  'create_time'?: (_google_protobuf_Timestamp | null);
  'size_bytes'?: (number | string | Long);
  'sha256'?: (string);
  'schema_version'?: (number);
  'task_count'?: (number | string | Long);
  'integrity_check'?: (string);
}

export interface Backup__Output {
  'name': (string);
  'path': (string);
  'create_time': (_google_protobuf_Timestamp__Output | null);
  'size_bytes': (string);
  'sha256': (string);
  'schema_version': (number);
  'task_count': (string);
  'integrity_check': (string);
}
