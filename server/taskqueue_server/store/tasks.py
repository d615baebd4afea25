"""Queries on tasks and their history. Every function takes the connection to run on.

The writer calls the mutating ones inside its transaction; the decisions (may this task be
completed? is this lease current?) are the queue layer's, made before these are called.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import apsw

from taskqueue_server.model import Priority, Task, TaskEvent, TaskState

_COLUMNS: Final = (
    "seq, id, work_directory, prompt, priority, tags, state, worker_id, attempt, retry_count,"
    " result, error, cancel_reason, create_time, start_time, complete_time, fail_time,"
    " cancel_time, update_time, lease_expire_time"
)

INSERT_TASK: Final = """
INSERT INTO tasks (id, work_directory, prompt, priority, tags, state, create_time, update_time)
VALUES (?, ?, ?, ?, ?, 1, ?, ?)
"""

INSERT_EVENT: Final = """
INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""

SELECT_TASK: Final = f"SELECT {_COLUMNS} FROM tasks WHERE id = ?"

SELECT_EVENTS: Final = """
SELECT from_state, to_state, time, actor, reason, attempt
FROM task_events WHERE task_seq = ? ORDER BY event_id
"""

# The claim is one statement over the partial index of waiting tasks: its cost does not grow
# with the number of tasks. Priority numbers sort high first; seq is the age.
_CLAIM_SET: Final = """
UPDATE tasks SET state = 2, worker_id = :worker, attempt = attempt + 1, start_time = :now,
  update_time = :now, lease_token = :token, lease_expire_time = :expire, lease_duration = :lease
"""
CLAIM_ANY: Final = f"""{_CLAIM_SET}
WHERE seq = (SELECT seq FROM tasks WHERE state = 1 ORDER BY priority, seq LIMIT 1)
RETURNING {_COLUMNS}
"""
CLAIM_IN_DIRECTORY: Final = f"""{_CLAIM_SET}
WHERE seq = (SELECT seq FROM tasks WHERE state = 1 AND work_directory = :directory
             ORDER BY priority, seq LIMIT 1)
RETURNING {_COLUMNS}
"""

SELECT_LEASE: Final = """
SELECT seq, state, lease_token, lease_expire_time, lease_duration, attempt, worker_id
FROM tasks WHERE id = ?
"""

COMPLETE: Final = f"""
UPDATE tasks SET state = 3, result = ?, complete_time = ?, update_time = ?, lease_expire_time = NULL
WHERE seq = ? RETURNING {_COLUMNS}
"""

FAIL: Final = f"""
UPDATE tasks SET state = 4, error = ?, fail_time = ?, update_time = ?, lease_expire_time = NULL
WHERE seq = ? RETURNING {_COLUMNS}
"""

EXTEND_LEASE: Final = """
UPDATE tasks SET lease_expire_time = ?, update_time = ? WHERE seq = ?
"""

RENEW_LEASE: Final = """
UPDATE tasks SET lease_expire_time = ? + lease_duration
WHERE id = ? AND state = 2 AND lease_token = ? AND lease_expire_time > ?
RETURNING lease_expire_time
"""

# The lease token is cleared on expiry so that the late worker's token no longer matches.
EXPIRE_LEASES: Final = f"""
UPDATE tasks SET state = 1, lease_token = NULL, lease_expire_time = NULL, update_time = :now
WHERE state = 2 AND lease_expire_time <= :now
RETURNING {_COLUMNS}
"""

NEXT_LEASE_EXPIRY: Final = "SELECT min(lease_expire_time) FROM tasks WHERE state = 2"


@dataclass(frozen=True, kw_only=True, slots=True)
class LeaseRow:
    """What the queue needs to judge a request on a task: its state and current lease."""

    seq: int
    state: TaskState
    lease_token: str | None
    lease_expire_time: int | None
    lease_duration: int | None
    attempt: int
    worker_id: str


def _task(row: Sequence[Any], history: tuple[TaskEvent, ...] = ()) -> Task:
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
    )


def _event(row: Sequence[Any]) -> TaskEvent:
    return TaskEvent(
        from_state=None if row[0] is None else TaskState(row[0]),
        to_state=TaskState(row[1]),
        time=row[2],
        actor=row[3],
        reason=row[4],
        attempt=row[5],
    )


def _one(conn: apsw.Connection, sql: str, params: tuple[Any, ...]) -> Sequence[Any]:
    row: Sequence[Any] | None = conn.execute(sql, params).fetchone()
    assert row is not None, "the row was read in the same transaction"
    return row


def _history(conn: apsw.Connection, seq: int) -> tuple[TaskEvent, ...]:
    return tuple(_event(row) for row in conn.execute(SELECT_EVENTS, (seq,)))


def add_event(
    conn: apsw.Connection,
    seq: int,
    *,
    time: int,
    from_state: TaskState | None,
    to_state: TaskState,
    actor: str,
    reason: str,
    attempt: int,
) -> None:
    """Appends one transition to a task's history."""
    conn.execute(INSERT_EVENT, (seq, time, from_state, to_state, actor, reason, attempt))


