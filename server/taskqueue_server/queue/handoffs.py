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

from taskqueue_server.config import Settings
from taskqueue_server.model import Task, ValidTask
from taskqueue_server.queue import fencing
from taskqueue_server.queue.claims import CLAIM_BATCH, Claims
from taskqueue_server.queue.watchers import Watcher, WatcherHub
from taskqueue_server.store.port import Transaction


@dataclass(eq=False, kw_only=True, slots=True)
class Handoff:
    """A claim for a reserved watcher, run by a create's writer operation."""

    watcher: Watcher
    tokens: list[str]
    """One per task the claim may take (its limit)."""
    directory_limit: int
    now: int = 0
    """When the claim ran (set by `claim`): the leases run from then."""

    def claim(self, tx: Transaction, now: int) -> list[Task]:
        """Claims for the watcher at `now` inside the caller's transaction (may run more than
        once: the writer reruns a batch when one of its operations fails)."""
        self.now = now
        w = self.watcher
        return tx.claim(
            work_directory=w.work_directory,
            tags=w.tags,
            worker_id=w.worker_id,
            tokens=self.tokens,
            now=now,
            lease_duration=w.lease_duration,
            directory_limit=self.directory_limit,
            with_history=w.with_history,
        )


def claim_all(tx: Transaction, handoffs: Sequence[Handoff], now: int) -> list[list[Task]]:
    """Every handoff's claim, in order (the first reserved watcher claims first), after the
    tasks were inserted: `now` is read after their creation time."""
    return [handoff.claim(tx, now) for handoff in handoffs]


class Handoffs:
    """Reserves parked watchers for the tasks a create makes, and settles what was claimed
    for them once the create's transaction is over."""

    def __init__(self, hub: WatcherHub, claims: Claims, settings: Settings) -> None:
        self._hub = hub
        self._claims = claims
        self._settings = settings

    def reserve(self, rows: Sequence[ValidTask]) -> list[Handoff]:
        """Reserves, for the claimable tasks among `rows`, the parked watchers their creation
        would wake (as many as it takes to have room for them all), and prepares a claim
        for each to run in the creating transaction."""
        if self._claims.stopping or not self._hub.has_parked:
            return []
        wanted: dict[tuple[str, tuple[str, ...]], int] = {}
        for row in rows:
            if row.due_time is None:
                key = (row.work_directory, row.tags)
                wanted[key] = wanted.get(key, 0) + 1
        handoffs: list[Handoff] = []
        for (directory, labels), count in wanted.items():
            while count > 0:
                w = self._hub.reserve(directory, labels)
                if w is None:
                    break
                limit = min(w.max_in_flight - len(w.in_flight), CLAIM_BATCH)
                handoffs.append(
                    Handoff(
                        watcher=w,
                        tokens=fencing.new_tokens(limit),
                        directory_limit=self._settings.max_working_per_directory,
                    )
                )
                count -= limit
        return handoffs

    def settle(
        self, handoffs: list[Handoff], claimed: list[list[Task]] | None, cancelled: bool
    ) -> set[str]:
        """Gives each reserved watcher what its handoff claimed (None: the create failed; if
        it was cancelled it may still have committed, so its claims are undone) and wakes
        it; returns the ids of the tasks handed over."""
        handed: set[str] = set()
        for i, handoff in enumerate(handoffs):
            w = handoff.watcher
            w.reserved = w.claiming = False
            if claimed is None:
                if cancelled:
                    for token in handoff.tokens:
                        self._claims.abandon_later(token)
                w.signal.set()
                continue
            granted = self._claims.leases(claimed[i], handoff.tokens, handoff.now, w.lease_duration)
            if self._hub.is_open(w) and not w.closed:
                for lease in granted:
                    self._hub.deliver(w, lease.task.id, lease.token)
                    handed.add(lease.task.id)
                w.handed += granted
            else:  # the stream ended meanwhile: back to waiting
                for lease in granted:
                    self._claims.abandon_later(lease.token)
            w.signal.set()
        return handed
