"""Tasks as the SQLite adapter stores them, read back: the columns, the lookup of a task by
id (through its key), rows made into domain records (`Task`, `TaskFacts`, `TaskEvent`),
histories, prompts, request ids, and the one writer of history events (`add_event`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import apsw

from taskqueue_server.model import (
    Task,
    TaskEvent,
    TaskFacts,
    TaskState,
)
from taskqueue_server.store.sqlite import id_keys as ids
from taskqueue_server.store.task_records import (
    COLUMNS,
    ROW_COLUMNS,
    event_of,
    facts_of,
    task_of,
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


SELECT_ROW: Final = f"SELECT {ROW_COLUMNS} FROM tasks WHERE {BY_ID}"


def one(conn: apsw.Connection, sql: str, params: tuple[Any, ...]) -> Sequence[Any]:
    row: Sequence[Any] | None = conn.execute(sql, params).fetchone()
    assert row is not None, "the row was read in the same transaction"
    return row


def history_of(conn: apsw.Connection, seq: int) -> tuple[TaskEvent, ...]:
    return tuple(event_of(row) for row in conn.execute(SELECT_EVENTS, (seq,)))


def histories_of(conn: apsw.Connection, seqs: Sequence[int]) -> dict[int, tuple[TaskEvent, ...]]:
    """The histories of these tasks by seq, in one query (one statement whatever their
    number: 12 tasks' histories cost 20 instead of 49 µs a task, one by one)."""
    found: dict[int, list[TaskEvent]] = {seq: [] for seq in seqs}
    for row in conn.execute(SELECT_HISTORIES, (json.dumps(list(seqs)),)):
        found[row[0]].append(event_of(row[1:]))
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
    return task_of(row, history_of(conn, row[0]) if with_history else ())


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
    return None if row is None else facts_of(row)


def by_request_id(conn: apsw.Connection, request_id: str) -> tuple[str, str] | None:
    """The (task id, request hash) created under `request_id`, if any."""
    row = conn.execute(SELECT_BY_REQUEST_ID, (request_id,)).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))
