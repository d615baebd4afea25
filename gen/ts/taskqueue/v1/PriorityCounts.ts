// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Long } from '@grpc/proto-loader';

export interface PriorityCounts {
  'high'?: (number | string | Long);
  'medium'?: (number | string | Long);
  'low'?: (number | string | Long);
}

export interface PriorityCounts__Output {
  'high': (string);
  'medium': (string);
  'low': (string);
}
