"""A task that calls a coroutine every so often until stopped: how a server follows what
other processes change in a shared store (config revisions, API keys). A TaskQueueError
(the store is down: the health probe says so) skips one round; the next tries again."""

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

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._seconds)
            with contextlib.suppress(errors.TaskQueueError):
                await self._tick()
