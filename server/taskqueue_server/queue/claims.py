"""Claims: taking the next claimable tasks under fresh leases, and undoing a claim whose
caller went away before it received the task."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

from taskqueue_server import errors, lifecycle
from taskqueue_server.config import Settings
from taskqueue_server.model import Lease, Task
from taskqueue_server.queue import fencing, validation
from taskqueue_server.queue.clocks import Clocks
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Store, Transaction

CLAIM_BATCH: Final = 64
"""At most this many tasks are claimed for a WatchNext stream in one transaction."""


class Claims:
    """ClaimTask, the claims of streams, and their undoing."""

    def __init__(
        self,
        store: Store,
        hub: WatcherHub,
        clocks: Clocks,
        settings: Settings,
        clock: Callable[[], int],
    ) -> None:
        self._store = store
        self._hub = hub
        self._clocks = clocks
        self._settings = settings
        self._clock = clock
        self.stopping = False
        """Set at shutdown: claims are refused from then on."""
        self._pending: set[asyncio.Task[None]] = set()

    def arguments(
        self,
        worker_id: str,
        work_directory: str,
        lease_us: int | None,
        tags: Sequence[str],
        v: validation.Violations,
    ) -> tuple[str, str | None, int, tuple[str, ...]]:
        """Validates what every claim names: (worker, directory or None, lease, tags)."""
        worker = validation.worker_id(worker_id, v)
        directory = validation.work_directory(work_directory, v) if work_directory else None
        s = self._settings
        lease = validation.lease_duration(
            lease_us, v, default=s.default_lease_us, minimum=s.min_lease_us, maximum=s.max_lease_us
        )
        return worker, directory, lease, validation.tags(tags, v)

    async def claim(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
    ) -> Lease | None:
        """Takes the next claimable task in claim order; None when nothing matches."""
        v = validation.Violations()
        worker, directory, lease, wanted = self.arguments(
            worker_id, work_directory, lease_duration_us, tags, v
        )
        v.raise_if_any()
        granted = await self.claim_many(
            worker, directory, lease, wanted, limit=1, with_history=True
        )
        return granted[0] if granted else None

    async def claim_many(
        self,
        worker: str,
        directory: str | None,
        lease_us: int,
        tags: tuple[str, ...],
        *,
        limit: int,
        with_history: bool,
    ) -> list[Lease]:
        """Takes up to `limit` claimable tasks in claim order, in one transaction."""
        if self.stopping:
            raise errors.ShuttingDown("the server is shutting down; claim from another server")
        tokens = fencing.new_tokens(limit)
        now = self._clock()

        def op(tx: Transaction) -> list[Task]:
            return tx.claim(
                work_directory=directory,
                tags=tags,
                worker_id=worker,
                tokens=tokens,
                now=now,
                lease_duration=lease_us,
                directory_limit=self._settings.max_working_per_directory,
                with_history=with_history,
            )

        try:
            claimed = await self._store.write(op)
        except asyncio.CancelledError:
            # The caller gave up (cancelled, deadline passed) while the claim was in the
            # writer: it may still commit, so undo it rather than leave it to the lease.
            for token in tokens:
                self.abandon_later(token)
            raise
        return self.leases(claimed, tokens, now, lease_us)

    def leases(
        self, claimed: list[Task], tokens: list[str], now: int, lease_us: int
    ) -> list[Lease]:
        """The leases of tasks claimed at `now` under `tokens` (the reaper is told)."""
        if not claimed:
            return []
        expire = now + lease_us
        self._clocks.note_lease(expire)
        return [
            Lease(task=task, token=token, expire_time=expire)
            for task, token in zip(claimed, tokens, strict=False)
        ]

    def abandon_later(self, token: str) -> None:
        """Undoes, in the background, the claim under `token` if it committed."""
        self._background(self._abandon(token))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _abandon(self, token: str) -> None:
        now = self._clock()
        try:
            task = await self._store.write(
                lambda tx: tx.abandon_claim(token=token, now=now, reason=lifecycle.ABANDONED)
            )
        except errors.TaskQueueError:
            return  # the lease will run out instead
        if task is not None:
            self._hub.notify(task.work_directory, task.tags)
