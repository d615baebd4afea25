"""The statements on tasks in PostgreSQL (with `search_path` set to the taskqueue schema).

States are literals (store/states.py), not parameters: the planner must see `state = 1` to
use the partial indexes of claimable, scheduled and working tasks. The claim selects its
task in a CTE with `FOR UPDATE SKIP LOCKED ... LIMIT 1` (as Oban does: kept in a CTE the
LIMIT is applied before the join back to the row), so a claim walks the claim index and
stops at the first task it may take.
"""

from __future__ import annotations

from typing import Final

from taskqueue_server.store.states import CANCELLED, COMPLETED, FAILED, WAITING, WORKING
from taskqueue_server.store.task_records import COLUMNS, ROW_COLUMNS

BY_ID: Final = "id_key = %(key)s AND id = %(id)s"
SELECT_TASK: Final = f"SELECT {COLUMNS} FROM tasks WHERE {BY_ID}"
SELECT_ROW: Final = f"SELECT {ROW_COLUMNS} FROM tasks WHERE {BY_ID}"
SELECT_ROW_FOR_UPDATE: Final = f"{SELECT_ROW} FOR UPDATE"
SELECT_ROWS: Final = (
    f"SELECT id, {ROW_COLUMNS} FROM tasks WHERE id_key = ANY(%(keys)s) AND id = ANY(%(ids)s)"
)
SELECT_ROWS_FOR_UPDATE: Final = f"{SELECT_ROWS} ORDER BY seq FOR UPDATE"
SELECT_PROMPT: Final = f"SELECT prompt FROM tasks WHERE {BY_ID}"
SELECT_PROMPTS: Final = (
    "SELECT id, prompt FROM tasks WHERE id_key = ANY(%(keys)s) AND id = ANY(%(ids)s)"
)
SELECT_BY_REQUEST_ID: Final = "SELECT id, request_hash FROM tasks WHERE request_id = %s"
SELECT_EVENTS: Final = (
    "SELECT from_state, to_state, time, actor, reason, attempt FROM task_events"
    " WHERE task_seq = %s ORDER BY event_id"
)
SELECT_HISTORIES: Final = (
    "SELECT task_seq, from_state, to_state, time, actor, reason, attempt FROM task_events"
    " WHERE task_seq = ANY(%s) ORDER BY task_seq, event_id"
)
INSERT_EVENT: Final = (
    "INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
LAST_KEY: Final = "SELECT max(id_key) FROM tasks"
# The next block of task keys; the sequence is moved past the largest stored key if it fell
# behind it (keys stored without a reservation, by a taskqueue before version 2).
RESERVE_KEYS: Final = """
WITH v AS (SELECT nextval('task_key_blocks') AS next,
                  (SELECT coalesce(max(id_key), 0) + 1 FROM tasks) AS free)
SELECT CASE WHEN next >= free THEN next ELSE setval('task_key_blocks', free) END FROM v"""
INSERT_TASK: Final = f"""
INSERT INTO tasks (seq, id, work_directory, prompt, priority, tags, state, create_time,
                   update_time, request_id, request_hash, due_time, max_attempts,
                   initial_backoff, max_backoff, backoff_multiplier, max_working, id_key)
VALUES (%s, %s, %s, %s, %s, %s, {WAITING}, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
INSERT_TAG: Final = "INSERT INTO task_tags (tag, task_seq) VALUES (%s, %s)"

# A block of seqs: `n` of them from the counter (held until commit), and the creation time of
# the block (`now`, or the last block's when the clock stepped back: creation times never
# decrease with seq).
NEXT_SEQS: Final = """
UPDATE task_counter SET last_seq = last_seq + %(n)s,
  last_create_time = greatest(last_create_time, %(now)s)
RETURNING last_seq - %(n)s + 1, last_create_time"""

# Many new tasks: one JSON array of rows (store/new_rows.py), unpacked once, in one statement
# with their seqs, tags and creation events (a task's seq is the block's first plus its place
# in the array). The foreign keys of tags and events are checked at the statement's end.
INSERT_TASKS: Final = f"""
WITH a AS MATERIALIZED (
  SELECT r, n FROM json_array_elements(%(rows)s::json) WITH ORDINALITY AS a(r, n)),
block AS (
  UPDATE task_counter SET last_seq = last_seq + (SELECT count(*) FROM a),
    last_create_time = greatest(last_create_time, %(now)s)
  RETURNING last_seq - (SELECT count(*) FROM a) AS before, last_create_time AS now),
made AS (
  INSERT INTO tasks (seq, id, work_directory, prompt, priority, tags, state, create_time,
                     update_time, request_id, request_hash, due_time, max_attempts,
                     initial_backoff, max_backoff, backoff_multiplier, max_working, id_key)
  SELECT b.before + a.n, a.r->>0, a.r->>1, a.r->>2, (a.r->>3)::int, a.r->>4, {WAITING},
         b.now, b.now, a.r->>5, a.r->>6, (a.r->>7)::bigint, (a.r->>8)::int,
         (a.r->>9)::bigint, (a.r->>10)::bigint, (a.r->>11)::float8, (a.r->>12)::int,
         (a.r->>14)::bigint
  FROM a, block AS b),
tagged AS (
  INSERT INTO task_tags (tag, task_seq)
  SELECT g.tag, b.before + a.n FROM a, block AS b,
         json_array_elements_text((a.r->>4)::json) AS g(tag)),
recorded AS (
  INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
  SELECT b.before + a.n, b.now, NULL, {WAITING}, %(actor)s, a.r->>13, 0
  FROM a, block AS b ORDER BY a.n),
loads AS (
  INSERT INTO directory_load (work_directory, working) SELECT DISTINCT a.r->>1, 0 FROM a
  ON CONFLICT (work_directory) DO NOTHING)
SELECT now FROM block"""
# A directory's load row is made with its first task (claims lock it: task_sql.claim_*).
ADD_DIRECTORY: Final = (
    "INSERT INTO directory_load (work_directory, working) VALUES (%s, 0)"
    " ON CONFLICT (work_directory) DO NOTHING"
)

_CLAIM_WHERE: Final = f"t.state = {WAITING} AND t.due_time IS NULL"
_DIRECTORY_LIMIT: Final = """
  AND (CASE WHEN t.max_working > 0 THEN t.max_working ELSE %(directory_limit)s END = 0
       OR coalesce((SELECT d.working FROM directory_load AS d
                    WHERE d.work_directory = t.work_directory), 0)
          < CASE WHEN t.max_working > 0 THEN t.max_working ELSE %(directory_limit)s END)"""


def _claim_where(*, in_directory: bool, tag_count: int) -> str:
    where = _CLAIM_WHERE
    if in_directory:
        where += " AND t.work_directory = %(directory)s"
    for i in range(tag_count):
        where += (
            f" AND EXISTS (SELECT 1 FROM task_tags AS g WHERE g.tag = %(tag{i})s"
            " AND g.task_seq = t.seq)"
        )
    return where


_RETURNED: Final = ", ".join("tasks." + c.strip() for c in COLUMNS.split(","))


def claim_sql(*, in_directory: bool, tag_count: int) -> str:
    """The claim of one task for a directory filter (or none) and `tag_count` wanted tags,
    with its directory's load and its history entry, in one statement. The claim of a
    batch (`claim_batch_sql`) falls back on it, token by token, when directory limits turned
    tasks down. The chosen task's directory load is then read again locked (another server
    may have claimed in it meanwhile): over the limit, nothing is claimed."""
    where = _claim_where(in_directory=in_directory, tag_count=tag_count)
    return f"""
