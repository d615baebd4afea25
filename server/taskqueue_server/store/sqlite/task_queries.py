"""The state changes of tasks in SQLite: the claim statement, and complete, fail, cancel,
retry, re-prioritise, each one UPDATE plus its history event. Every function takes the
connection to run on; the port's transaction (transaction.py) calls them.

The decisions (may this task be completed? is this lease current?) are the queue layer's
(lifecycle.py), made before these are called: these record what they are told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import apsw

from taskqueue_server import lifecycle
from taskqueue_server.model import (
    Priority,
    Task,
    TaskFacts,
    TaskState,
)
from taskqueue_server.store.sqlite.task_rows import (
    INSERT_EVENT,
    add_event,
    histories_of,
    history_of,
    one,
)
from taskqueue_server.store.states import CANCELLED, COMPLETED, FAILED, WAITING, WORKING
from taskqueue_server.store.task_records import COLUMNS, task_of

# The claim is one statement over the partial index of claimable tasks (waiting and due): its
# cost does not grow with the number of tasks. Priority numbers sort high first; seq is the
# age. INDEXED BY pins the plan: without statistics SQLite may pick tasks_by_state and sort
# every waiting task. Tasks whose directory is at its working limit, or that lack a wanted
# tag, are stepped over in the same walk and keep their place.
_CLAIM_SET: Final = f"""
UPDATE tasks SET state = {WORKING}, worker_id = :worker, attempt = attempt + 1, start_time = :now,
  update_time = :now, lease_token = :token, lease_expire_time = :expire, lease_duration = :lease
"""


_DIRECTORY_LIMIT: Final = """
  AND (CASE WHEN t.max_working > 0 THEN t.max_working ELSE :directory_limit END = 0
       OR coalesce((SELECT d.working FROM directory_load AS d
                    WHERE d.work_directory = t.work_directory), 0)
          < CASE WHEN t.max_working > 0 THEN t.max_working ELSE :directory_limit END)"""


def claim_sql(*, in_directory: bool, tag_count: int) -> str:
    """The claim statement for a directory filter (or none) and `tag_count` wanted tags."""
    index = "tasks_claim_by_directory" if in_directory else "tasks_claim"
    where = f"t.state = {WAITING} AND t.due_time IS NULL"
    if in_directory:
        where += " AND t.work_directory = :directory"
    for i in range(tag_count):
        where += (
            f" AND EXISTS (SELECT 1 FROM task_tags AS g WHERE g.tag = :tag{i}"
            " AND g.task_seq = t.seq)"
        )
    return (
        f"{_CLAIM_SET} WHERE seq = (SELECT t.seq FROM tasks AS t INDEXED BY {index}"
        f" WHERE {where}{_DIRECTORY_LIMIT} ORDER BY t.priority, t.seq LIMIT 1)"
        f" RETURNING {COLUMNS}"
    )


CLAIM_ANY: Final = claim_sql(in_directory=False, tag_count=0)


CLAIM_IN_DIRECTORY: Final = claim_sql(in_directory=True, tag_count=0)


LOAD_UP: Final = """
INSERT INTO directory_load (work_directory, working) VALUES (?, 1)
ON CONFLICT (work_directory) DO UPDATE SET working = working + 1
"""


LOAD_DOWN: Final = "UPDATE directory_load SET working = working - 1 WHERE work_directory = ?"


CANCEL: Final = f"""
UPDATE tasks SET state = {CANCELLED}, cancel_reason = ?, cancel_time = ?, update_time = ?
WHERE seq = ? RETURNING {COLUMNS}
"""


RETRY: Final = f"""
UPDATE tasks SET state = {WAITING}, retry_count = retry_count + 1, error = '',
  lease_token = NULL, lease_expire_time = NULL, update_time = ?
WHERE seq = ? RETURNING {COLUMNS}
"""


SET_PRIORITY: Final = f"""
UPDATE tasks SET priority = ?, update_time = ? WHERE seq = ? RETURNING {COLUMNS}
"""


# Without RETURNING for batches: reading the row back and making a Task of it was half of a
# completion's cost in the writer (91 vs 45 µs).
COMPLETE_QUIETLY: Final = f"""
UPDATE tasks SET state = {COMPLETED}, result = ?, complete_time = ?, update_time = ?,
  lease_expire_time = NULL
WHERE seq = ?"""


COMPLETE: Final = f"{COMPLETE_QUIETLY} RETURNING {COLUMNS}"


FAIL: Final = f"""
UPDATE tasks SET state = {FAILED}, error = ?, fail_time = ?, update_time = ?,
  lease_expire_time = NULL
