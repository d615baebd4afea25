"""New tasks into SQLite: their rows encoded once on the event loop (`encode`, for the
port's `prepare_tasks`) and inserted by three statements whatever their number, or one task
by plain VALUES (`insert_many`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

import apsw

from taskqueue_server.model import (
    TaskKey,
    ValidTask,
)
from taskqueue_server.store import new_rows
from taskqueue_server.store.sqlite.task_rows import INSERT_EVENT
from taskqueue_server.store.states import WAITING

# New tasks go in as one JSON array of rows (`encode`), which three statements read
# through json_each: the tasks, their tags, their creation events. A task's seq is the array
# index after :first; its row is [id, work_directory, prompt, priority, tags (JSON),
# request_id, request_hash, due_time, max_attempts, initial_backoff, max_backoff,
# backoff_multiplier, max_working, reason of its creation event, id_key].
_INSERT_TASK_INTO: Final = """
INSERT INTO tasks (seq, id, work_directory, prompt, priority, tags, state, create_time,
                   update_time, request_id, request_hash, due_time, max_attempts,
                   initial_backoff, max_backoff, backoff_multiplier, max_working, id_key)
"""


INSERT_TASKS: Final = (
    _INSERT_TASK_INTO
    + f"""
SELECT :first + key, value->>0, value->>1, value->>2, value->>3, value->>4, {WAITING}, :now, :now,
       value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11,
       value->>12, value->>14
FROM json_each(:rows)
"""
)


INSERT_TAGS: Final = """
INSERT INTO task_tags (tag, task_seq)
SELECT tag.value, :first + row.key FROM json_each(:rows) AS row, json_each(row.value->>4) AS tag
"""


INSERT_TASK: Final = (
    _INSERT_TASK_INTO + f"VALUES (?, ?, ?, ?, ?, ?, {WAITING}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


INSERT_TAG: Final = "INSERT INTO task_tags (tag, task_seq) VALUES (?, ?)"


INSERT_CREATED: Final = """
INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
SELECT :first + key, :now, NULL, 1, :actor, value->>13, 0 FROM json_each(:rows)
"""


# Creation times never decrease with seq: list filters on time rely on it.
LAST_TASK: Final = "SELECT seq, create_time FROM tasks ORDER BY seq DESC LIMIT 1"


def _first_seq(conn: apsw.Connection, now: int) -> tuple[int, int]:
    """The seq of the next task, and its creation time: `now`, or the last task's when the
    clock stepped back (creation times never decrease with seq)."""
    last = conn.execute(LAST_TASK).fetchone()
    if last is None:
        return 1, now
    return last[0] + 1, max(now, last[1])


def insert_encoded(conn: apsw.Connection, rows: Sequence[str], *, now: int, actor: str) -> int:
    """Inserts the waiting tasks of `rows` (each from `encode`) in order, with their tags and
    creation events, and returns their creation time (see `_first_seq`).
    `created(items, now=that, actor=actor)` are the tasks as stored.

    Three statements whatever the number of tasks, each stepped once. A statement hands the
    GIL to the event loop and waits to get it back: with multi-row INSERTs of at most 128
    rows (~30 statements for a group commit of 730 tasks) the inserts under
    BatchCreateTasks at c=16 took 2.2 times their CPU time, and the writer, the bottleneck,
    waited on the GIL in 29% of samples. The tasks take the seqs after the last task's, as
    SQLite would give them one at a time.
    """
    first, now = _first_seq(conn, now)
    params = {"first": first, "now": now, "actor": actor, "rows": f"[{','.join(rows)}]"}
    conn.execute(INSERT_TASKS, params)
    conn.execute(INSERT_TAGS, params)
    conn.execute(INSERT_CREATED, params)
    return now


def insert_many(
    conn: apsw.Connection, items: Sequence[tuple[TaskKey, ValidTask]], *, now: int, actor: str
) -> int:
    """Inserts waiting tasks ((key, id), task) as `insert_encoded` does. One task alone goes in with
    VALUES statements: encoded and inserted through json_each it took 30 us in-process
    against 16, and CreateTask at c=1 was 4% slower with it (8 pairs)."""
    if len(items) != 1:
        return insert_encoded(conn, [new_rows.encode(items)], now=now, actor=actor)
    ((new_id, new),) = items
    first, now = _first_seq(conn, now)
    row = new_rows.row_of(new_id, new, json.dumps(new.tags))
    conn.execute(INSERT_TASK, (first, *row[:5], now, now, *row[5:13], row[14]))
    for tag in new.tags:
        conn.execute(INSERT_TAG, (tag, first))
    conn.execute(INSERT_EVENT, (first, now, None, WAITING, actor, row[13], 0))
    return now
