"""The queries of the clocks: leases (renew, expire, abandon) and schedules (due tasks)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Final

import apsw

from taskqueue_server.model import Task, TaskFacts, TaskState
from taskqueue_server.store.sqlite.task_queries import LOAD_DOWN, transition
from taskqueue_server.store.sqlite.task_rows import BY_ID, add_event, by_id
from taskqueue_server.store.states import FAILED, WAITING, WORKING
from taskqueue_server.store.task_records import COLUMNS, ROW_COLUMNS, facts_of, task_of

REQUEUE: Final = f"""
UPDATE tasks SET state = {WAITING}, error = ?, due_time = ?, lease_token = NULL,
  lease_expire_time = NULL, lease_expiries = lease_expiries + ?, update_time = ?
WHERE seq = ? RETURNING {COLUMNS}
"""

FAIL_EXPIRED: Final = f"""
UPDATE tasks SET state = {FAILED}, error = ?, fail_time = ?, update_time = ?, lease_token = NULL,
  lease_expire_time = NULL, lease_expiries = lease_expiries + 1
WHERE seq = ? RETURNING {COLUMNS}
"""

EXTEND_LEASE: Final = """
UPDATE tasks SET lease_expire_time = ?, update_time = ? WHERE seq = ?
"""

RENEW_LEASE: Final = f"""
UPDATE tasks SET lease_expire_time = :now + lease_duration
WHERE {BY_ID} AND state = {WORKING} AND lease_token = :token AND lease_expire_time > :now
RETURNING lease_expire_time
"""

ABANDON: Final = f"""
UPDATE tasks SET state = {WAITING}, attempt = attempt - 1, lease_token = NULL,
  lease_expire_time = NULL, update_time = :now
WHERE seq IN (SELECT seq FROM tasks INDEXED BY tasks_lease_expiry
              WHERE state = {WORKING} AND lease_expire_time > 0 AND lease_token = :token)
RETURNING {COLUMNS}
"""

SELECT_EXPIRED: Final = f"""
SELECT {ROW_COLUMNS} FROM tasks INDEXED BY tasks_lease_expiry
WHERE state = {WORKING} AND lease_expire_time <= :now
"""

PROMOTE_DUE: Final = f"""
UPDATE tasks SET due_time = NULL
WHERE seq IN (SELECT seq FROM tasks INDEXED BY tasks_due
              WHERE state = {WAITING} AND due_time IS NOT NULL AND due_time <= :now)
RETURNING work_directory, tags
"""

NEXT_DUE: Final = (
    "SELECT min(due_time) FROM tasks INDEXED BY tasks_due"
    f" WHERE state = {WAITING} AND due_time IS NOT NULL"
)

NEXT_LEASE_EXPIRY: Final = (
    "SELECT min(lease_expire_time) FROM tasks INDEXED BY tasks_lease_expiry"
    f" WHERE state = {WORKING}"
)


def extend_lease(conn: apsw.Connection, lease: TaskFacts, *, expire_time: int, now: int) -> None:
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
        params = {**by_id(conn, task_id), "now": now, "token": token}
        row = conn.execute(RENEW_LEASE, params).fetchone()
        if row is not None:
            renewed[task_id] = int(row[0])
    return renewed


def expired_leases(conn: apsw.Connection, *, now: int) -> list[TaskFacts]:
    """Every working task whose lease has run out."""
    return [facts_of(r) for r in conn.execute(SELECT_EXPIRED, {"now": now})]


def requeue(
    conn: apsw.Connection,
    row: TaskFacts,
    *,
    due_time: int | None,
    error: str,
    lease_expired: bool,
    now: int,
    actor: str,
    reason: str,
    with_history: bool = True,
) -> Task:
    """Moves a working task back to waiting: at once (due_time None) or after a backoff."""
    return transition(
        conn,
        row,
        REQUEUE,
        (error, due_time, int(lease_expired), now, row.seq),
        to_state=TaskState.WAITING,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=True,
        with_history=with_history,
    )


def abandon_claim(conn: apsw.Connection, *, token: str, now: int, reason: str) -> Task | None:
    """Undoes a claim whose caller went away before receiving it: the task waits again, in
    its place, and the attempt is not counted."""
    row = conn.execute(ABANDON, {"now": now, "token": token}).fetchone()
    if row is None:
        return None
    conn.execute(LOAD_DOWN, (row[2],))
    add_event(
        conn,
        row[0],
        time=now,
        from_state=TaskState.WORKING,
        to_state=TaskState.WAITING,
        actor="server",
        reason=reason,
        attempt=row[8],
    )
    return task_of(row)


def fail_expired(
    conn: apsw.Connection, row: TaskFacts, *, error: str, now: int, reason: str
) -> Task:
    """Moves a working task whose lease ran out once too often (or on its last attempt) to
    failed."""
    return transition(
        conn,
        row,
        FAIL_EXPIRED,
        (error, now, now, row.seq),
        to_state=TaskState.FAILED,
        now=now,
        actor="server",
        reason=reason,
        leaves_working=True,
        with_history=False,
    )


def promote_due(conn: apsw.Connection, *, now: int) -> list[tuple[str, tuple[str, ...]]]:
    """Makes every waiting task whose time has come claimable; (directory, tags) of each."""
    return [(d, tuple(json.loads(t))) for d, t in conn.execute(PROMOTE_DUE, {"now": now})]


def next_due(conn: apsw.Connection) -> int | None:
    """When the soonest scheduled waiting task becomes claimable; None when none waits."""
    row = conn.execute(NEXT_DUE).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def next_lease_expiry(conn: apsw.Connection) -> int | None:
    """When the soonest current lease runs out; None when no task is working."""
    row = conn.execute(NEXT_LEASE_EXPIRY).fetchone()
    return None if row is None or row[0] is None else int(row[0])
