"""Builds a large taskqueue database for the scale cases of the benchmark.

The schema comes from the server's own migrations; rows are written straight through SQL in
large transactions (going through the API would take minutes and measure nothing new).
Tasks spread over 30 days, 1,000 directories, 20 tags, every state and priority; one
creation event each.

  python tests/bench/bigdb.py PATH --tasks 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from taskqueue_server.store.sqlite import id_keys as ids
from taskqueue_server.store.sqlite.database import migrate, open_connection

STATES = [(1, 0.10), (2, 0.01), (3, 0.85), (4, 0.03), (5, 0.01)]
TAGS = [f"tag{i}" for i in range(20)]
DIRECTORIES = [f"/srv/project-{i:04}" for i in range(1000)]
DAY_US = 86_400_000_000


def build(path: Path, count: int, seed: int = 7, waiting_only: bool = False) -> None:
    rng = random.Random(seed)
    if path.exists():
        path.unlink()
    conn = open_connection(str(path), "OFF")
    migrate(conn)
    task_ids = ids.load(conn)
    assert task_ids is not None
    # The rows go in before the indexes, which are then built in one sorted pass each: the
    # same schema, built faster than index entry by index entry.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('tasks', 'task_tags', 'task_events')"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    states = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    start = int(time.time() * 1e6) - 30 * DAY_US
    step = 30 * DAY_US // count
    batch = 50_000
    seq = 0
    for first in range(0, count, batch):
        tasks, tags, events = [], [], []
        made = iter(task_ids.ids(first + 1, min(count, first + batch) - first))  # keys = seqs
        for i in range(first, min(count, first + batch)):
            seq += 1
            state = 1 if waiting_only else rng.choices(states, weights)[0]
            labels = rng.sample(TAGS, rng.randint(0, 3))
            created = start + i * step
            worker = f"worker-{rng.randint(0, 99)}" if state != 1 else ""
            tasks.append((seq, seq, next(made),
                          rng.choice(DIRECTORIES), f"prompt {i}: fix the thing", rng.randint(1, 3),
                          json.dumps(labels), state, worker, 0 if state == 1 else 1, created,
                          None if state == 1 else created + 1000, created + 2000))  # fmt: skip
            tags += [(t, seq) for t in labels]
            events.append((seq, created, None, 1, "client", "created", 0))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO tasks (seq, id_key, id, work_directory, prompt, priority, tags, state,"
            " worker_id, attempt, create_time, start_time, update_time)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            tasks,
        )
        conn.executemany("INSERT INTO task_tags (tag, task_seq) VALUES (?, ?)", tags)
        conn.executemany(
            "INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason,"
            " attempt) VALUES (?,?,?,?,?,?,?)",
            events,
        )
        conn.execute("COMMIT")
    for _name, sql in indexes:
        conn.execute(sql)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--waiting-only", action="store_true", help="every task waiting")
    args = parser.parse_args()
    started = time.monotonic()
    build(args.path, args.tasks, waiting_only=args.waiting_only)
    print(f"built {args.tasks} tasks in {time.monotonic() - started:.1f}s: {args.path}")


if __name__ == "__main__":
    main()
