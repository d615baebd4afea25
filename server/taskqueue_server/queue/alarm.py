"""An alarm that runs an action when the soonest known deadline comes, without polling.

Used twice: the lease reaper (tasks of vanished workers go back to waiting) and the schedule
(delayed tasks and retry backoffs become claimable). It sleeps until the soonest deadline it
knows of and is poked whenever a sooner one appears.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from taskqueue_server import errors

log = logging.getLogger(__name__)


class Alarm:
    """Runs `action()` whenever the soonest known deadline has passed.

    Args:
        action: does what is due and returns the next deadline in the database (or None).
        clock: microseconds since the epoch.
        name: for the task and the log.
    """

    def __init__(
        self,
        action: Callable[[], Awaitable[int | None]],
        clock: Callable[[], int],
        name: str,
    ) -> None:
        self._action = action
        self._name = name
        self._clock = clock
        self._next: int | None = None
        self._poke = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self, first_deadline: int | None) -> None:
        self._next = first_deadline
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        # The flag ends the loop even if a cancellation is lost in a race (Python 3.11's
        # wait_for can swallow one); the poke wakes it.
        self._stopped = True
        self._poke.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def note(self, deadline: int) -> None:
        """Something is due at `deadline`: wake then if that is sooner than planned."""
        if self._next is None or deadline < self._next:
            self._next = deadline
            self._poke.set()

    async def _run(self) -> None:
        while not self._stopped:
            self._poke.clear()
            if self._next is None:
                await self._poke.wait()
                continue
            delay = (self._next - self._clock()) / 1e6
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._poke.wait()
                continue
            # Deadlines noted while the action runs may be missing from what it returns.
            self._next = None
            try:
                found = await self._action()
            except errors.TaskQueueError as exc:
                log.warning("%s failed, retrying in 1s: %s", self._name, exc.message)
                found = self._clock() + 1_000_000
            if found is not None:
                self.note(found)
