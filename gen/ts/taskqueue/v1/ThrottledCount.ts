// Original file: proto/taskqueue/v1/taskqueue_service.proto

import type { Long } from '@grpc/proto-loader';

export interface ThrottledCount {
  'principal'?: (string);
  'method'?: (string);
  'count'?: (number | string | Long);
}

export interface ThrottledCount__Output {
  'principal': (string);
  'method': (string);
  'count': (string);
}
