// Original file: proto/taskqueue/v1/task.proto

export const TaskView = {
  TASK_VIEW_UNSPECIFIED: 'TASK_VIEW_UNSPECIFIED',
  TASK_VIEW_BASIC: 'TASK_VIEW_BASIC',
  TASK_VIEW_FULL: 'TASK_VIEW_FULL',
} as const;

export type TaskView =
  | 'TASK_VIEW_UNSPECIFIED'
  | 0
  | 'TASK_VIEW_BASIC'
  | 1
  | 'TASK_VIEW_FULL'
  | 2

export type TaskView__Output = typeof TaskView[keyof typeof TaskView]
