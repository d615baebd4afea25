// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Backup as _taskqueue_v1_Backup, Backup__Output as _taskqueue_v1_Backup__Output } from '../../taskqueue/v1/Backup';

export interface ListBackupsResponse {
  'backups'?: (_taskqueue_v1_Backup)[];
}

export interface ListBackupsResponse__Output {
  'backups': (_taskqueue_v1_Backup__Output)[];
}
