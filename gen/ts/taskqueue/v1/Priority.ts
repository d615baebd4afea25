// Original file: proto/taskqueue/v1/task.proto

export const Priority = {
  PRIORITY_UNSPECIFIED: 'PRIORITY_UNSPECIFIED',
  PRIORITY_HIGH: 'PRIORITY_HIGH',
  PRIORITY_MEDIUM: 'PRIORITY_MEDIUM',
  PRIORITY_LOW: 'PRIORITY_LOW',
} as const;

export type Priority =
  | 'PRIORITY_UNSPECIFIED'
  | 0
  | 'PRIORITY_HIGH'
  | 1
  | 'PRIORITY_MEDIUM'
  | 2
  | 'PRIORITY_LOW'
  | 3

export type Priority__Output = typeof Priority[keyof typeof Priority]
