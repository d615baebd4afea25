"""A PostgreSQL schema of N waiting tasks for the claim-scale case of the benchmark, as
bigdb.py builds the SQLite one: the schema from the server's own migrations, the rows
copied in straight (COPY), ids from the schema's own key, one creation event each.

  python tests/bench/pg_waiting.py URL SCHEMA --tasks 1000000
"""

from __future__ import annotations

import argparse
import random
import time

import psycopg
from psycopg import sql
from taskqueue_server.store.postgres.migrations import migrate
from taskqueue_server.task_ids import TaskIds

DIRECTORIES = [f"/srv/project-{i:04}" for i in range(1000)]
CHUNK = 100_000


def build(url: str, schema: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        migrate(conn, schema)
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        row = conn.execute("SELECT value FROM meta WHERE key = 'task_id_key'").fetchone()
        assert row is not None
        ids = TaskIds(bytes(row[0]))
        created = int(time.time() * 1e6) - count
        columns = (
            "seq, id_key, id, work_directory, prompt, priority, tags, state, create_time,"
            " update_time"
        )
        with conn.transaction():
            for first in range(1, count + 1, CHUNK):
                n = min(CHUNK, count + 1 - first)
                with conn.cursor().copy(f"COPY tasks ({columns}) FROM STDIN") as copy:
                    for i, task_id in enumerate(ids.ids(first, n)):
                        seq = first + i
                        copy.write_row((seq, seq, task_id, rng.choice(DIRECTORIES),
                                        f"prompt {seq}: fix the thing", rng.randint(1, 3), "[]",
                                        1, created + seq, created + seq))  # fmt: skip
            conn.execute(
                "INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason,"
                " attempt) SELECT seq, create_time, NULL, 1, 'client', 'created', 0 FROM tasks"
            )
            conn.execute(  # the next seqs come after these (schema.py, version 2)
                "UPDATE task_counter SET last_seq = (SELECT max(seq) FROM tasks),"
                " last_create_time = (SELECT max(create_time) FROM tasks)"
            )
        conn.execute("VACUUM ANALYZE tasks")
        conn.execute("VACUUM ANALYZE task_events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("schema")
    parser.add_argument("--tasks", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.monotonic()
    build(args.url, args.schema, args.tasks)
    print(f"built {args.tasks} waiting tasks in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
