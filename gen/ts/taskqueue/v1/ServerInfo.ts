// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ServerInfo {
  'id'?: (string);
  'address'?: (string);
  'version'?: (string);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'last_seen_time'?: (_google_protobuf_Timestamp | null);
  'leader'?: (boolean);
  'live'?: (boolean);
  'this_server'?: (boolean);
}

export interface ServerInfo__Output {
  'id': (string);
  'address': (string);
  'version': (string);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'last_seen_time': (_google_protobuf_Timestamp__Output | null);
  'leader': (boolean);
  'live': (boolean);
  'this_server': (boolean);
}
