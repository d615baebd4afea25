// Original file: proto/taskqueue/v1/taskqueue_service.proto

export const Role = {
  ROLE_UNSPECIFIED: 'ROLE_UNSPECIFIED',
  ROLE_SUBMITTER: 'ROLE_SUBMITTER',
  ROLE_WORKER: 'ROLE_WORKER',
  ROLE_MONITOR: 'ROLE_MONITOR',
  ROLE_ADMIN: 'ROLE_ADMIN',
} as const;

export type Role =
  | 'ROLE_UNSPECIFIED'
  | 0
  | 'ROLE_SUBMITTER'
  | 1
  | 'ROLE_WORKER'
  | 2
  | 'ROLE_MONITOR'
  | 3
  | 'ROLE_ADMIN'
  | 4

export type Role__Output = typeof Role[keyof typeof Role]
