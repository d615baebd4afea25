"""A task that calls a coroutine when nudged, and every so often anyway, until stopped: how
a server follows what other processes change in a shared store (config revisions, API
keys): nudged by their notifications, polled in case one was lost. A TaskQueueError (the
store is down: the health probe says so) skips one round; the next tries again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from taskqueue_server import errors


class Poll:
    def __init__(self, name: str, seconds: float, tick: Callable[[], Awaitable[None]]) -> None:
        self._name = name
        self._seconds = seconds
        self._tick = tick
        self._task: asyncio.Task[None] | None = None
        self._nudged = asyncio.Event()

    def nudge(self) -> None:
        """Calls the coroutine now (once, however often nudged meanwhile)."""
        self._nudged.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self._seconds)
            self._nudged.clear()
            with contextlib.suppress(errors.TaskQueueError):
                await self._tick()
