"""Tasks as the SQLite adapter stores them, read back: the columns, the lookup of a task by
id (through its key), rows made into domain records (`Task`, `TaskFacts`, `TaskEvent`),
histories, prompts, request ids, and the one writer of history events (`add_event`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import apsw

from taskqueue_server.model import (
    Priority,
    RetryPolicy,
    Task,
    TaskEvent,
    TaskFacts,
    TaskState,
)
from taskqueue_server.store.sqlite import id_keys as ids

COLUMNS: Final = (
    "seq, id, work_directory, prompt, priority, tags, state, worker_id, attempt, retry_count,"
    " result, error, cancel_reason, create_time, start_time, complete_time, fail_time,"
    " cancel_time, update_time, lease_expire_time, due_time, max_attempts, initial_backoff,"
    " max_backoff, backoff_multiplier, lease_expiries, max_working"
)


SELECT_BY_REQUEST_ID: Final = "SELECT id, request_hash FROM tasks WHERE request_id = ?"


INSERT_EVENT: Final = """
INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


# The task with the id :id (store/sqlite/ids.py): through its key :key (`by_id`), or, made before
# ids had keys, through the index of those tasks' ids. Its id must match: a key says where
# to look.
BY_ID: Final = """seq = (
  SELECT seq FROM tasks WHERE id_key = :key AND id = :id
  UNION ALL
  SELECT seq FROM tasks INDEXED BY tasks_by_legacy_id WHERE id = :id AND id_key IS NULL
  LIMIT 1)"""


SELECT_TASK: Final = f"SELECT {COLUMNS} FROM tasks WHERE {BY_ID}"


def by_id(conn: apsw.Connection, task_id: str) -> dict[str, Any]:
    """The parameters of `BY_ID` for this id."""
    return {"id": task_id, "key": ids.keys_in(conn, [task_id])[0]}


SELECT_EVENTS: Final = """
SELECT from_state, to_state, time, actor, reason, attempt
FROM task_events WHERE task_seq = ? ORDER BY event_id
"""


SELECT_HISTORIES: Final = """
SELECT task_seq, from_state, to_state, time, actor, reason, attempt FROM task_events
WHERE task_seq IN (SELECT value FROM json_each(?)) ORDER BY task_seq, event_id
"""


ROW_COLUMNS: Final = """seq, state, lease_token, lease_expire_time, lease_duration, attempt,
       worker_id, retry_count, priority, work_directory, tags, max_attempts, initial_backoff,
       max_backoff, backoff_multiplier, lease_expiries, start_time"""


SELECT_ROW: Final = f"SELECT {ROW_COLUMNS} FROM tasks WHERE {BY_ID}"


def _policy(max_attempts: int, initial: int, maximum: int, multiplier: float) -> RetryPolicy | None:
    if max_attempts <= 0:
        return None
    return RetryPolicy(
        max_attempts=max_attempts,
        initial_backoff_us=initial,
        max_backoff_us=maximum,
        multiplier=multiplier,
    )


def read_row(row: Sequence[Any]) -> TaskFacts:
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
        retry_policy=_policy(row[11], row[12], row[13], row[14]),
        lease_expiries=row[15],
        start_time=row[16],
    )


def row_to_task(row: Sequence[Any], history: tuple[TaskEvent, ...] = ()) -> Task:
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
        retry_policy=_policy(row[21], row[22], row[23], row[24]),
        lease_expiries=row[25],
        max_working=row[26],
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


def one(conn: apsw.Connection, sql: str, params: tuple[Any, ...]) -> Sequence[Any]:
    row: Sequence[Any] | None = conn.execute(sql, params).fetchone()
    assert row is not None, "the row was read in the same transaction"
    return row


def history_of(conn: apsw.Connection, seq: int) -> tuple[TaskEvent, ...]:
    return tuple(_event(row) for row in conn.execute(SELECT_EVENTS, (seq,)))


def histories_of(conn: apsw.Connection, seqs: Sequence[int]) -> dict[int, tuple[TaskEvent, ...]]:
    """The histories of these tasks by seq, in one query (one statement whatever their
    number: 12 tasks' histories cost 20 instead of 49 µs a task, one by one)."""
    found: dict[int, list[TaskEvent]] = {seq: [] for seq in seqs}
    for row in conn.execute(SELECT_HISTORIES, (json.dumps(list(seqs)),)):
        found[row[0]].append(_event(row[1:]))
    return {seq: tuple(events) for seq, events in found.items()}


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


def get(conn: apsw.Connection, task_id: str, *, with_history: bool = True) -> Task | None:
    """The task with this id, with its history when asked; None when there is none."""
    row = conn.execute(SELECT_TASK, by_id(conn, task_id)).fetchone()
    if row is None:
        return None
    return row_to_task(row, history_of(conn, row[0]) if with_history else ())


def get_prompt(conn: apsw.Connection, task_id: str) -> str | None:
    """Only the prompt of a task (it never changes after creation)."""
    row = conn.execute(SELECT_PROMPT, by_id(conn, task_id)).fetchone()
    return None if row is None else str(row[0])


SELECT_PROMPT: Final = f"SELECT prompt FROM tasks WHERE {BY_ID}"


SELECT_PROMPTS: Final = """
SELECT id, prompt FROM tasks
WHERE id_key IN (SELECT value FROM json_each(:keys))
  AND id IN (SELECT value FROM json_each(:ids))
UNION ALL
SELECT id, prompt FROM tasks INDEXED BY tasks_by_legacy_id
WHERE id IN (SELECT value FROM json_each(:ids)) AND id_key IS NULL
"""


def get_prompts(conn: apsw.Connection, task_ids: list[str]) -> dict[str, str]:
    """The prompts of these tasks, by id (unknown ids are left out)."""
    return {
        str(task_id): str(prompt)
        for task_id, prompt in conn.execute(
            SELECT_PROMPTS,
            {
                "ids": json.dumps(task_ids),
                "keys": json.dumps(ids.keys_in(conn, task_ids)),
            },
        )
    }


def task_row(conn: apsw.Connection, task_id: str) -> TaskFacts | None:
    """The state, lease, counters and policy of a task, for judging a request on it."""
    return keyed_row(conn, task_id, ids.keys_in(conn, [task_id])[0])


def keyed_row(conn: apsw.Connection, task_id: str, key: int | None) -> TaskFacts | None:
    """`task_row`, given the id's key (`ids.keys_in` works out many at once)."""
    row = conn.execute(SELECT_ROW, {"id": task_id, "key": key}).fetchone()
    return None if row is None else read_row(row)


def by_request_id(conn: apsw.Connection, request_id: str) -> tuple[str, str] | None:
    """The (task id, request hash) created under `request_id`, if any."""
    row = conn.execute(SELECT_BY_REQUEST_ID, (request_id,)).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))
