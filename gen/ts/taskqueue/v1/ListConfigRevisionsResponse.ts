// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { ConfigRevision as _taskqueue_v1_ConfigRevision, ConfigRevision__Output as _taskqueue_v1_ConfigRevision__Output } from '../../taskqueue/v1/ConfigRevision';

export interface ListConfigRevisionsResponse {
  'revisions'?: (_taskqueue_v1_ConfigRevision)[];
  'next_page_token'?: (string);
}

export interface ListConfigRevisionsResponse__Output {
  'revisions': (_taskqueue_v1_ConfigRevision__Output)[];
  'next_page_token': (string);
}
