"""A background probe that makes health tell the truth about the database.

Every few seconds it writes through the writer (the same path every create and claim takes)
and reads the value back on a reader connection, each within a time limit. When that fails or
takes too long, `on_change(False, reason)` is called (main turns health NOT_SERVING); when it
works again, `on_change(True, "")`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from taskqueue_server import errors
from taskqueue_server.store.port import Store

log = logging.getLogger(__name__)


class HealthProbe:
    """Probes `db` every `interval_s`; reports changes of health through `on_change`."""

    def __init__(
        self,
        db: Store,
        *,
        interval_s: Callable[[], float],
        timeout_s: Callable[[], float],
        on_change: Callable[[bool, str], Awaitable[None]],
        clock: Callable[[], int],
    ) -> None:
        self._db = db
        self._interval = interval_s  # read each round: the settings can change live
        self._timeout = timeout_s
        self._on_change = on_change
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.healthy = True
        self.reason = ""
        self.last_success_time: int | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="health-probe")

    async def stop(self) -> None:
        self._stop.set()  # ends the loop even if a cancellation is lost in a race
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check(self) -> tuple[bool, str]:
        """One round trip: (healthy, reason)."""
        now = self._clock()
        try:
            async with asyncio.timeout(self._timeout()):
                await self._db.write(lambda tx: tx.touch_probe(now))
            async with asyncio.timeout(self._timeout()):
                seen = await self._db.read(lambda s: s.probe_value())
        except TimeoutError:
            return False, f"the database did not answer within {self._timeout():g}s"
        except errors.TaskQueueError as exc:
            return False, exc.message
        if seen is None:
            return False, "the probe's write could not be read back"
        self.last_success_time = now
        return True, ""

    async def _run(self) -> None:
        while not self._stop.is_set():
            healthy, reason = await self.check()
            if healthy != self.healthy:
                if healthy:
                    log.warning("database healthy again: serving")
                else:
                    log.error("database unhealthy, health is NOT_SERVING: %s", reason)
                self.healthy, self.reason = healthy, reason
                await self._on_change(healthy, reason)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval()):
                    await self._stop.wait()