WITH chosen AS (
  SELECT t.seq FROM tasks AS t
  WHERE {where}{_DIRECTORY_LIMIT}
  ORDER BY t.priority, t.seq LIMIT 1 FOR UPDATE SKIP LOCKED),
locked AS (
  SELECT d.working FROM directory_load AS d, tasks AS t, chosen
  WHERE t.seq = chosen.seq AND d.work_directory = t.work_directory FOR UPDATE OF d),
claimed AS (
  UPDATE tasks SET state = {WORKING}, worker_id = %(worker)s, attempt = attempt + 1,
    start_time = %(now)s, update_time = %(now)s, lease_token = %(token)s,
    lease_expire_time = %(expire)s, lease_duration = %(lease)s
  FROM chosen WHERE tasks.seq = chosen.seq
    AND (CASE WHEN tasks.max_working > 0 THEN tasks.max_working ELSE %(directory_limit)s END = 0
         OR coalesce((SELECT working FROM locked), 0)
            < CASE WHEN tasks.max_working > 0 THEN tasks.max_working
                   ELSE %(directory_limit)s END)
  RETURNING {_RETURNED}),
load AS (
  INSERT INTO directory_load (work_directory, working)
  SELECT work_directory, 1 FROM claimed
  ON CONFLICT (work_directory) DO UPDATE SET working = directory_load.working + 1),
