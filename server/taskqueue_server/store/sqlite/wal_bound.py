"""The bound on the write-ahead log: a TRUNCATE checkpoint past its limit, retried with
back-off while readers of older snapshots are in the way."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Final

import apsw

if TYPE_CHECKING:
    from taskqueue_server.store.sqlite.slow_reads import SlowReads

log = logging.getLogger(__name__)

WAL_LIMIT_BYTES: Final = 64 << 20
WAL_FIRST_RETRY_S: Final = 0.5
WAL_RETRY_S: Final = 5.0
WAL_CHECK_S: Final = 0.25
WAL_WAIT_MS: Final = 250


def wal_retry_after(due: float, size: int) -> float:
    """Seconds until the next try at truncating a WAL of `size` bytes that readers kept from
    finishing, `due` being the wait the doubling has reached (see WalBound.check): at
    most WAL_RETRY_S, and WAL_FIRST_RETRY_S once the WAL is twice WAL_LIMIT_BYTES. Meanwhile
    the WAL grows at the full rate of writes: 22 MB/s in the soak of 2026-12-06, where misses
    at 0.5, 1, 2 and 4 s took it from 66 to 251 MB (the soak's bound is 256)."""
    return min(WAL_FIRST_RETRY_S if size >= 2 * WAL_LIMIT_BYTES else due, WAL_RETRY_S)


class WalBound:
    """Keeps the write-ahead log of one database under WAL_LIMIT_BYTES, from the writer's
    thread, between its transactions."""

    def __init__(self, path: str, busy_timeout_ms: int, slow_reads: SlowReads) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._slow_reads = slow_reads
        self._next_try = 0.0
        self._retry_s = WAL_FIRST_RETRY_S

    def check(self, conn: apsw.Connection) -> None:
        """Keeps the WAL from growing without end. SQLite's automatic checkpoints only copy
        what no reader still needs and never rewind the log while readers keep arriving, so
        under steady reads and writes the -wal file grows for ever (the soak showed 10 MB a
        minute). Past WAL_LIMIT_BYTES the writer runs a TRUNCATE checkpoint, waiting at most
        WAL_WAIT_MS for readers of older snapshots (writes wait that long at worst). If they
        are still busy it tries again WAL_FIRST_RETRY_S later, then twice as long after each
        miss up to WAL_RETRY_S, but every WAL_FIRST_RETRY_S again once the WAL is twice its
        limit (`wal_retry_after`): a reader in the way is most often one long read, soon over
        (while the WAL is not rewound it grows at the full rate of writes, up to 8 MB/s in
        the soak), and a reader that stays costs the writer a wait at most every
        WAL_RETRY_S. The size is looked at every WAL_CHECK_S (a stat per batch was 2% of
        the writer's time)."""
        now = time.monotonic()
        if now < self._next_try:
            return
        self._next_try = now + WAL_CHECK_S
        try:
            size = os.path.getsize(self._path + "-wal")
        except OSError:
            return
        if size < WAL_LIMIT_BYTES:
            return
        try:
            conn.setbusytimeout(WAL_WAIT_MS)
            row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if row is not None and row[0]:
                retry = wal_retry_after(self._retry_s, size)
                self._next_try = time.monotonic() + retry
                self._retry_s = 2 * retry
                log.info(
                    "WAL at %d MB: readers kept the checkpoint from finishing (reads %s);"
                    " trying again in %.1f s",
                    size >> 20,
                    self._slow_reads.describe_open(),
                    retry,
                )
            else:
                self._retry_s = WAL_FIRST_RETRY_S
        except apsw.Error as exc:
            self._next_try = now + WAL_RETRY_S
            log.warning("WAL checkpoint failed: %s", exc)
        finally:
            conn.setbusytimeout(self._busy_timeout_ms)
