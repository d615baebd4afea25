"""The port's `Store` on one SQLite file: the writer thread with group commit, the readers.

All writes go through one thread that owns the write connection. It takes every operation
pending, runs them in one transaction (group_commit.py: a failing one is undone alone), then
answers every caller in one hand-off to the event loop. One fsync serves the whole batch.

Reads run on a few reader threads (readers.py). The event loop waits on SQLite only for
lookups by key (`read(quick=True)`), which it runs itself on a connection of its own.

Copies of the database (backups) are taken by the writer too, COPY_STEP_PAGES pages after
each batch (see store/sqlite/copies.py: a copy from a reader's snapshot kept the WAL from
restarting for as long as it ran).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import IO, Any, Final, TypeVar

import apsw

from taskqueue_server import errors
from taskqueue_server.model import TaskKey, ValidTask
from taskqueue_server.store import new_rows, work_queue
from taskqueue_server.store.port import (
    CopyFacts,
    PreparedTasks,
    Snapshot,
    StorageFigures,
    Transaction,
)
from taskqueue_server.store.sqlite import copies as backup
from taskqueue_server.store.sqlite import group_commit
from taskqueue_server.store.sqlite.connections import (
    APPLICATION_ID,
    check_identity,
    open_connection,
)
from taskqueue_server.store.sqlite.migrations import migrate, refresh_statistics
from taskqueue_server.store.sqlite.readers import READER_THREADS, Readers
from taskqueue_server.store.sqlite.slow_reads import SlowReads
from taskqueue_server.store.sqlite.transaction import SqliteTransaction
from taskqueue_server.store.sqlite.wal_bound import WalBound

log = logging.getLogger(__name__)

T = TypeVar("T")

# Upper bound on operations per transaction: keeps one commit's latency bounded under a flood.
MAX_BATCH: Final = 512
# Pages a copy advances after each batch of writes: 1 MB, about 2 ms on this VM (writes
# wait that long at most; an idle writer takes step after step: 0.4 s for 200 MB).
COPY_STEP_PAGES: Final = 256


class Database:
    """The one SQLite file: a writer thread with group commit plus a pool of readers.

    Args:
        path: the database file; created with its schema when missing.
        synchronous: SQLite's `synchronous` pragma; FULL makes every acknowledged write durable.
        readers: how many reader threads (each with its own connection) serve `read`.
    """

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 5000,
        on_batch: Callable[[int], None] | None = None,
        readers: int = READER_THREADS,
    ) -> None:
        self.path = os.path.abspath(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self._on_batch = on_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._write_conn: apsw.Connection | None = None
        self._write_tx: SqliteTransaction | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slow_reads = SlowReads()
        self._readers = Readers(self.path, synchronous, busy_timeout_ms, self._slow_reads)
        self._queueing = threading.Lock()
        """Held to queue an operation and to close: none is queued after the stop signs."""
        self._riders = 0
        """Writes waiting inside queued operations beyond the operations themselves."""
        self._reader_count = readers
        self.last_batch_size = 0
        self.closed = False
        self._lock_file: IO[bytes] | None = None
        self._wal = WalBound(self.path, busy_timeout_ms, self._slow_reads)
        self._new_copies: list[backup.SteppedCopy] = []
        self._copies: list[backup.SteppedCopy] = []

    # -- life cycle -----------------------------------------------------------------------

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Opens and migrates the database and starts the writer; answers go to `loop`."""
        self._loop = loop
        check_identity(self.path)
        self._lock_file = backup.hold_lock(self.path)
        try:
            conn = open_connection(self.path, self.synchronous, self.busy_timeout_ms)
        except apsw.Error as exc:
            self._lock_file.close()
            self._lock_file = None
            raise errors.StorageUnavailable(
                f"{self.path}: cannot be opened for writing ({type(exc).__name__}: {exc}); the"
                " file and its directory must be writable by this user (SQLite keeps a -wal"
                " and a -shm file beside it)",
                metadata={"path": self.path},
            ) from exc
        # A statement that writes many rows inside the writer's transaction keeps a journal of
        # the pages it changes, to undo itself alone; in a temporary file, as SQLite does by
        # default, that was 19 of the 24 us of a one-row INSERT ... SELECT. In memory it is
        # as large as the statement's pages, and gone when the statement ends.
        conn.pragma("temp_store", "memory")
        try:
            migrate(conn)
            conn.pragma("application_id", APPLICATION_ID)
            refresh_statistics(conn)
        except Exception:
            conn.close()
            self._lock_file.close()
            self._lock_file = None
            raise
        self._write_conn = conn
        self._write_tx = SqliteTransaction(conn)
        self._writer = threading.Thread(target=self._run, name="taskqueue-writer", daemon=True)
        self._writer.start()
        self._readers.start(loop, self._reader_count)

    def close(self) -> None:
        """Finishes every queued write and read, then closes all connections. Idempotent."""
        with self._queueing:  # nothing is queued behind the stop signs
            if self.closed:
                return
            self.closed = True
            if self._writer is not None:
                self._queue.put(work_queue.STOP)
            self._readers.signal_stop()
        if self._writer is not None:
            self._writer.join()
        self._readers.join_and_close()
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None
            self._write_tx = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @property
    def pending(self) -> int:
        """Writes waiting for the writer: the operations queued, and the writes riding on
        them (see `add_riders`)."""
        return self._queue.qsize() + self._riders

    def add_riders(self, count: int) -> None:
        """Counts `count` more (or, negative, fewer) writes waiting inside operations already
        queued: creates that share one insert each count as a write (thread-safe)."""
        with self._queueing:
            self._riders += count

    # -- writes ---------------------------------------------------------------------------

    async def write(self, op: Callable[[Transaction], T]) -> T:
        """Runs `op` inside the writer's next transaction and returns its result once durable.

        If the operation raises, its changes are rolled back and the exception is raised here,
        while the other operations of the batch still commit. It may run more than once (when
        another operation of its batch fails), so it must change nothing but the database.
        """
        return await self.write_soon(op)

    def write_soon(
        self, op: Callable[[Transaction], T], *, inserts_only: bool = False
    ) -> asyncio.Future[T]:
        """Queues `op` as `write` does and returns the future of its result at once, for
        callers that share one operation (shield it: a cancelled waiter cancels it). One
        writer does all (`inserts_only` makes no difference here)."""
        assert self._loop is not None, "Database.open() was not called"
        fut: asyncio.Future[T] = self._loop.create_future()
        self._enqueue(self._queue, (op, fut))
        return fut

    shared = False  # one server holds the file (its lock)
    leads = True

    def watch_others(self, wake: Callable[[], None], lead: Callable[[], None]) -> None:
        return None

    server_id = uuid.uuid4().hex  # of this process: the only server on its file

    def introduce(self, *, address: str, version: str, start_time: int) -> None:
        return None

    def follow(self, kind: str, call: Callable[[], None]) -> None:
        return None  # no other server; the admin commands touch the file's stamp

    def acknowledge_keys(self, generation: int) -> None:
        return None

    async def wait_keys_seen(self, generation: int, timeout_s: float) -> list[str]:
        return []

    def prepare_tasks(self, items: Sequence[tuple[TaskKey, ValidTask]]) -> PreparedTasks:
        """The tasks as rows of one JSON array without its brackets (store/new_rows.py)."""
        return new_rows.encode(items)

    def figures(self) -> StorageFigures:
        return StorageFigures(
            location=self.path,
            database_bytes=_size(self.path),
            log_bytes=_size(self.path + "-wal"),
            engine=f"SQLite {apsw.sqlite_lib_version()}",
            connections=0 if self.closed else 1 + self._reader_count,
        )

    def inspect_copy(self, path: str) -> CopyFacts:
        return backup.inspect(path)

    def _enqueue(self, pending: queue.SimpleQueue[Any], item: tuple[Any, ...]) -> None:
        with self._queueing:
            if self.closed:
                raise errors.ShuttingDown("the server is shutting down")
            pending.put(item)

    def copy_to(self, target_path: str) -> None:
        """Copies the database into a new file `target_path`, online, and returns when the
        copy is complete: the database as it was at that moment. Blocking (for threads other
        than the event loop's). Writes go on meanwhile, and the WAL can still be restarted:
        the writer advances the copy between its transactions. Should the copy keep
        starting over (another process writing), it is taken from one snapshot instead."""
        job = backup.SteppedCopy(target_path)
        with self._queueing:
            if self.closed:
                raise errors.ShuttingDown("the server is shutting down")
            self._new_copies.append(job)
            self._queue.put(work_queue.WAKE)
        try:
            job.outcome.result()
        except backup.CopyRestarted as exc:
            log.warning("%s; copying from one snapshot instead", exc)
            with contextlib.suppress(FileNotFoundError):
                os.remove(target_path)
            backup.copy(self.path, target_path)

    def _run(self) -> None:
        while True:
            batch, stop = work_queue.take(self._queue, MAX_BATCH, wait=not self._copies)
            if self._new_copies:
                with self._queueing:
                    self._copies += self._new_copies
                    self._new_copies.clear()
            if batch:
                assert self._write_tx is not None
                outcomes = group_commit.run(self._write_tx, batch)
                self.last_batch_size = len(batch)
                if self._on_batch is not None:
                    self._on_batch(len(batch))
                pairs = zip(batch, outcomes, strict=True)
                self._answer([(fut, ok, value) for (_op, fut), (ok, value) in pairs])
            if stop:
                for job in self._copies:
                    job.abandon(errors.ShuttingDown("the server is shutting down"))
                return
            if self._copies:
                self._step_copies()
            assert self._write_conn is not None
            self._wal.check(self._write_conn)

    def _step_copies(self) -> None:
        conn = self._write_conn
        assert conn is not None
        self._copies = [job for job in self._copies if not job.step(conn, COPY_STEP_PAGES)]

    def _answer(self, answers: list[work_queue.Answer]) -> None:
        """Settles the callers' futures on the event loop, in one hand-off."""
        assert self._loop is not None
        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(work_queue.settle, answers)

    # -- reads ----------------------------------------------------------------------------

    async def read(self, op: Callable[[Snapshot], T], *, quick: bool = False) -> T:
        """Runs `op` on a reader connection in a reader thread; a consistent WAL snapshot.

        A `quick` read (a lookup by key: tens of microseconds) runs at once on the event
        loop's own read connection instead: the hop to a reader thread and back cost more
        loop time than the lookup, and under load each GIL hand-off to and from the reader
        waited its turn (GetTask at c=64: 1,283 to 1,406 ops/s through a reader thread,
        1,614 to 1,984 inline, 3 interleaved runs).
        """
        assert self._loop is not None, "Database.open() was not called"
        if quick:
            return self._read_inline(op)
        fut: asyncio.Future[T] = self._loop.create_future()
        self._enqueue(self._readers.pending, (op, fut))
        return await fut

    def _read_inline(self, op: Callable[[Snapshot], T]) -> T:
        if self.closed:
            raise errors.ShuttingDown("the server is shutting down")
        return self.read_blocking(op)  # on the loop's thread: the loop's own connection

    def read_blocking(self, op: Callable[[Snapshot], T]) -> T:
        """Runs `op` on this thread's reader connection, blocking (the metrics scrape's
        thread; the event loop's, for quick reads)."""
        return self._readers.read_here(op)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
