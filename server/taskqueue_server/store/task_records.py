"""Tasks as every store adapter reads them back: the columns they select, in this order,
and the rows made into domain records (`Task`, `TaskFacts`, `TaskEvent`). Tags and results
are stored as JSON text in both adapters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from taskqueue_server.model import Priority, RetryPolicy, Task, TaskEvent, TaskFacts, TaskState

COLUMNS: Final = (
    "seq, id, work_directory, prompt, priority, tags, state, worker_id, attempt, retry_count,"
    " result, error, cancel_reason, create_time, start_time, complete_time, fail_time,"
    " cancel_time, update_time, lease_expire_time, due_time, max_attempts, initial_backoff,"
    " max_backoff, backoff_multiplier, lease_expiries, max_working"
)


ROW_COLUMNS: Final = """seq, state, lease_token, lease_expire_time, lease_duration, attempt,
       worker_id, retry_count, priority, work_directory, tags, max_attempts, initial_backoff,
       max_backoff, backoff_multiplier, lease_expiries, start_time"""


def policy_of(
    max_attempts: int, initial: int, maximum: int, multiplier: float
) -> RetryPolicy | None:
    if max_attempts <= 0:
        return None
    return RetryPolicy(
        max_attempts=max_attempts,
        initial_backoff_us=initial,
        max_backoff_us=maximum,
        multiplier=multiplier,
    )


def facts_of(row: Sequence[Any]) -> TaskFacts:
    """The facts of a task from its `ROW_COLUMNS`."""
    return TaskFacts(
        seq=row[0],
        state=TaskState(row[1]),
        lease_token=row[2],
        lease_expire_time=row[3],
        lease_duration=row[4],
        attempt=row[5],
        worker_id=row[6],
        retry_count=row[7],
        priority=Priority(row[8]),
        work_directory=row[9],
        tags=tuple(json.loads(row[10])),
        retry_policy=policy_of(row[11], row[12], row[13], row[14]),
        lease_expiries=row[15],
        start_time=row[16],
    )


def task_of(row: Sequence[Any], history: tuple[TaskEvent, ...] = ()) -> Task:
    """The task of its `COLUMNS` (and its history, when read)."""
    result = row[10]
    return Task(
        id=row[1],
        work_directory=row[2],
        prompt=row[3],
        priority=Priority(row[4]),
        tags=tuple(json.loads(row[5])),
        state=TaskState(row[6]),
        worker_id=row[7],
        attempt=row[8],
        retry_count=row[9],
        result=None if result is None else json.loads(result),
        error=row[11],
        cancel_reason=row[12],
        create_time=row[13],
        start_time=row[14],
        complete_time=row[15],
        fail_time=row[16],
        cancel_time=row[17],
        update_time=row[18],
        lease_expire_time=row[19],
        history=history,
        due_time=row[20],
        retry_policy=policy_of(row[21], row[22], row[23], row[24]),
        lease_expiries=row[25],
        max_working=row[26],
    )


def event_of(row: Sequence[Any]) -> TaskEvent:
    """One history entry from (from_state, to_state, time, actor, reason, attempt)."""
    return TaskEvent(
        from_state=None if row[0] is None else TaskState(row[0]),
        to_state=TaskState(row[1]),
        time=row[2],
        actor=row[3],
        reason=row[4],
        attempt=row[5],
    )
