// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ServerCondition as _taskqueue_v1_ServerCondition, ServerCondition__Output as _taskqueue_v1_ServerCondition__Output } from '../../taskqueue/v1/ServerCondition';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';
import type { StateCounts as _taskqueue_v1_StateCounts, StateCounts__Output as _taskqueue_v1_StateCounts__Output } from '../../taskqueue/v1/StateCounts';
import type { Backup as _taskqueue_v1_Backup, Backup__Output as _taskqueue_v1_Backup__Output } from '../../taskqueue/v1/Backup';
import type { ServerInfo as _taskqueue_v1_ServerInfo, ServerInfo__Output as _taskqueue_v1_ServerInfo__Output } from '../../taskqueue/v1/ServerInfo';
import type { Long } from '@grpc/proto-loader';

export interface GetServerStatusResponse {
  'condition'?: (_taskqueue_v1_ServerCondition);
  'reasons'?: (string)[];
  'version'?: (string);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'uptime'?: (_google_protobuf_Duration | null);
  'database_path'?: (string);
  'database_size_bytes'?: (number | string | Long);
  'wal_size_bytes'?: (number | string | Long);
  'last_probe_time'?: (_google_protobuf_Timestamp | null);
  'tasks_by_state'?: (_taskqueue_v1_StateCounts | null);
  'in_flight_rpcs'?: (number);
  'open_watch_streams'?: (number);
  'writer_queue_length'?: (number);
  'last_batch_size'?: (number);
  'event_loop_lag'?: (_google_protobuf_Duration | null);
  'rss_bytes'?: (number | string | Long);
  'cpu_time'?: (_google_protobuf_Duration | null);
  'last_backup'?: (_taskqueue_v1_Backup | null);
  'last_backup_outcome'?: (string);
  'database_engine'?: (string);
  'database_connections'?: (number);
  'servers'?: (_taskqueue_v1_ServerInfo)[];
}

export interface GetServerStatusResponse__Output {
  'condition': (_taskqueue_v1_ServerCondition__Output);
  'reasons': (string)[];
  'version': (string);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'uptime': (_google_protobuf_Duration__Output | null);
  'database_path': (string);
  'database_size_bytes': (string);
  'wal_size_bytes': (string);
  'last_probe_time': (_google_protobuf_Timestamp__Output | null);
  'tasks_by_state': (_taskqueue_v1_StateCounts__Output | null);
  'in_flight_rpcs': (number);
  'open_watch_streams': (number);
  'writer_queue_length': (number);
  'last_batch_size': (number);
  'event_loop_lag': (_google_protobuf_Duration__Output | null);
  'rss_bytes': (string);
  'cpu_time': (_google_protobuf_Duration__Output | null);
  'last_backup': (_taskqueue_v1_Backup__Output | null);
  'last_backup_outcome': (string);
  'database_engine': (string);
  'database_connections': (number);
  'servers': (_taskqueue_v1_ServerInfo__Output)[];
}
