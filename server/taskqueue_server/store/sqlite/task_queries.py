"""Queries on tasks and their history. Every function takes the connection to run on.
The transaction of the port (store/sqlite/transaction.py) calls them.

The writer calls the mutating ones inside its transaction; the decisions (may this task be
completed? is this lease current?) are the queue layer's, made before these are called.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import apsw

from taskqueue_server import lifecycle
from taskqueue_server.model import (
    Priority,
    RetryPolicy,
    Task,
    TaskEvent,
    TaskFacts,
    TaskKey,
    TaskState,
    ValidTask,
)
from taskqueue_server.store.sqlite import id_keys as ids

COLUMNS: Final = (
    "seq, id, work_directory, prompt, priority, tags, state, worker_id, attempt, retry_count,"
    " result, error, cancel_reason, create_time, start_time, complete_time, fail_time,"
    " cancel_time, update_time, lease_expire_time, due_time, max_attempts, initial_backoff,"
    " max_backoff, backoff_multiplier, lease_expiries, max_working"
)

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
    + """
SELECT :first + key, value->>0, value->>1, value->>2, value->>3, value->>4, 1, :now, :now,
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
    _INSERT_TASK_INTO + "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_TAG: Final = "INSERT INTO task_tags (tag, task_seq) VALUES (?, ?)"
INSERT_CREATED: Final = """
INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
SELECT :first + key, :now, NULL, 1, :actor, value->>13, 0 FROM json_each(:rows)
"""

# Creation times never decrease with seq: list filters on time rely on it.
LAST_TASK: Final = "SELECT seq, create_time FROM tasks ORDER BY seq DESC LIMIT 1"

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

# The claim is one statement over the partial index of claimable tasks (waiting and due): its
# cost does not grow with the number of tasks. Priority numbers sort high first; seq is the
# age. INDEXED BY pins the plan: without statistics SQLite may pick tasks_by_state and sort
# every waiting task. Tasks whose directory is at its working limit, or that lack a wanted
# tag, are stepped over in the same walk and keep their place.
_CLAIM_SET: Final = """
UPDATE tasks SET state = 2, worker_id = :worker, attempt = attempt + 1, start_time = :now,
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
    where = "t.state = 1 AND t.due_time IS NULL"
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

ROW_COLUMNS: Final = """seq, state, lease_token, lease_expire_time, lease_duration, attempt,
       worker_id, retry_count, priority, work_directory, tags, max_attempts, initial_backoff,
       max_backoff, backoff_multiplier, lease_expiries, start_time"""
SELECT_ROW: Final = f"SELECT {ROW_COLUMNS} FROM tasks WHERE {BY_ID}"

CANCEL: Final = f"""
UPDATE tasks SET state = 5, cancel_reason = ?, cancel_time = ?, update_time = ?
WHERE seq = ? RETURNING {COLUMNS}
"""

RETRY: Final = f"""
UPDATE tasks SET state = 1, retry_count = retry_count + 1, error = '', lease_token = NULL,
  lease_expire_time = NULL, update_time = ?
WHERE seq = ? RETURNING {COLUMNS}
"""

SET_PRIORITY: Final = f"""
UPDATE tasks SET priority = ?, update_time = ? WHERE seq = ? RETURNING {COLUMNS}
"""

# Without RETURNING for batches: reading the row back and making a Task of it was half of a
# completion's cost in the writer (91 vs 45 µs).
COMPLETE_QUIETLY: Final = """
UPDATE tasks SET state = 3, result = ?, complete_time = ?, update_time = ?, lease_expire_time = NULL
WHERE seq = ?"""
COMPLETE: Final = f"{COMPLETE_QUIETLY} RETURNING {COLUMNS}"

FAIL: Final = f"""
UPDATE tasks SET state = 4, error = ?, fail_time = ?, update_time = ?, lease_expire_time = NULL
WHERE seq = ? RETURNING {COLUMNS}
"""


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


def _row(new_id: TaskKey, new: ValidTask, tags: str) -> tuple[Any, ...]:
    """A new task's row as the insert statements read it (see INSERT_TASKS)."""
    p = new.retry_policy
    return (
        new_id[1], new.work_directory, new.prompt, int(new.priority), tags,
        new.request_id, new.request_hash, new.due_time,
        p.max_attempts if p else 0, p.initial_backoff_us if p else 0,
        p.max_backoff_us if p else 0, p.multiplier if p else 0.0, new.max_working,
        lifecycle.created(new.due_time), new_id[0],
    )  # fmt: skip


_ROWS_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(items: Sequence[tuple[TaskKey, ValidTask]]) -> str:
    """Waiting tasks ((key, id), task) as rows for `insert_encoded`: the elements of a JSON array
    without its brackets, so that the rows of several creates join with a comma. Pure
    Python, for the event loop: the writer thread then only runs the three statements."""
    encoded: dict[tuple[str, ...], str] = {}  # a batch's tasks mostly share their tags
    rows = []
    for new_id, new in items:
        tags = encoded.get(new.tags)
        if tags is None:
            tags = encoded[new.tags] = json.dumps(new.tags)
        rows.append(_row(new_id, new, tags))
    return _ROWS_JSON.encode(rows)[1:-1]


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
        return insert_encoded(conn, [encode(items)], now=now, actor=actor)
    ((new_id, new),) = items
    first, now = _first_seq(conn, now)
    row = _row(new_id, new, json.dumps(new.tags))
    conn.execute(INSERT_TASK, (first, *row[:5], now, now, *row[5:13], row[14]))
    for tag in new.tags:
        conn.execute(INSERT_TAG, (tag, first))
    conn.execute(INSERT_EVENT, (first, now, None, int(TaskState.WAITING), actor, row[13], 0))
    return now


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
        [(row[0], now, int(TaskState.WAITING), int(TaskState.WORKING), worker_id, lifecycle.CLAIMED,
          row[8]) for row in rows],
    )  # fmt: skip
    if not with_history:
        return [row_to_task(row) for row in rows]
    histories = histories_of(conn, [row[0] for row in rows])
    return [row_to_task(row, histories[row[0]]) for row in rows]


def task_row(conn: apsw.Connection, task_id: str) -> TaskFacts | None:
    """The state, lease, counters and policy of a task, for judging a request on it."""
    return keyed_row(conn, task_id, ids.keys_in(conn, [task_id])[0])


def keyed_row(conn: apsw.Connection, task_id: str, key: int | None) -> TaskFacts | None:
    """`task_row`, given the id's key (`ids.keys_in` works out many at once)."""
    row = conn.execute(SELECT_ROW, {"id": task_id, "key": key}).fetchone()
    return None if row is None else read_row(row)


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
    return row_to_task(updated, history_of(conn, row.seq) if with_history else ())


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


def by_request_id(conn: apsw.Connection, request_id: str) -> tuple[str, str] | None:
    """The (task id, request hash) created under `request_id`, if any."""
    row = conn.execute(SELECT_BY_REQUEST_ID, (request_id,)).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


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
