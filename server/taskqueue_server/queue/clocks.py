"""The queue's two clocks: the lease reaper (attempts whose lease ran out) and the schedule
(waiting tasks whose time has come). Each is an `Alarm` set to the soonest deadline the store
knows of, moved earlier as claims and schedules are made.

On a store several servers share, only the elected one (`Store.leads`) runs them; it reads
the store's soonest deadlines every FOLLOW_S too (other servers' claims and schedules set no
alarm of its own), and again when it takes the lead."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Final

from taskqueue_server import lifecycle
from taskqueue_server.config import Settings
from taskqueue_server.model import Task
from taskqueue_server.polling import Poll
from taskqueue_server.queue import retries
from taskqueue_server.queue.alarm import Alarm
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Snapshot, Store, Transaction

FOLLOW_S: Final = 1.0


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
        self._follow = Poll("clock deadlines", FOLLOW_S, self._read_deadlines)

    async def start(self) -> None:
        """Starts both alarms from the soonest lease expiry and due time in the store."""
        self._reaper.start(await self._store.read(lambda s: s.next_lease_expiry()))
        self._schedule.start(await self._store.read(lambda s: s.next_due()))
        if self._store.shared:
            self._follow.start()

    async def stop(self) -> None:
        await self._follow.stop()
        await self._reaper.stop()
        await self._schedule.stop()

    def took_the_lead(self) -> None:
        """This server was elected to run the clocks: from the store's deadlines, now."""
        task = asyncio.ensure_future(self._read_deadlines())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _read_deadlines(self) -> None:
        if not self._store.leads:
            return

        def soonest(s: Snapshot) -> tuple[int | None, int | None]:
            return s.next_lease_expiry(), s.next_due()

        expiry, due = await self._store.read(soonest, quick=True)
        if expiry is not None:
            self._reaper.note(expiry)
        if due is not None:
            self._schedule.note(due)

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
        if not self._store.leads:
            return None  # the leader does it (it reads the deadlines of every server's)
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
        if not self._store.leads:
            return None
        now = self._clock()

        def op(tx: Transaction) -> tuple[list[tuple[str, tuple[str, ...]]], int | None]:
            return tx.promote_due(now=now), tx.next_due()

        promoted, next_due = await self._store.write(op)
        for directory, labels in promoted:
            self._hub.notify(directory, labels)
        return next_due
