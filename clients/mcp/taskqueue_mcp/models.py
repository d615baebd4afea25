"""What the tools return: pydantic models, so every tool has an output schema and structured
content. Enum values are short lower-case words ("waiting", "high"), times RFC 3339."""

from __future__ import annotations

from typing import Any, Literal

from google.protobuf import json_format, timestamp_pb2
from pydantic import BaseModel, Field
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

State = Literal["waiting", "working", "completed", "failed", "cancelled"]
PriorityName = Literal["high", "medium", "low"]

PRIORITIES: dict[str, int] = {
    "high": task_pb2.PRIORITY_HIGH,
    "medium": task_pb2.PRIORITY_MEDIUM,
    "low": task_pb2.PRIORITY_LOW,
}
STATES: dict[str, int] = {
    "waiting": task_pb2.TASK_STATE_WAITING,
    "working": task_pb2.TASK_STATE_WORKING,
    "completed": task_pb2.TASK_STATE_COMPLETED,
    "failed": task_pb2.TASK_STATE_FAILED,
    "cancelled": task_pb2.TASK_STATE_CANCELLED,
}


def _time(message: Any, field: str) -> str | None:
    if not message.HasField(field):
        return None
    value: timestamp_pb2.Timestamp = getattr(message, field)
    return value.ToJsonString()


def _state(value: int) -> str:
    return task_pb2.TaskState.Name(value).removeprefix("TASK_STATE_").lower()  # type: ignore[arg-type]


class TaskEvent(BaseModel):
    """One transition in a task's history."""

    from_state: str = Field(description="State before; 'unspecified' for the creation event")
    to_state: str
    time: str | None
    actor: str = Field(description="Worker id, 'client' or 'server'")
    reason: str
    attempt: int


class Task(BaseModel):
    """A task as the server reports it."""

    id: str
    work_directory: str
    prompt: str
    priority: str
    tags: list[str]
    state: str
    worker_id: str
    attempt: int
    retry_count: int
    result: dict[str, Any] | None
    error: str
    cancel_reason: str
    create_time: str | None
    start_time: str | None
    complete_time: str | None
    fail_time: str | None
    cancel_time: str | None
    lease_expire_time: str | None
    schedule_time: str | None = Field(
        description="While waiting: not claimable before this time (scheduled or backing off)"
    )
    max_attempts: int = Field(description="Attempts its retry policy allows; 0 = no retries")
    lease_expiries: int
    max_working_in_directory: int
    history: list[TaskEvent]

    @classmethod
    def of(cls, t: task_pb2.Task) -> Task:
        return cls(
            id=t.id,
            work_directory=t.work_directory,
            prompt=t.prompt,
            priority=task_pb2.Priority.Name(t.priority).removeprefix("PRIORITY_").lower(),
            tags=list(t.tags),
            state=_state(t.state),
            worker_id=t.worker_id,
            attempt=t.attempt,
            retry_count=t.retry_count,
            result=json_format.MessageToDict(t.result) if t.HasField("result") else None,
            error=t.error,
            cancel_reason=t.cancel_reason,
            create_time=_time(t, "create_time"),
            start_time=_time(t, "start_time"),
            complete_time=_time(t, "complete_time"),
            fail_time=_time(t, "fail_time"),
            cancel_time=_time(t, "cancel_time"),
            lease_expire_time=_time(t, "lease_expire_time"),
            schedule_time=_time(t, "schedule_time"),
            max_attempts=t.retry_policy.max_attempts,
            lease_expiries=t.lease_expiries,
            max_working_in_directory=t.max_working_in_directory,
            history=[
                TaskEvent(
                    from_state=_state(e.from_state),
                    to_state=_state(e.to_state),
                    time=_time(e, "time"),
                    actor=e.actor,
                    reason=e.reason,
                    attempt=e.attempt,
                )
                for e in t.history
            ],
        )


class NextTask(BaseModel):
    """The outcome of get_next_task."""

    claimed: bool = Field(description="False when no task was waiting: try again later")
    task: Task | None = None
    lease_token: str = Field(
        default="", description="Show this back to complete_task, fail_task and heartbeat"
    )
    lease_expire_time: str | None = None
    message: str


class LeaseInfo(BaseModel):
    """A renewed lease."""

    task_id: str
    lease_expire_time: str | None


class TaskPage(BaseModel):
    """One page of list_tasks."""

    tasks: list[Task]
    next_page_token: str = Field(description="Pass as page_token for the next page; '' = last")
    total_size: int = Field(description="How many tasks match the filters over all pages")


class Stats(BaseModel):
    """Task counts."""

    total_tasks: int
    by_state: dict[str, int]
    by_priority: dict[str, int]
    waiting_by_priority: dict[str, int]

    @classmethod
    def of(cls, r: pb.GetStatsResponse) -> Stats:
        def counts(message: Any) -> dict[str, int]:
            return {f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields}

        return cls(
            total_tasks=r.total_tasks,
            by_state=counts(r.tasks_by_state),
            by_priority=counts(r.tasks_by_priority),
            waiting_by_priority=counts(r.waiting_by_priority),
        )


class Health(BaseModel):
    """What the server's standard health service says."""

    server: str = Field(description="The taskqueue server address the shim talks to")
    status: str = Field(description="SERVING, NOT_SERVING, or UNREACHABLE")
    service_status: str = Field(description="The same for taskqueue.v1.TaskQueueService")
