// Original file: proto/taskqueue/v1/task.proto

export const TaskState = {
  TASK_STATE_UNSPECIFIED: 'TASK_STATE_UNSPECIFIED',
  TASK_STATE_WAITING: 'TASK_STATE_WAITING',
  TASK_STATE_WORKING: 'TASK_STATE_WORKING',
  TASK_STATE_COMPLETED: 'TASK_STATE_COMPLETED',
  TASK_STATE_FAILED: 'TASK_STATE_FAILED',
  TASK_STATE_CANCELLED: 'TASK_STATE_CANCELLED',
} as const;

export type TaskState =
  | 'TASK_STATE_UNSPECIFIED'
  | 0
  | 'TASK_STATE_WAITING'
  | 1
  | 'TASK_STATE_WORKING'
  | 2
  | 'TASK_STATE_COMPLETED'
  | 3
  | 'TASK_STATE_FAILED'
  | 4
  | 'TASK_STATE_CANCELLED'
  | 5

export type TaskState__Output = typeof TaskState[keyof typeof TaskState]
