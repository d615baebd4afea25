"""The queue's two clocks: the lease reaper (attempts whose lease ran out) and the schedule
(waiting tasks whose time has come). Each is an `Alarm` set to the soonest deadline the store
knows of, moved earlier as claims and schedules are made."""

from __future__ import annotations

import random
from collections.abc import Callable

from taskqueue_server import lifecycle
from taskqueue_server.config import Settings
from taskqueue_server.model import Task
from taskqueue_server.queue import retries
from taskqueue_server.queue.alarm import Alarm
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Store, Transaction


class Clocks:
    """Runs the reaper and the schedule; `note_*` tells them of a sooner deadline."""

    def __init__(
        self,
        store: Store,
        hub: WatcherHub,
        settings: Settings,
        clock: Callable[[], int],
        rng: random.Random,
    ) -> None:
        self._store = store
        self._hub = hub
        self._settings = settings
        self._clock = clock
        self._rng = rng
        self._reaper = Alarm(self._expire_leases, clock, "lease-reaper")
        self._schedule = Alarm(self._promote_due, clock, "schedule")

    async def start(self) -> None:
        """Starts both alarms from the soonest lease expiry and due time in the store."""
        self._reaper.start(await self._store.read(lambda s: s.next_lease_expiry()))
        self._schedule.start(await self._store.read(lambda s: s.next_due()))

    async def stop(self) -> None:
        await self._reaper.stop()
        await self._schedule.stop()

    def note_lease(self, expire_time: int) -> None:
        """A lease that runs out at `expire_time` was granted or extended."""
        self._reaper.note(expire_time)

    def note_due(self, due_time: int) -> None:
        """A waiting task becomes claimable at `due_time`."""
        self._schedule.note(due_time)

    def finished(self, task: Task) -> None:
        """A task left working: its watcher and directory have room again, and a retry
        backing off is scheduled."""
        self._hub.released(task.id, task.work_directory)
        if task.due_time is not None:
            self._schedule.note(task.due_time)

    async def _expire_leases(self) -> int | None:
        """Ends every attempt whose lease ran out: back to waiting (at once, or after the
        retry policy's backoff), or failed when attempts or lease expiries are used up."""
        now = self._clock()
        s = self._settings

        def op(tx: Transaction) -> tuple[list[Task], int | None]:
            ended = []
            for facts in tx.expired_leases(now=now):
                outcome = retries.after_lease_expiry(
                    facts.retry_policy,
                    facts.attempt,
                    facts.lease_expiries,
                    max_lease_expiries=s.max_lease_expiries,
                    rng=self._rng,
                )
                if outcome.retry_after_us is None:
                    error = outcome.reason
                    ended.append(
                        tx.fail_expired(facts, error=error, now=now, reason=lifecycle.failed(error))
                    )
                    continue
                due = now + outcome.retry_after_us if outcome.retry_after_us else None
                ended.append(
                    tx.requeue(
                        facts,
                        due_time=due,
                        error="",
                        lease_expired=True,
                        now=now,
                        actor="server",
                        reason=lifecycle.lease_ran_out(outcome.reason, facts.worker_id),
                    )
                )
            return ended, tx.next_lease_expiry()

        ended, next_expiry = await self._store.write(op)
        for task in ended:
            self.finished(task)
            if task.due_time is None:
                self._hub.notify(task.work_directory, task.tags)
        return next_expiry

    async def _promote_due(self) -> int | None:
        """Makes scheduled tasks whose time has come claimable and wakes their watchers."""
        now = self._clock()

        def op(tx: Transaction) -> tuple[list[tuple[str, tuple[str, ...]]], int | None]:
            return tx.promote_due(now=now), tx.next_due()

        promoted, next_due = await self._store.write(op)
        for directory, labels in promoted:
            self._hub.notify(directory, labels)
        return next_due
