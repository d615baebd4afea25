"""Handing new tasks to parked watchers in the transaction that creates them.

Without a handoff, a create commits, wakes a parked watcher, and the watcher claims in a
transaction of its own: two commits (two fsyncs) and two trips between the event loop and
the writer before a worker receives its task. With one, the create reserves the parked
watchers that would be woken before it goes to the writer, and their claims run inside the
create's transaction, after the inserts: the tasks are on their way to the streams when the
create commits. Each claim is the watcher's own (claim order, its directory and tags,
directory limits), so a handoff takes what the woken watcher would have taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taskqueue_server.model import Task
from taskqueue_server.queue.watchers import Watcher
from taskqueue_server.store import tasks
from taskqueue_server.store.db import Connection


@dataclass(eq=False, kw_only=True, slots=True)
class Handoff:
    """A claim for a reserved watcher, run by a create's writer operation."""

    watcher: Watcher
    tokens: list[str]
    """One per task the claim may take (its limit)."""
    directory_limit: int
    now: int = 0
    """When the claim ran (set by `claim`): the leases run from then."""

    def claim(self, conn: Connection, now: int) -> list[Task]:
        """Claims for the watcher at `now` inside the caller's transaction (may run more than
        once: the writer reruns a batch when one of its operations fails)."""
        self.now = now
        w = self.watcher
        return tasks.claim_many(
            conn,
            work_directory=w.work_directory,
            tags=w.tags,
            worker_id=w.worker_id,
            tokens=self.tokens,
            now=now,
            lease_duration=w.lease_duration,
            directory_limit=self.directory_limit,
            with_history=w.with_history,
        )


def claim_all(conn: Connection, handoffs: Sequence[Handoff], now: int) -> list[list[Task]]:
    """Every handoff's claim, in order (the first reserved watcher claims first), after the
    tasks were inserted: `now` is read after their creation time."""
    return [handoff.claim(conn, now) for handoff in handoffs]
