"""The records of new tasks, made without the database: what the store holds for tasks it
has just inserted (their creation time comes back from the insert), as GetTask reads them."""

from __future__ import annotations

from collections.abc import Sequence

from taskqueue_server import lifecycle
from taskqueue_server.model import CreatedTasks, Task, TaskEvent, TaskKey, TaskState, ValidTask


def created(items: Sequence[tuple[TaskKey, ValidTask]], *, now: int, actor: str) -> list[Task]:
    """The tasks inserted at creation time `now` by `actor`, with their creation events."""
    events = {
        reason: (TaskEvent(from_state=None, to_state=TaskState.WAITING, time=now, actor=actor,
                           reason=reason, attempt=0),)
        for reason in (lifecycle.CREATED, lifecycle.CREATED_SCHEDULED)
    }  # fmt: skip
    return [
        Task(
            id=task_id,
            work_directory=new.work_directory,
            prompt=new.prompt,
            priority=new.priority,
            tags=new.tags,
            state=TaskState.WAITING,
            worker_id="",
            attempt=0,
            retry_count=0,
            result=None,
            error="",
            cancel_reason="",
            create_time=now,
            start_time=None,
            complete_time=None,
            fail_time=None,
            cancel_time=None,
            update_time=now,
            lease_expire_time=None,
            history=events[lifecycle.created(new.due_time)],
            due_time=new.due_time,
            retry_policy=new.retry_policy,
            max_working=new.max_working,
        )
        for (_, task_id), new in items
    ]


def of_created(made: CreatedTasks) -> list[Task]:
    return created(made.items, now=made.now, actor=made.actor)