event AS (
  INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
  SELECT seq, %(now)s, {WAITING}, {WORKING}, %(worker)s, %(reason)s, attempt FROM claimed)
SELECT * FROM claimed"""


def claim_batch_sql(*, in_directory: bool, tag_count: int) -> str:
    """The claim of up to `cardinality(tokens)` tasks in one statement, the i-th in claim
    order under the i-th token: the first tasks in claim order are locked (SKIP LOCKED, in
    a CTE so that the LIMIT holds), and those whose directory would pass its limit (the
    task's own `max_working`, else the server's) are left out. A directory's load is
    counted as if every earlier candidate in it were taken, so this never takes a task the
    one-by-one claim would refuse; it may refuse one that claim would take, and says so:
    every row carries how many candidates were refused (the first column; a single row of
    NULLs when none was taken), and the caller claims the rest one by one.

    The candidates' directory loads are read locked (FOR UPDATE, in directory order): a
    claim on another server sharing the schema waits for this one's commit and then reads
    the load it left, so a limit holds across servers. Every directory with tasks has its
    row (the insert makes it). The loads, the history entries and the claimed rows (their
    place in the batch in the second column) come from this one statement: one round trip
    a batch."""
    where = _claim_where(in_directory=in_directory, tag_count=tag_count)
    return f"""
WITH candidates AS (
  SELECT t.seq, t.priority, t.work_directory, t.max_working FROM tasks AS t
  WHERE {where}
  ORDER BY t.priority, t.seq LIMIT cardinality(%(tokens)s::text[]) FOR UPDATE SKIP LOCKED),
loads AS (
  SELECT d.work_directory, d.working FROM directory_load AS d
  WHERE d.work_directory IN (SELECT work_directory FROM candidates)
  ORDER BY d.work_directory FOR UPDATE),
ranked AS (
  SELECT c.seq, c.priority,
    CASE WHEN c.max_working > 0 THEN c.max_working ELSE %(directory_limit)s END AS cap,
    coalesce(d.working, 0) + row_number() OVER (
      PARTITION BY c.work_directory ORDER BY c.priority, c.seq) AS load_after
  FROM candidates AS c LEFT JOIN loads AS d ON d.work_directory = c.work_directory),
chosen AS (
  SELECT seq, row_number() OVER (ORDER BY priority, seq) AS i FROM ranked
  WHERE cap = 0 OR load_after <= cap),
claimed AS (
  UPDATE tasks SET state = {WORKING}, worker_id = %(worker)s, attempt = attempt + 1,
    start_time = %(now)s, update_time = %(now)s,
    lease_token = (%(tokens)s::text[])[chosen.i],
    lease_expire_time = %(expire)s, lease_duration = %(lease)s
  FROM chosen WHERE tasks.seq = chosen.seq
  RETURNING chosen.i, {_RETURNED}),
load AS (
  INSERT INTO directory_load (work_directory, working)
  SELECT work_directory, count(*) FROM claimed GROUP BY work_directory
  ON CONFLICT (work_directory) DO UPDATE SET working = directory_load.working + EXCLUDED.working),
event AS (
  INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
  SELECT seq, %(now)s, {WAITING}, {WORKING}, %(worker)s, %(reason)s, attempt FROM claimed
  ORDER BY i)
SELECT (SELECT count(*) FROM ranked WHERE NOT (cap = 0 OR load_after <= cap)), claimed.*
FROM (SELECT 1) AS one LEFT JOIN claimed ON true ORDER BY claimed.i"""


CLAIM_ANY: Final = claim_sql(in_directory=False, tag_count=0)
CLAIM_IN_DIRECTORY: Final = claim_sql(in_directory=True, tag_count=0)
CLAIM_BATCH_ANY: Final = claim_batch_sql(in_directory=False, tag_count=0)
CLAIM_BATCH_IN_DIRECTORY: Final = claim_batch_sql(in_directory=True, tag_count=0)

LOAD_DOWN: Final = "UPDATE directory_load SET working = working - 1 WHERE work_directory = %s"

CANCEL: Final = f"""
UPDATE tasks SET state = {CANCELLED}, cancel_reason = %s, cancel_time = %s, update_time = %s
WHERE seq = %s RETURNING {COLUMNS}"""
RETRY: Final = f"""
UPDATE tasks SET state = {WAITING}, retry_count = retry_count + 1, error = '',
  lease_token = NULL, lease_expire_time = NULL, update_time = %s
