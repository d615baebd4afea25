"""GetServerStatus: what the process, the storage and the queue look like right now, and
whether any figure is over its threshold (DEGRADED) or the database probe fails (UNHEALTHY).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import resource
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from taskqueue_server import __version__
from taskqueue_server.config import Settings
from taskqueue_server.model import BackupInfo, Counts
from taskqueue_server.ops.backups import Backups
from taskqueue_server.ops.health_probe import HealthProbe
from taskqueue_server.store.port import ServerRecord, Store


class Condition(enum.IntEnum):
    OK = 1
    DEGRADED = 2
    UNHEALTHY = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class Status:
    condition: Condition
    reasons: list[str]
    version: str
    start_time: int
    uptime_us: int
    database_path: str
    database_size_bytes: int
    wal_size_bytes: int
    database_engine: str
    database_connections: int
    last_probe_time: int | None
    counts: Counts
    in_flight_rpcs: int
    open_watch_streams: int
    writer_queue_length: int
    last_batch_size: int
    event_loop_lag_us: int
    rss_bytes: int
    cpu_time_us: int
    last_backup: BackupInfo | None
    last_backup_outcome: str
    servers: list[ServerRecord]
    server_id: str


class LoopLag:
    """Measures how late the event loop runs a timer, every `interval_s`; keeps a minute."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self._interval = interval_s
        self._samples: deque[int] = deque(maxlen=max(1, int(60 / interval_s)))
        self._task: asyncio.Task[None] | None = None

    @property
    def worst_us(self) -> int:
        return max(self._samples, default=0)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self._interval)
            # uvloop's timers keep milliseconds and may fire a fraction early: never late
            # is 0, not a negative lag.
            late = time.monotonic() - before - self._interval
            self._samples.append(max(0, int(late * 1e6)))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class ServerStatus:
    """Gathers the figures from the parts that own them."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Store,
        probe: Callable[[], HealthProbe | None],
        backups: Backups,
        lag: LoopLag,
        in_flight: Callable[[], int],
        open_watchers: Callable[[], int],
        address: Callable[[], str],
        clock: Callable[[], int],
    ) -> None:
        self._settings = settings
        self._db = db
        self._probe = probe
        self._backups = backups
        self._lag = lag
        self._in_flight = in_flight
        self._open_watchers = open_watchers
        self._address = address
        self._clock = clock
        self.start_time = clock()

    async def status(self) -> Status:
        counts, servers = await self._db.read(lambda s: (s.counts(), s.servers()))
        now = self._clock()
        if not servers:  # one server on its store
            servers = [
                ServerRecord(
                    id=self._db.server_id,
                    address=self._address(),
                    version=__version__,
                    start_time=self.start_time,
                    last_seen=now,
                    leader=True,
                    live=True,
                )
            ]
        probe = self._probe()
        lag = self._lag.worst_us
        pending = self._db.pending
        figures = self._db.figures()
        reasons = []
        condition = Condition.OK
        if probe is not None and not probe.healthy:
            condition = Condition.UNHEALTHY
            reasons.append(f"the database probe fails: {probe.reason}")
        if lag > self._settings.degraded_loop_lag_us:
            reasons.append(
                f"event-loop lag {lag / 1000:.0f} ms is over"
                f" {self._settings.degraded_loop_lag_us / 1000:.0f} ms: the server is overloaded"
            )
        if pending > self._settings.degraded_writer_queue:
            reasons.append(
                f"{pending} writes are waiting for the writer (threshold"
                f" {self._settings.degraded_writer_queue}): storage cannot keep up"
            )
        if reasons and condition is Condition.OK:
            condition = Condition.DEGRADED
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return Status(
            condition=condition,
            reasons=reasons,
            version=__version__,
            start_time=self.start_time,
            uptime_us=now - self.start_time,
            database_path=figures.location,
            database_size_bytes=figures.database_bytes,
            wal_size_bytes=figures.log_bytes,
            database_engine=figures.engine,
            database_connections=figures.connections,
            last_probe_time=probe.last_success_time if probe else None,
            counts=counts,
            in_flight_rpcs=self._in_flight(),
            open_watch_streams=self._open_watchers(),
            writer_queue_length=pending,
            last_batch_size=self._db.last_batch_size,
            event_loop_lag_us=lag,
            rss_bytes=_rss_bytes(),
            cpu_time_us=int((usage.ru_utime + usage.ru_stime) * 1e6),
            last_backup=self._backups.last_success,
            last_backup_outcome=self._backups.last_outcome,
            servers=servers,
            server_id=self._db.server_id,
        )
