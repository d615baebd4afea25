"""Counts for GetStats, from the indexes (no table scan)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import apsw

from taskqueue_server.model import Counts
from taskqueue_server.store.other_records import counts_of
from taskqueue_server.store.states import COMPLETED, WAITING, WORKING

# One index-only scan gives every total: by state, by priority, and waiting by priority.
BY_STATE_AND_PRIORITY: Final = (
    "SELECT state, priority, count(*) FROM tasks INDEXED BY tasks_by_state_priority"
    " GROUP BY state, priority"
)
SCHEDULED: Final = (
    "SELECT count(*) FROM tasks INDEXED BY tasks_due"
    f" WHERE state = {WAITING} AND due_time IS NOT NULL"
)


def counts(conn: apsw.Connection) -> Counts:
    """Task counts by state, by priority, and of waiting tasks by priority."""
    row = conn.execute(SCHEDULED).fetchone()
    return counts_of(conn.execute(BY_STATE_AND_PRIORITY), int(row[0]) if row else 0)


TRANSITIONS: Final = """
SELECT from_state, to_state, count(*)
FROM task_events INDEXED BY task_events_by_time
WHERE time >= :start AND time < :end
GROUP BY from_state, to_state
"""

# Durations of what happened in the range, in time order: waits end at a claim, runs at a
# completion.
DURATIONS: Final = f"""
SELECT e.time, e.to_state, t.priority,
       CASE e.to_state WHEN {WORKING} THEN e.time - t.create_time ELSE e.time - t.start_time END
FROM task_events AS e INDEXED BY task_events_by_time
JOIN tasks AS t ON t.seq = e.task_seq
WHERE e.time >= :start AND e.time < :end AND e.to_state IN ({WORKING}, {COMPLETED})
ORDER BY e.time
"""


def transitions(
    conn: apsw.Connection, *, start: int, end: int
) -> list[tuple[int | None, int, int]]:
    """(from state, to state, count) of every kind of transition in [start, end)."""
    params = {"start": start, "end": end}
    return [(f, int(t), int(n)) for f, t, n in conn.execute(TRANSITIONS, params)]


def durations(
    conn: apsw.Connection, *, start: int, end: int
) -> Iterator[tuple[int, int, int, int | None]]:
    """(time, 2 for a wait or 3 for a run, priority, microseconds or None) of what happened
    in the range, in time order, streamed from the cursor (a range may hold millions)."""
    for t, k, p, d in conn.execute(DURATIONS, {"start": start, "end": end}):
        yield int(t), int(k), int(p), None if d is None else int(d)
