// Original file: proto/taskqueue/v1/taskqueue_service.proto

export const ServerCondition = {
  SERVER_CONDITION_UNSPECIFIED: 'SERVER_CONDITION_UNSPECIFIED',
  SERVER_CONDITION_OK: 'SERVER_CONDITION_OK',
  SERVER_CONDITION_DEGRADED: 'SERVER_CONDITION_DEGRADED',
  SERVER_CONDITION_UNHEALTHY: 'SERVER_CONDITION_UNHEALTHY',
} as const;

export type ServerCondition =
  | 'SERVER_CONDITION_UNSPECIFIED'
  | 0
  | 'SERVER_CONDITION_OK'
  | 1
  | 'SERVER_CONDITION_DEGRADED'
  | 2
  | 'SERVER_CONDITION_UNHEALTHY'
  | 3

export type ServerCondition__Output = typeof ServerCondition[keyof typeof ServerCondition]
