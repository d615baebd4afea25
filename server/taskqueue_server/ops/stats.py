"""GetStats: counts, durations and trends over a time range, computed from the history.

Stats come from the data (the task_events table, read through its time index), so they
survive restarts and need no counters kept in memory.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from taskqueue_server import errors
from taskqueue_server.model import Counts, Priority, TaskState
from taskqueue_server.store.port import Snapshot, Store

DAY_US: Final = 86_400_000_000
BUCKETS: Final = {1: 60_000_000, 2: 3_600_000_000, 3: DAY_US}
MAX_BUCKETS: Final = 10_000


@dataclass(kw_only=True, slots=True)
class TransitionCounts:
    created: int = 0
    started: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    retried: int = 0

    def add(self, from_state: int | None, to_state: int, n: int) -> None:
        if from_state is None:
            self.created += n
        elif to_state == TaskState.WORKING:
            self.started += n
        elif to_state == TaskState.COMPLETED:
            self.completed += n
        elif to_state == TaskState.FAILED:
            self.failed += n
        elif to_state == TaskState.CANCELLED:
            self.cancelled += n
        elif to_state == TaskState.WAITING and from_state in (TaskState.FAILED, TaskState.WORKING):
            self.retried += n


@dataclass(frozen=True, kw_only=True, slots=True)
class DurationStats:
    count: int
    p50: int
    p95: int
    p99: int
    mean: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    counts: Counts
    start: int
    end: int
    width: int
    window: TransitionCounts
    waits: dict[Priority, DurationStats]
    runs: dict[Priority, DurationStats]
    trend: list[TransitionCounts] = field(default_factory=list)


SAMPLE_SIZE: Final = 50_000
"""Durations kept per priority and kind: exact percentiles up to this many values in the
range, a uniform random sample of them beyond (count and mean stay exact), so a range of
millions of tasks costs bounded memory."""


class Sampler:
    """A uniform sample (reservoir) of a stream of durations, with the exact count and sum."""

    def __init__(self, rng: random.Random, size: int = SAMPLE_SIZE) -> None:
        self._rng = rng
        self._size = size
        self.count = 0
        self.total = 0
        self.sample: list[int] = []

    def add(self, value: int) -> None:
        self.count += 1
        self.total += value
        if len(self.sample) < self._size:
            self.sample.append(value)
            return
        slot = self._rng.randrange(self.count)
        if slot < self._size:
            self.sample[slot] = value

    def summary(self) -> DurationStats:
        if not self.count:
            return DurationStats(count=0, p50=0, p95=0, p99=0, mean=0)
        exact = summarise(self.sample)
        return DurationStats(
            count=self.count, p50=exact.p50, p95=exact.p95, p99=exact.p99,
            mean=self.total // self.count,
        )  # fmt: skip


def summarise(values: Sequence[int]) -> DurationStats:
    """Nearest-rank percentiles and the mean; zeros for no values."""
    if not values:
        return DurationStats(count=0, p50=0, p95=0, p99=0, mean=0)
    ordered = sorted(values)

    def rank(p: float) -> int:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return DurationStats(
        count=len(ordered),
        p50=rank(50),
        p95=rank(95),
        p99=rank(99),
        mean=sum(ordered) // len(ordered),
    )


class Stats:
    """Computes reports on snapshots of the store."""

    def __init__(self, db: Store, clock: Callable[[], int]) -> None:
        self._db = db
        self._clock = clock

    async def report(
        self, *, start: int | None = None, end: int | None = None, bucket: int = 0
    ) -> Report:
        """Counts now, plus transitions, durations and a trend over [start, end)."""
        end = self._clock() if end is None else end
        start = end - DAY_US if start is None else start
        width = BUCKETS.get(bucket or 2)
        if width is None:
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="bucket", description=f"unknown bucket {bucket}")]
            )
        if start >= end:
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="start_time", description="must be before end_time")]
            )
        buckets = -(-(end - start) // width)
        if buckets > MAX_BUCKETS:
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        field="bucket",
                        description=f"{buckets} buckets in that range; at most {MAX_BUCKETS}: use a"
                        " wider bucket or a shorter range",
                    )
                ]
            )

        # Read in pieces, each read transaction stopping after READ_BUDGET_S: a snapshot
        # held for a whole day of events (17 s at 1,400 tasks/s in the soak, where the
        # transitions alone took 3 s) keeps the WAL from restarting all that time.
        ranges = pieces(start, end, width)
        found: list[list[tuple[int | None, int, int]]] = []
        while len(found) < len(ranges):
            found += await self._db.read(_transitions(ranges[len(found) :]))
        trend = [TransitionCounts() for _ in range(buckets)]
        window = TransitionCounts()
        for (lo, _hi), kinds in zip(ranges, found, strict=True):
            for from_state, to_state, n in kinds:
                window.add(from_state, to_state, n)
                trend[(lo - start) // width].add(from_state, to_state, n)
        counts = await self._db.read(lambda s: s.counts())
        rng = random.Random(start ^ end)  # the same range gives the same figures
        waits = {p: Sampler(rng) for p in Priority}
        runs = {p: Sampler(rng) for p in Priority}
        at: int | None = start
        while at is not None:
            at = await self._db.read(_durations(at, end, waits, runs))
        return Report(
            counts=counts,
            start=start,
            end=end,
            width=width,
            window=window,
            waits={p: v.summary() for p, v in waits.items()},
            runs={p: v.summary() for p, v in runs.items()},
            trend=trend,
        )


PIECE_US: Final = 60_000_000
"""Transitions are counted a minute at a time (a minute divides every bucket width), or a
bucket at a time when a range holds more than MAX_PIECES minutes."""
MAX_PIECES: Final = 2_000
READ_BUDGET_S: Final = 0.05
"""How long one read transaction of transition counts may go on reading further pieces, or
one of durations further rows. Durations were read 50,000, then 10,000 at a time: under the
soak's load those took 280-700 ms, past the 250 ms a WAL checkpoint waits for readers, and
were what kept checkpoints from finishing."""


def pieces(start: int, end: int, width: int) -> list[tuple[int, int]]:
    """[start, end) cut into consecutive pieces that never straddle two buckets."""
    step = PIECE_US if (end - start) // PIECE_US <= MAX_PIECES else width
    return [(lo, min(end, lo + step)) for lo in range(start, end, step)]


def _transitions(
    ranges: Sequence[tuple[int, int]],
) -> Callable[[Snapshot], list[list[tuple[int | None, int, int]]]]:
    """A read of the transitions of `ranges`, one after another, that stops after the one
    that took it past READ_BUDGET_S (at least one is read)."""

    def op(s: Snapshot) -> list[list[tuple[int | None, int, int]]]:
        began = time.monotonic()
        out = []
        for lo, hi in ranges:
            out.append(s.transitions(start=lo, end=hi))
            if time.monotonic() - began > READ_BUDGET_S:
                break
        return out

    return op


def _durations(
    start: int, end: int, waits: dict[Priority, Sampler], runs: dict[Priority, Sampler]
) -> Callable[[Snapshot], int | None]:
    """A read of the waits and runs in [start, end) into the samplers, in time order, that
    stops once past READ_BUDGET_S at the end of the microsecond it is in; returns where the
    next read starts (None: the range is done)."""

    def op(s: Snapshot) -> int | None:
        stop = time.monotonic() + READ_BUDGET_S
        last: int | None = None  # the budget ran out: finish this microsecond, then stop
        for t, kind, priority, micros in s.durations(start=start, end=end):
            if last is None:
                if time.monotonic() > stop:
                    last = t
            elif t > last:
                return t
            if micros is not None:
                (waits if kind == TaskState.WORKING else runs)[Priority(priority)].add(micros)
        return None

    return op
