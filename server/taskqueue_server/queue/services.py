"""The queue's services, wired to one store and started and stopped together.

Each attribute is one service that the api (and the console) call: `submit` (CreateTask,
BatchCreateTasks), `control` (cancel, retry, re-prioritise), `tasks` (GetTask, ListTasks),
`claims` (ClaimTask), `streams` (WatchNext, Work), `reports` (heartbeats, completions,
failures). They share the watcher hub and the clocks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from taskqueue_server.config import Settings
from taskqueue_server.queue.claims import Claims
from taskqueue_server.queue.clocks import Clocks
from taskqueue_server.queue.control import Control
from taskqueue_server.queue.handoffs import Handoffs
from taskqueue_server.queue.listing import Lister
from taskqueue_server.queue.reports import Reports
from taskqueue_server.queue.streams import Streams
from taskqueue_server.queue.submit import Submitter
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Store


def now_us() -> int:
    """The wall clock in microseconds since the epoch."""
    return time.time_ns() // 1000


class TaskQueue:
    """The domain, on one store.

    Args:
        store: the open store.
        settings: limits and defaults (live: read at each use).
        clock: microseconds since the epoch; injectable for tests.
        rng: the randomness of retry backoff jitter; injectable for tests.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Callable[[], int] = now_us,
        rng: random.Random | None = None,
    ) -> None:
        self.hub = hub = WatcherHub()
        """The open streams (tests look into it)."""
        self._store = store
        rng = rng or random.Random()
        self.clocks = Clocks(store, hub, settings, clock, rng)
        self.claims = Claims(store, hub, self.clocks, settings, clock)
        self.streams = Streams(store, hub, self.claims, clock)
        self.reports = Reports(store, hub, self.clocks, settings, clock, rng)
        self.submit = Submitter(
            store, hub, self.clocks, settings, clock, Handoffs(hub, self.claims, settings)
        )
        self.control = Control(store, hub, settings, clock)
        self.tasks = Lister(store)

    @property
    def open_watchers(self) -> int:
        return self.streams.open_watchers

    async def start(self) -> None:
        """Reads what the services need from the store, then starts both clocks."""
        await self.tasks.start()
        await self.submit.start()
        await self.clocks.start()
        # other servers' creates wake ours; the elected one runs the clocks
        self._store.watch_others(self.hub.wake_all, self.clocks.took_the_lead)

    async def stop(self) -> None:
        """Refuses new claims, ends every stream and stops the clocks; unary calls may still
        finish."""
        self.claims.stopping = True
        self.streams.stop()
        await self.clocks.stop()
