// Original file: proto/taskqueue/v1/taskqueue_service.proto

export const DueFilter = {
  DUE_FILTER_UNSPECIFIED: 'DUE_FILTER_UNSPECIFIED',
  DUE_FILTER_DUE: 'DUE_FILTER_DUE',
  DUE_FILTER_SCHEDULED: 'DUE_FILTER_SCHEDULED',
} as const;

export type DueFilter =
  | 'DUE_FILTER_UNSPECIFIED'
  | 0
  | 'DUE_FILTER_DUE'
  | 1
  | 'DUE_FILTER_SCHEDULED'
  | 2

export type DueFilter__Output = typeof DueFilter[keyof typeof DueFilter]
