"""Token buckets keyed by client address or principal, with bounded memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

SWEEP_EVERY: Final = 1024


class TokenBuckets:
    """One bucket per key, refilled at `rate` tokens/s up to `burst`.

    Buckets are kept in least-recently-used order. Every SWEEP_EVERY calls, buckets that
    have refilled completely (their clients went idle) are dropped: a full bucket and no
    bucket are the same thing. Past `max_entries` the least recently used bucket is dropped
    even if not full, so no flood of distinct keys can grow memory without bound.
    """

    def __init__(self, clock: Callable[[], float], max_entries: int = 100_000) -> None:
        self._clock = clock
        self._max = max_entries
        # key -> [tokens, last refill time, rate, burst]
        self._buckets: dict[str, list[float]] = {}
        self._calls = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, rate: float, burst: float) -> float:
        """Takes one token: 0.0 when there was one, else the seconds until there will be."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = [burst, now, rate, burst]
        else:
            bucket[0] = min(burst, bucket[0] + (now - bucket[1]) * rate)
            bucket[1], bucket[2], bucket[3] = now, rate, burst
        self._buckets[key] = bucket
        self._calls += 1
        if self._calls >= SWEEP_EVERY or len(self._buckets) > self._max:
            self._sweep(now)
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return 0.0
        return (1.0 - bucket[0]) / rate

    def _sweep(self, now: float) -> None:
        self._calls = 0
        while len(self._buckets) > self._max:
            del self._buckets[next(iter(self._buckets))]
        for key in list(self._buckets):
            tokens, last, rate, burst = self._buckets[key]
            if tokens + (now - last) * rate < burst:
                break  # this and every younger bucket were used recently
            del self._buckets[key]