def insert(
    conn: apsw.Connection,
    *,
    task_id: str,
    work_directory: str,
    prompt: str,
    priority: Priority,
    tags: tuple[str, ...],
    now: int,
    actor: str,
) -> Task:
    """Inserts a waiting task with its creation event and returns it with that history."""
    conn.execute(
        INSERT_TASK,
        (task_id, work_directory, prompt, int(priority), json.dumps(tags), now, now),
    )
    seq = conn.last_insert_rowid()
    event = TaskEvent(
        from_state=None,
        to_state=TaskState.WAITING,
        time=now,
        actor=actor,
        reason="created",
        attempt=0,
    )
    add_event(
        conn, seq, time=now, from_state=None, to_state=TaskState.WAITING, actor=actor,
        reason="created", attempt=0,
    )  # fmt: skip
    return Task(
        id=task_id,
        work_directory=work_directory,
        prompt=prompt,
        priority=priority,
        tags=tags,
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
        history=(event,),
    )


def get(conn: apsw.Connection, task_id: str, *, with_history: bool = True) -> Task | None:
    """The task with this id, with its history when asked; None when there is none."""
    row = conn.execute(SELECT_TASK, (task_id,)).fetchone()
    if row is None:
        return None
    return _task(row, _history(conn, row[0]) if with_history else ())


def get_prompt(conn: apsw.Connection, task_id: str) -> str | None:
    """Only the prompt of a task (it never changes after creation)."""
    row = conn.execute("SELECT prompt FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else str(row[0])


def claim_next(
    conn: apsw.Connection,
    *,
    work_directory: str | None,
    worker_id: str,
    token: str,
    now: int,
    lease_duration: int,
) -> Task | None:
    """Moves the next waiting task in claim order to working; None when nothing matches."""
    params = {
        "worker": worker_id,
        "now": now,
        "token": token,
        "expire": now + lease_duration,
        "lease": lease_duration,
        "directory": work_directory,
    }
    sql = CLAIM_ANY if work_directory is None else CLAIM_IN_DIRECTORY
    row = conn.execute(sql, params).fetchone()
    if row is None:
        return None
    seq = row[0]
    add_event(
        conn, seq, time=now, from_state=TaskState.WAITING, to_state=TaskState.WORKING,
        actor=worker_id, reason="claimed", attempt=row[8],
    )  # fmt: skip
    return _task(row, _history(conn, seq))


def lease_row(conn: apsw.Connection, task_id: str) -> LeaseRow | None:
    """The state and lease of a task, for judging a request on it."""
    row = conn.execute(SELECT_LEASE, (task_id,)).fetchone()
    if row is None:
        return None
    return LeaseRow(
        seq=row[0],
        state=TaskState(row[1]),
        lease_token=row[2],
        lease_expire_time=row[3],
        lease_duration=row[4],
        attempt=row[5],
        worker_id=row[6],
    )


def complete(
    conn: apsw.Connection,
    lease: LeaseRow,
    *,
    result_json: str | None,
    now: int,
    actor: str,
) -> Task:
    """Moves a working task to completed with its result (a JSON object's text)."""
    row = _one(conn, COMPLETE, (result_json, now, now, lease.seq))
    add_event(
        conn, lease.seq, time=now, from_state=TaskState.WORKING, to_state=TaskState.COMPLETED,
        actor=actor, reason="completed", attempt=lease.attempt,
    )  # fmt: skip
    return _task(row, _history(conn, lease.seq))


def fail(conn: apsw.Connection, lease: LeaseRow, *, error: str, now: int, actor: str) -> Task:
    """Moves a working task to failed with its error (kept in the history too)."""
    row = _one(conn, FAIL, (error, now, now, lease.seq))
    add_event(
        conn, lease.seq, time=now, from_state=TaskState.WORKING, to_state=TaskState.FAILED,
        actor=actor, reason=f"failed: {error}" if error else "failed", attempt=lease.attempt,
    )  # fmt: skip
    return _task(row, _history(conn, lease.seq))


def extend_lease(conn: apsw.Connection, lease: LeaseRow, *, expire_time: int, now: int) -> None:
    """Moves the end of a task's current lease."""
    conn.execute(EXTEND_LEASE, (expire_time, now, lease.seq))


def renew_leases(
    conn: apsw.Connection, leases: Iterable[tuple[str, str]], *, now: int
) -> dict[str, int]:
    """Renews each (task id, token) lease still current by its own duration.

    Returns the new expiry of each lease renewed; leases no longer held are left out.
    """
    renewed: dict[str, int] = {}
    for task_id, token in leases:
        row = conn.execute(RENEW_LEASE, (now, task_id, token, now)).fetchone()
        if row is not None:
            renewed[task_id] = int(row[0])
    return renewed


def expire_leases(conn: apsw.Connection, *, now: int) -> list[Task]:
    """Returns every working task whose lease ran out to waiting, recording the event."""
    rows: Sequence[Sequence[Any]] = conn.execute(EXPIRE_LEASES, {"now": now}).fetchall()
    expired = []
    for row in rows:
        add_event(
            conn, row[0], time=now, from_state=TaskState.WORKING, to_state=TaskState.WAITING,
            actor="server", reason=f"lease of {row[7]} expired", attempt=row[8],
        )  # fmt: skip
        expired.append(_task(row))
    return expired


def next_lease_expiry(conn: apsw.Connection) -> int | None:
    """When the soonest current lease runs out; None when no task is working."""
    row = conn.execute(NEXT_LEASE_EXPIRY).fetchone()
    return None if row is None or row[0] is None else int(row[0])
