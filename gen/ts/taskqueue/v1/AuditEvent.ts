// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface AuditEvent {
  'seq'?: (number | string | Long);
  'time'?: (_google_protobuf_Timestamp | null);
  'peer'?: (string);
  'principal'?: (string);
  'method'?: (string);
  'outcome'?: (string);
  'reason'?: (string);
}

export interface AuditEvent__Output {
  'seq': (string);
  'time': (_google_protobuf_Timestamp__Output | null);
  'peer': (string);
  'principal': (string);
  'method': (string);
  'outcome': (string);
  'reason': (string);
}
