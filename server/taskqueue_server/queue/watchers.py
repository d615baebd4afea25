"""Parked WatchNext streams and how they are woken. Lives on the event loop; no locks.

A watcher that found nothing to claim parks here. A create, an expired lease or a freed
capacity wakes one parked watcher that accepts the task's directory, which then claims in the
writer. A watcher whose claim was already in flight when a task appeared is marked `missed`
instead, so it claims again rather than parking: no wake-up is ever lost, and one new task
never stampedes every watcher. A create may instead reserve a parked watcher and claim for
it in its own transaction (queue/handoffs.py); the claimed tasks wait in `handed`.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from taskqueue_server.model import Lease


@dataclass(eq=False, kw_only=True)
class Watcher:
    """One open WatchNext stream."""

    worker_id: str
    work_directory: str | None
    max_in_flight: int
    tags: tuple[str, ...] = ()
    """Deliver only tasks carrying all of these."""
    lease_duration: int
    in_flight: dict[str, str] = field(default_factory=dict)
    """Task id -> lease token of every delivered task not yet completed or failed."""
    signal: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when there may be work to claim, capacity was freed, or the stream must end."""
    with_history: bool = True
    """Claims for this stream read each task's history."""
    claiming: bool = False
    missed: bool = False
    closed: bool = False
    reserved: bool = False
    """A create is claiming for this watcher (a handoff); it must not claim meanwhile."""
    handed: list[Lease] = field(default_factory=list)
    """Tasks a handoff claimed for this stream, not yet taken by it."""

    @property
    def has_capacity(self) -> bool:
        return len(self.in_flight) < self.max_in_flight


class WatcherHub:
    """Every open watcher, the parked ones by directory filter, and who holds which task."""

    def __init__(self) -> None:
        self._watchers: set[Watcher] = set()
        # Filter (None = any directory) -> parked watchers with their park order, oldest first.
        self._parked: dict[str | None, dict[Watcher, int]] = {}
        self._holders: dict[str, Watcher] = {}
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._watchers)

    def add(self, watcher: Watcher) -> None:
        self._watchers.add(watcher)

    @property
    def has_parked(self) -> bool:
        return bool(self._parked)

    def is_open(self, watcher: Watcher) -> bool:
        return watcher in self._watchers

    def remove(self, watcher: Watcher) -> None:
        """Forgets a closed stream; its tasks keep their leases until they run out."""
        self._watchers.discard(watcher)
        self.unpark(watcher)
        for task_id in watcher.in_flight:
            if self._holders.get(task_id) is watcher:
                del self._holders[task_id]

    def park(self, watcher: Watcher) -> None:
        self._parked.setdefault(watcher.work_directory, {})[watcher] = next(self._order)

    def unpark(self, watcher: Watcher) -> None:
        parked = self._parked.get(watcher.work_directory)
        if parked is not None:
            parked.pop(watcher, None)
            if not parked:
                del self._parked[watcher.work_directory]

    def deliver(self, watcher: Watcher, task_id: str, token: str) -> None:
        """Records that `watcher` now holds `task_id` under `token`."""
        watcher.in_flight[task_id] = token
        self._holders[task_id] = watcher

    def release(self, task_id: str) -> None:
        """The task left its watcher (completed, failed, lease lost): capacity is back."""
        watcher = self._holders.pop(task_id, None)
        if watcher is not None:
            watcher.in_flight.pop(task_id, None)
            watcher.signal.set()

    def released(self, task_id: str, work_directory: str) -> None:
        """A task left working: its watcher has capacity again, and its directory has room
        (a task held back by a per-directory limit may be claimable now)."""
        self.release(task_id)
        self.notify(work_directory, None)

    def notify(self, work_directory: str, tags: tuple[str, ...] | None = ()) -> None:
        """A task of `work_directory` carrying `tags` became claimable (None: some task of
        that directory, tags unknown): wake the longest-parked watcher that accepts it."""
        best = self._longest_parked(work_directory, tags)
        if best is not None:
            self.unpark(best)
            best.signal.set()
            return
        for watcher in self._watchers:
            if (
                watcher.claiming
                and watcher.work_directory in (None, work_directory)
                and _accepts(watcher, tags)
            ):
                watcher.missed = True

    def reserve(self, work_directory: str, tags: tuple[str, ...]) -> Watcher | None:
        """Takes the parked watcher `notify` would wake for such a task, for a handoff:
        unparked, and marked as claiming (a task that appears meanwhile marks it missed)."""
        best = self._longest_parked(work_directory, tags)
        if best is not None:
            self.unpark(best)
            best.reserved = best.claiming = True
        return best

    def _longest_parked(self, work_directory: str, tags: tuple[str, ...] | None) -> Watcher | None:
        best: Watcher | None = None
        best_order = 0
        for key in (work_directory, None):
            for watcher, order in self._parked.get(key, {}).items():
                if _accepts(watcher, tags):
                    if best is None or order < best_order:
                        best, best_order = watcher, order
                    break  # later ones in this list were parked later
        return best

    def wake_all(self) -> None:
        """Something claimable may have appeared, nobody knows what (another server's create):
        every parked watcher tries a claim; one claiming now is marked missed."""
        for watcher in list(self._watchers):
            if watcher.claiming:
                watcher.missed = True
            elif watcher in self._parked.get(watcher.work_directory, {}):
                self.unpark(watcher)
                watcher.signal.set()

    def close_all(self) -> None:
        """Ends every stream (shutdown)."""
        for watcher in self._watchers:
            watcher.closed = True
            watcher.signal.set()


def _accepts(watcher: Watcher, tags: tuple[str, ...] | None) -> bool:
    return tags is None or not watcher.tags or set(watcher.tags) <= set(tags)
