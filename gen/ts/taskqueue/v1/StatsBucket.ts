// Original file: proto/taskqueue/v1/taskqueue_service.proto

export const StatsBucket = {
  STATS_BUCKET_UNSPECIFIED: 'STATS_BUCKET_UNSPECIFIED',
  STATS_BUCKET_MINUTE: 'STATS_BUCKET_MINUTE',
  STATS_BUCKET_HOUR: 'STATS_BUCKET_HOUR',
  STATS_BUCKET_DAY: 'STATS_BUCKET_DAY',
} as const;

export type StatsBucket =
  | 'STATS_BUCKET_UNSPECIFIED'
  | 0
  | 'STATS_BUCKET_MINUTE'
  | 1
  | 'STATS_BUCKET_HOUR'
  | 2
  | 'STATS_BUCKET_DAY'
  | 3

export type StatsBucket__Output = typeof StatsBucket[keyof typeof StatsBucket]