WHERE seq = ? RETURNING {COLUMNS}
"""


def claim_many(
    conn: apsw.Connection,
    *,
    work_directory: str | None,
    tags: tuple[str, ...] = (),
    worker_id: str,
    tokens: Sequence[str],
    now: int,
    lease_duration: int,
    directory_limit: int = 0,
    with_history: bool = True,
) -> list[Task]:
    """Moves up to one task per token to working, in claim order, each under its token; fewer
    when fewer match. One UPDATE per task (each sees the directory loads the claims before it
    raised); their events go in one executemany and their histories come back in one query
    (without history, the tasks come back with none)."""
    params: dict[str, Any] = {
        "worker": worker_id,
        "now": now,
        "expire": now + lease_duration,
        "lease": lease_duration,
        "directory": work_directory,
        "directory_limit": directory_limit,
    }
    if tags:
        sql = claim_sql(in_directory=work_directory is not None, tag_count=len(tags))
        params.update({f"tag{i}": tag for i, tag in enumerate(tags)})
    else:
        sql = CLAIM_ANY if work_directory is None else CLAIM_IN_DIRECTORY
    rows = []
    for token in tokens:
        params["token"] = token
        row = conn.execute(sql, params).fetchone()
        if row is None:
            break
        conn.execute(LOAD_UP, (row[2],))
        rows.append(row)
    if not rows:
        return []
    conn.executemany(
        INSERT_EVENT,
        [(row[0], now, WAITING, WORKING, worker_id, lifecycle.CLAIMED,
          row[8]) for row in rows],
    )  # fmt: skip
    if not with_history:
        return [task_of(row) for row in rows]
    histories = histories_of(conn, [row[0] for row in rows])
    return [task_of(row, histories[row[0]]) for row in rows]


def transition(
    conn: apsw.Connection,
    row: TaskFacts,
    sql: str,
    params: tuple[Any, ...],
    *,
    to_state: TaskState,
    now: int,
    actor: str,
    reason: str,
    leaves_working: bool,
    with_history: bool = True,
) -> Task:
    """Runs one state-changing UPDATE on a task and records the transition in its history;
    a task leaving WORKING frees its place in its directory's working count."""
    updated = one(conn, sql, params)
    _record(
        conn,
        row,
        to_state=to_state,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=leaves_working,
    )
    return task_of(updated, history_of(conn, row.seq) if with_history else ())


def _record(
    conn: apsw.Connection,
    row: TaskFacts,
    *,
    to_state: TaskState,
    now: int,
    actor: str,
    reason: str,
    leaves_working: bool,
) -> None:
    """The bookkeeping of a transition: the history entry, and a task leaving WORKING frees
    its place in its directory's working count."""
    if leaves_working:
        conn.execute(LOAD_DOWN, (row.work_directory,))
    add_event(
        conn,
        row.seq,
        time=now,
        from_state=row.state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        attempt=row.attempt,
    )


def complete(
    conn: apsw.Connection,
    lease: TaskFacts,
    *,
    result_json: str | None,
    now: int,
    actor: str,
    with_history: bool = True,
) -> Task:
    """Moves a working task to completed with its result (a JSON object's text)."""
    return transition(
        conn,
        lease,
        COMPLETE,
        (result_json, now, now, lease.seq),
        to_state=TaskState.COMPLETED,
        now=now,
        actor=actor,
        reason=lifecycle.COMPLETED,
        leaves_working=True,
        with_history=with_history,
    )


def complete_quietly(
    conn: apsw.Connection, lease: TaskFacts, *, result_json: str | None, now: int, actor: str
) -> None:
    """As complete, without reading the task back (CompleteTasks answers codes only)."""
    conn.execute(COMPLETE_QUIETLY, (result_json, now, now, lease.seq))
    _record(
        conn,
        lease,
        to_state=TaskState.COMPLETED,
        now=now,
        actor=actor,
        reason=lifecycle.COMPLETED,
        leaves_working=True,
    )


def fail(
    conn: apsw.Connection, lease: TaskFacts, *, error: str, now: int, actor: str, reason: str
) -> Task:
    """Moves a working task to failed with its error (kept in the history too)."""
    return transition(
        conn,
        lease,
        FAIL,
        (error, now, now, lease.seq),
        to_state=TaskState.FAILED,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=True,
    )


def cancel(
    conn: apsw.Connection,
    row: TaskFacts,
    *,
    cancel_reason: str,
    now: int,
    actor: str,
    reason: str,
) -> Task:
    """Moves a waiting task to cancelled with the reason."""
    return transition(
        conn,
        row,
        CANCEL,
        (cancel_reason, now, now, row.seq),
        to_state=TaskState.CANCELLED,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=False,
    )


def retry(conn: apsw.Connection, row: TaskFacts, *, reason: str, now: int, actor: str) -> Task:
    """Moves a failed task back to waiting; it keeps its priority and its place (seq)."""
    return transition(
        conn,
        row,
        RETRY,
        (now, row.seq),
        to_state=TaskState.WAITING,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=False,
    )


def set_priority(
    conn: apsw.Connection,
    row: TaskFacts,
    *,
    priority: Priority,
    now: int,
    actor: str,
    reason: str,
) -> Task:
    """Changes a waiting task's priority, recording old and new in the history."""
    return transition(
        conn,
        row,
        SET_PRIORITY,
        (int(priority), now, row.seq),
        to_state=row.state,
        now=now,
        actor=actor,
        reason=reason,
        leaves_working=False,
    )
