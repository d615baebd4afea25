// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Long } from '@grpc/proto-loader';

export interface StateCounts {
  'waiting'?: (number | string | Long);
  'working'?: (number | string | Long);
  'completed'?: (number | string | Long);
  'failed'?: (number | string | Long);
  'cancelled'?: (number | string | Long);
  'scheduled'?: (number | string | Long);
  'dead'?: (number | string | Long);
}

export interface StateCounts__Output {
  'waiting': (string);
  'working': (string);
  'completed': (string);
  'failed': (string);
  'cancelled': (string);
  'scheduled': (string);
  'dead': (string);
}
