"""WatchNext and Work: streams that take tasks whenever they have room, park when nothing
matches, and renew the leases of what they hold while they stay open. A database outage
does not end them: a claim that cannot reach the store is tried again, RETRY_S apart at
first and at most MAX_RETRY_S, until it can (health says NOT_SERVING meanwhile)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Final

from taskqueue_server import errors
from taskqueue_server.model import Lease
from taskqueue_server.queue import validation
from taskqueue_server.queue.claims import CLAIM_BATCH, Claims
from taskqueue_server.queue.watchers import Watcher, WatcherHub
from taskqueue_server.store.port import Store, Transaction

RETRY_S: Final = 0.1
MAX_RETRY_S: Final = 2.0
SAFETY_NET_S = 5.0
"""On a store other servers share, how long a watcher stays parked without a wake-up before
it tries a claim anyway (a lost notification costs at most this much)."""


class Streams:
    """Open WatchNext and Work streams."""

    def __init__(
        self, store: Store, hub: WatcherHub, claims: Claims, clock: Callable[[], int]
    ) -> None:
        self._store = store
        self._hub = hub
        self._claims = claims
        self._clock = clock

    @property
    def open_watchers(self) -> int:
        return len(self._hub)

    def stop(self) -> None:
        """Ends every stream (shutdown)."""
        self._hub.close_all()

    async def watch(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        max_in_flight: int = 0,
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
    ) -> AsyncGenerator[Lease, None]:
        """Yields a claimed task whenever the watcher has spare capacity and one matches.

        Validates before the first task; ends when the server stops. While it runs, the leases
        of the tasks it delivered are renewed.
        """
        watcher = self._watcher(worker_id, work_directory, max_in_flight, lease_duration_us, tags)
        return self._watch(watcher)

    async def watch_batches(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        max_in_flight: int = 0,
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
        with_history: bool = True,
    ) -> AsyncGenerator[list[Lease], None]:
        """As `watch`, but yields the tasks of each claim transaction together (without
        their history if asked: one query less per task)."""
        watcher = self._watcher(worker_id, work_directory, max_in_flight, lease_duration_us, tags)
        return self._watch_batches(watcher, with_history=with_history)

    def _watcher(
        self,
        worker_id: str,
        work_directory: str,
        max_in_flight: int,
        lease_duration_us: int | None,
        tags: Sequence[str],
    ) -> Watcher:
        v = validation.Violations()
        worker, directory, lease, wanted = self._claims.arguments(
            worker_id, work_directory, lease_duration_us, tags, v
        )
        capacity = validation.max_in_flight(max_in_flight, v)
        v.raise_if_any()
        if self._claims.stopping:
            raise errors.ShuttingDown("the server is shutting down; watch another server")
        return Watcher(
            worker_id=worker,
            work_directory=directory,
            tags=wanted,
            max_in_flight=capacity,
            lease_duration=lease,
        )

    async def _watch(self, w: Watcher) -> AsyncGenerator[Lease, None]:
        batches = self._watch_batches(w)
        unsent: list[Lease] = []
        try:
            async for batch in batches:
                unsent = batch[::-1]
                while unsent:
                    yield unsent.pop()
        finally:
            await batches.aclose()
            for lease in unsent:  # claimed for this stream, never sent: back to waiting
                self._claims.abandon_later(lease.token)

    async def _watch_batches(
        self, w: Watcher, *, with_history: bool = True
    ) -> AsyncGenerator[list[Lease], None]:
        w.with_history = with_history
        self._hub.add(w)
        renewer = asyncio.create_task(self._renew_while_open(w), name=f"renew-{w.worker_id}")
        retry = RETRY_S
        try:
            while not w.closed:
                if w.handed:  # claimed for this stream by a create (a handoff)
                    granted, w.handed = w.handed, []
                    yield granted
                    continue
                if w.reserved or not w.has_capacity:
                    w.signal.clear()
                    await w.signal.wait()
                    continue
                w.missed = False
                w.claiming = True
                try:
                    granted = await self._claims.claim_many(
                        w.worker_id,
                        w.work_directory,
                        w.lease_duration,
                        w.tags,
                        limit=min(w.max_in_flight - len(w.in_flight), CLAIM_BATCH),
                        with_history=with_history,
                    )
                except errors.StorageUnavailable:
                    w.signal.clear()  # set when the stream closes
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(w.signal.wait(), retry)
                    retry = min(retry * 2, MAX_RETRY_S)
                    continue
                finally:
                    w.claiming = False
                retry = RETRY_S
                for lease in granted:
                    self._hub.deliver(w, lease.task.id, lease.token)
                if granted:
                    yield granted
                # closed during the claim: end now
                elif not w.missed and not w.closed:
                    w.signal.clear()
                    self._hub.park(w)
                    if self._store.shared:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(w.signal.wait(), SAFETY_NET_S)
                    else:
                        await w.signal.wait()
                    self._hub.unpark(w)
        except errors.ShuttingDown:
            return
        finally:
            renewer.cancel()
            self._hub.remove(w)
            for lease in w.handed:  # handed over but never sent: back to waiting
                self._claims.abandon_later(lease.token)
            w.handed = []

    async def _renew_while_open(self, w: Watcher) -> None:
        """Renews the leases of the tasks a stream delivered, a third of a lease apart."""
        interval = w.lease_duration / 3e6
        while True:
            await asyncio.sleep(interval)
            held = list(w.in_flight.items())
            if not held:
                continue
            now = self._clock()

            def op(
                tx: Transaction, held: list[tuple[str, str]] = held, now: int = now
            ) -> dict[str, int]:
                return tx.renew_leases(held, now=now)

            try:
                renewed = await self._store.write(op)
            except errors.TaskQueueError:
                continue  # storage trouble: try again next round; leases are still running
            for task_id, _token in held:
                if task_id not in renewed:
                    self._hub.release(task_id)
