"""Counts for GetStats, from the indexes (no table scan)."""

from __future__ import annotations

from typing import Final

import apsw

from taskqueue_server.model import Counts, Priority, TaskState

BY_STATE: Final = "SELECT state, count(*) FROM tasks INDEXED BY tasks_by_state GROUP BY state"
BY_PRIORITY: Final = (
    "SELECT priority, count(*) FROM tasks INDEXED BY tasks_by_priority GROUP BY priority"
)
SCHEDULED: Final = (
    "SELECT count(*) FROM tasks INDEXED BY tasks_due WHERE state = 1 AND due_time IS NOT NULL"
)
WAITING_BY_PRIORITY: Final = (
    "SELECT priority, count(*) FROM tasks INDEXED BY tasks_by_state WHERE state = 1"
    " GROUP BY priority"
)


def counts(conn: apsw.Connection) -> Counts:
    """Task counts by state, by priority, and of waiting tasks by priority."""
    return Counts(
        by_state={TaskState(s): n for s, n in conn.execute(BY_STATE)},
        by_priority={Priority(p): n for p, n in conn.execute(BY_PRIORITY)},
        waiting_by_priority={Priority(p): n for p, n in conn.execute(WAITING_BY_PRIORITY)},
        scheduled=int(conn.execute(SCHEDULED).fetchone()[0]),  # type: ignore[index]
    )
