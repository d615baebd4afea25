// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { AuditEvent as _taskqueue_v1_AuditEvent, AuditEvent__Output as _taskqueue_v1_AuditEvent__Output } from '../../taskqueue/v1/AuditEvent';

export interface ListAuditEventsResponse {
  'events'?: (_taskqueue_v1_AuditEvent)[];
  'next_page_token'?: (string);
}

export interface ListAuditEventsResponse__Output {
  'events': (_taskqueue_v1_AuditEvent__Output)[];
  'next_page_token': (string);
}
