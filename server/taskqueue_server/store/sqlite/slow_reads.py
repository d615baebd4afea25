"""Read transactions that may hold a WAL checkpoint back: counted, reported now and then,
and named when a checkpoint finds them in its way."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from taskqueue_server.store.sqlite.wal_bound import WAL_WAIT_MS

log = logging.getLogger(__name__)

# A read transaction longer than the checkpoint's wait can keep it from finishing: such reads
# are logged (how many, the longest and what it ran), at most every SLOW_READ_REPORT_S.
SLOW_READ_S: Final = WAL_WAIT_MS / 1000
SLOW_READ_REPORT_S: Final = 5.0


class SlowReads:
    """Counts read transactions longer than SLOW_READ_S and reports them now and then; knows
    which are open (and since when), for the checkpoint that finds readers in its way."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[float, Sequence[Callable[..., Any]]]] = {}
        self._keys = itertools.count()
        self._lock = threading.Lock()
        self._count = 0
        self._longest = 0.0
        self._what = ""
        self._next_report = 0.0

    def begin(self, ops: Sequence[Callable[..., Any]]) -> int:
        """A read transaction starts; returns its key for `end`."""
        key = next(self._keys)
        self._open[key] = (time.monotonic(), ops)
        return key

    def end(self, key: int) -> None:
        started, ops = self._open.pop(key)
        self.note(time.monotonic() - started, ops)

    def describe_open(self) -> str:
        """The read transactions open now, oldest first (at most 3 named)."""
        now = time.monotonic()
        reads = sorted(self._open.copy().values(), key=lambda read: read[0])
        named = [f"{(now - started) * 1000:.0f} ms in {_names(ops)}" for started, ops in reads[:3]]
        return f"{len(reads)} open" + (": " + "; ".join(named) if named else "")

    def note(self, seconds: float, ops: Sequence[Callable[..., Any]]) -> None:
        if seconds < SLOW_READ_S:
            return
        now = time.monotonic()
        with self._lock:
            self._count += 1
            if seconds > self._longest:
                self._longest = seconds
                self._what = _names(ops)
            if now < self._next_report:
                return
            count, longest, what = self._count, self._longest, self._what
            self._count, self._longest, self._next_report = 0, 0.0, now + SLOW_READ_REPORT_S
        log.info(
            "%d read transaction(s) over %.0f ms (they can hold WAL checkpoints back);"
            " the longest, %.0f ms, ran %s",
            count,
            SLOW_READ_S * 1000,
            longest * 1000,
            what,
        )


def _names(ops: Sequence[Callable[..., Any]]) -> str:
    return ", ".join(sorted({getattr(op, "__qualname__", "?") for op in ops}))
