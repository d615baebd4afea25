"""Lease rules and the reaper that returns tasks of vanished workers to waiting.

The reaper does not poll: it sleeps until the soonest lease it knows of runs out, and is
poked whenever a sooner one is granted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

from taskqueue_server import errors
from taskqueue_server.model import TaskState
from taskqueue_server.store.tasks import TaskRow

log = logging.getLogger(__name__)


def new_token() -> str:
    """An opaque, unguessable fencing token for one claim."""
    return secrets.token_urlsafe(18)


def check_current(lease: TaskRow, token: str, now: int) -> None:
    """Refuses a complete or fail on a task that the caller may not finish.

    With a token, the caller must hold the task's current, unexpired lease. Without one, any
    caller may finish a working task.
    """
    if lease.state is TaskState.WORKING:
        if token and (token != lease.lease_token or (lease.lease_expire_time or 0) <= now):
            raise _lease_lost(lease)
        return
    if token and lease.attempt > 0 and token != lease.lease_token:
        raise _lease_lost(lease)
    raise errors.TransitionRefused(
        f"the task is {lease.state.name.lower()}, not working: only a working task can be"
        " completed or failed",
        reason="TASK_NOT_WORKING",
        metadata={"state": f"TASK_STATE_{lease.state.name}"},
    )


def check_renewable(lease: TaskRow, token: str, now: int) -> None:
    """Refuses a heartbeat unless `token` is the task's current, unexpired lease."""
    if (
        lease.state is not TaskState.WORKING
        or token != lease.lease_token
        or (lease.lease_expire_time or 0) <= now
    ):
        raise _lease_lost(lease)


def _lease_lost(lease: TaskRow) -> errors.LeaseLost:
    return errors.LeaseLost(
        "this lease is no longer the task's current lease: it expired or another worker holds"
        " the task now; fetch a new task",
        metadata={"state": f"TASK_STATE_{lease.state.name}", "attempt": str(lease.attempt)},
    )


class LeaseReaper:
    """Runs `expire(now)` whenever the soonest known lease has run out.

    Args:
        expire: returns tasks to waiting and gives the next expiry (or None).
        clock: microseconds since the epoch.
    """

    def __init__(
        self,
        expire: Callable[[], Awaitable[int | None]],
        clock: Callable[[], int],
    ) -> None:
        self._expire = expire
        self._clock = clock
        self._next: int | None = None
        self._poke = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self, next_expiry: int | None) -> None:
        self._next = next_expiry
        self._task = asyncio.create_task(self._run(), name="lease-reaper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def note(self, expire_time: int) -> None:
        """A lease now runs until `expire_time`: wake sooner if that is sooner."""
        if self._next is None or expire_time < self._next:
            self._next = expire_time
            self._poke.set()

    async def _run(self) -> None:
        while True:
            self._poke.clear()
            if self._next is None:
                await self._poke.wait()
                continue
            delay = (self._next - self._clock()) / 1e6
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poke.wait(), delay)
                continue
            # Leases noted while the expiry runs may be missing from what it returns: keep both.
            self._next = None
            try:
                found = await self._expire()
            except errors.TaskQueueError as exc:
                log.warning("expiring leases failed, retrying in 1s: %s", exc.message)
                found = self._clock() + 1_000_000
            if found is not None:
                self.note(found)