WHERE seq = %s RETURNING {COLUMNS}"""
SET_PRIORITY: Final = (
    f"UPDATE tasks SET priority = %s, update_time = %s WHERE seq = %s RETURNING {COLUMNS}"
)
COMPLETE_QUIETLY: Final = f"""
UPDATE tasks SET state = {COMPLETED}, result = %s, complete_time = %s, update_time = %s,
  lease_expire_time = NULL
WHERE seq = %s"""
COMPLETE: Final = f"{COMPLETE_QUIETLY} RETURNING {COLUMNS}"
# Many completions not read back, in one statement: the inputs as parallel arrays.
COMPLETE_ALL_AND_RECORD: Final = f"""
WITH input AS (
  SELECT * FROM unnest(%(seqs)s::bigint[], %(results)s::text[], %(froms)s::int[],
                       %(actors)s::text[], %(attempts)s::int[]) WITH ORDINALITY
    AS i(seq, result, from_state, actor, attempt, place)),
done AS (
  UPDATE tasks SET state = {COMPLETED}, result = input.result, complete_time = %(now)s,
    update_time = %(now)s, lease_expire_time = NULL
  FROM input WHERE tasks.seq = input.seq RETURNING tasks.work_directory),
load AS (
  UPDATE directory_load SET working = working - n.count
  FROM (SELECT work_directory, count(*) FROM done GROUP BY work_directory) AS n
  WHERE directory_load.work_directory = n.work_directory)
INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason, attempt)
SELECT seq, %(now)s, from_state, {COMPLETED}, actor, %(reason)s, attempt FROM input
ORDER BY place"""
FAIL: Final = f"""
UPDATE tasks SET state = {FAILED}, error = %s, fail_time = %s, update_time = %s,
  lease_expire_time = NULL
WHERE seq = %s RETURNING {COLUMNS}"""
REQUEUE: Final = f"""
UPDATE tasks SET state = {WAITING}, error = %s, due_time = %s, lease_token = NULL,
  lease_expire_time = NULL, lease_expiries = lease_expiries + %s, update_time = %s
WHERE seq = %s RETURNING {COLUMNS}"""
FAIL_EXPIRED: Final = f"""
UPDATE tasks SET state = {FAILED}, error = %s, fail_time = %s, update_time = %s,
  lease_token = NULL, lease_expire_time = NULL, lease_expiries = lease_expiries + 1
WHERE seq = %s RETURNING {COLUMNS}"""
EXTEND_LEASE: Final = "UPDATE tasks SET lease_expire_time = %s, update_time = %s WHERE seq = %s"
RENEW_LEASE: Final = f"""
UPDATE tasks SET lease_expire_time = %(now)s + lease_duration
WHERE {BY_ID} AND state = {WORKING} AND lease_token = %(token)s
  AND lease_expire_time > %(now)s
RETURNING lease_expire_time"""
ABANDON: Final = f"""
UPDATE tasks SET state = {WAITING}, attempt = attempt - 1, lease_token = NULL,
  lease_expire_time = NULL, update_time = %(now)s
WHERE state = {WORKING} AND lease_token = %(token)s AND lease_expire_time > 0
RETURNING {COLUMNS}"""
SELECT_EXPIRED: Final = (
    f"SELECT {ROW_COLUMNS} FROM tasks WHERE state = {WORKING}"
    " AND lease_expire_time <= %(now)s ORDER BY lease_expire_time FOR UPDATE"
)
PROMOTE_DUE: Final = f"""
UPDATE tasks SET due_time = NULL
WHERE state = {WAITING} AND due_time IS NOT NULL AND due_time <= %(now)s
RETURNING work_directory, tags"""
NEXT_DUE: Final = (
    f"SELECT min(due_time) FROM tasks WHERE state = {WAITING} AND due_time IS NOT NULL"
)
NEXT_LEASE_EXPIRY: Final = f"SELECT min(lease_expire_time) FROM tasks WHERE state = {WORKING}"
