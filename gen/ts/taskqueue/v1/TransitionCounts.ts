// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Long } from '@grpc/proto-loader';

export interface TransitionCounts {
  'created'?: (number | string | Long);
  'started'?: (number | string | Long);
  'completed'?: (number | string | Long);
  'failed'?: (number | string | Long);
  'cancelled'?: (number | string | Long);
  'retried'?: (number | string | Long);
}

export interface TransitionCounts__Output {
  'created': (string);
  'started': (string);
  'completed': (string);
  'failed': (string);
  'cancelled': (string);
  'retried': (string);
}
