"""Connections, migrations, the group-commit writer and the reader pool.

All writes go through one thread that owns the write connection. It takes every operation
pending, runs them in one `BEGIN IMMEDIATE ... COMMIT`, then answers every caller in one
hand-off to the event loop. One fsync serves the whole batch. A failing operation is rolled
back alone and its caller gets the error: the batch is rolled back and runs again with a
`SAVEPOINT` per operation. Savepoints are not used up front because they are the dearest
part of a small write: SQLite copies every page an operation touches into a sub-journal,
which cost 40% of the writer's time per created task (73 of 181 µs CPU).

Reads run on a few reader threads, each with its own connection. A reader takes the reads
pending, runs them in one read transaction (one WAL snapshot, newer than every write
acknowledged before they were asked) and hands each answer to the event loop as soon as it
has it. A thread pool's hop per read cost 15% of a GetTask's CPU. The event loop waits on
SQLite only for lookups by key (`read(quick=True)`), which it runs itself on a connection
of its own.

Copies of the database (backups) are taken by the writer too, COPY_STEP_PAGES pages after
each batch (see store/backup.py: a copy from a reader's snapshot kept the WAL from
restarting for as long as it ran).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, Final, TypeVar

import apsw
import apsw.bestpractice

from taskqueue_server import errors
from taskqueue_server.store import backup, ids, schema

log = logging.getLogger(__name__)

T = TypeVar("T")

Connection = apsw.Connection
"""The connection type operations receive; the queue layer names it without importing apsw."""

Operation = Callable[[apsw.Connection], T]

# Upper bound on operations per transaction: keeps one commit's latency bounded under a flood.
MAX_BATCH: Final = 512
READER_THREADS: Final = 2
# Reads per reader transaction (they share its snapshot).
READ_BATCH: Final = 16
# Pages a copy advances after each batch of writes: 1 MB, about 2 ms on this VM (writes
# wait that long at most; an idle writer takes step after step: 0.4 s for 200 MB).
COPY_STEP_PAGES: Final = 256

_STOP: Final = object()
_WAKE: Final = object()
"""Queued to wake the writer for a copy (the copy itself waits in Database._new_copies)."""

_Pending = tuple[Callable[[apsw.Connection], Any], "asyncio.Future[Any]"]
_Read = tuple[Callable[[apsw.Connection], Any], "asyncio.Future[Any]"]
_Answer = tuple["asyncio.Future[Any]", bool, Any]  # future, succeeded, value or exception


# Failures of the storage itself (disk, file, locks), as opposed to a bug in a statement.
_UNAVAILABLE: Final = (
    apsw.IOError,
    apsw.CantOpenError,
    apsw.BusyError,
    apsw.LockedError,
    apsw.ReadOnlyError,
    apsw.CorruptError,
    apsw.NotADBError,
    apsw.PermissionsError,
    apsw.ProtocolError,
)


def storage_error(exc: apsw.Error) -> errors.TaskQueueError:
    """Maps an SQLite failure to the error callers see."""
    name = type(exc).__name__
    if isinstance(exc, apsw.FullError):
        return errors.StorageFull("the disk under the database is full; writes are refused")
    if isinstance(exc, _UNAVAILABLE):
        return errors.StorageUnavailable(
            f"the database is unavailable: {name}: {exc}", metadata={"sqlite_error": name}
        )
    log.error("SQLite refused a statement: %s: %s", name, exc)
    return errors.TaskQueueError(f"storage error {name}", metadata={"sqlite_error": name})


def _configure(conn: apsw.Connection, synchronous: str, busy_timeout_ms: int = 5000) -> None:
    apsw.bestpractice.connection_busy_timeout(conn, busy_timeout_ms)
    apsw.bestpractice.connection_wal(conn)
    apsw.bestpractice.connection_enable_foreign_keys(conn)
    apsw.bestpractice.connection_dqs(conn)
    apsw.bestpractice.connection_recursive_triggers(conn)
    conn.pragma("synchronous", synchronous)


def open_connection(
    path: str, synchronous: str = "FULL", busy_timeout_ms: int = 5000
) -> apsw.Connection:
    """Opens one configured connection (WAL, foreign keys, busy timeout); on a migrated
    database its task ids turn into keys (store/ids.py)."""
    conn = apsw.Connection(path)
    _configure(conn, synchronous, busy_timeout_ms)
    ids.install(conn)
    return conn


APPLICATION_ID: Final = 0x54517565  # "TQue" in the SQLite header: this file is taskqueue's


def _refuse(path: str, problem: str, reason: str) -> errors.StorageUnavailable:
    return errors.StorageUnavailable(
        f"{path}: {problem}. The server will not use or change this file. Point --db at"
        " another file, or restore a backup of the queue into a new file"
        " (taskqueue-server restore BACKUP.db.gz --db NEW.db).",
        reason=reason,
        metadata={"path": path},
    )


def check_identity(path: str) -> None:
    """Refuses, without writing a byte, a file that is corrupt or another program's database.

    A missing or empty file is a new database; otherwise the header must carry taskqueue's
    application id, or (databases made before it was set) hold taskqueue's tables.
    """
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    try:
        conn = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error as exc:
        raise _refuse(path, f"cannot be opened ({exc})", "DATABASE_UNREADABLE") from exc
    try:
        app_id = int(conn.pragma("application_id"))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    except (apsw.NotADBError, apsw.CorruptError) as exc:
        raise _refuse(path, f"is corrupt or not a database ({exc})", "DATABASE_CORRUPT") from exc
    except apsw.Error as exc:
        raise _refuse(path, f"cannot be read ({exc})", "DATABASE_UNREADABLE") from exc
    finally:
        conn.close()
    if app_id not in (0, APPLICATION_ID):
        raise _refuse(path, f"belongs to another program (application id {app_id:#x})",
                      "NOT_A_TASKQUEUE_DATABASE")  # fmt: skip
    if app_id == 0 and tables and not {"tasks", "task_events"} <= tables:
        raise _refuse(path, f"is another program's database (tables: {', '.join(sorted(tables))})",
                      "NOT_A_TASKQUEUE_DATABASE")  # fmt: skip


def refresh_statistics(conn: apsw.Connection) -> None:
    """Gives the query planner fresh index statistics, sampled so it stays fast (about
    0.1 s on a million tasks): without them SQLite guesses that every index is as selective
    as any other and may walk 100,000 waiting tasks to find one directory's."""
    conn.pragma("analysis_limit", 1000)
    conn.pragma("optimize", 0x10002)


def migrate(conn: apsw.Connection) -> int:
    """Brings the schema up to date in one transaction; returns the version it found.

    Foreign keys are off meanwhile, as SQLite's recipe for rebuilding a table asks (dropping
    the old table would otherwise delete its rows first), and checked before the commit.
    A migration that made the id secret lets task ids turn into keys on `conn` (store/ids.py;
    `open_connection` did for a database migrated before).
    """
    conn.pragma("foreign_keys", False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = int(conn.pragma("user_version"))
        if found > schema.SCHEMA_VERSION:
            raise errors.StorageUnavailable(
                f"database schema version {found} is newer than this server"
                f" ({schema.SCHEMA_VERSION}); upgrade the server",
                reason="SCHEMA_TOO_NEW",
            )
        for version in range(found + 1, schema.SCHEMA_VERSION + 1):
            log.info("applying schema migration %d", version)
            conn.execute(schema.MIGRATIONS[version - 1])
            conn.pragma("user_version", version)
        if found < schema.SCHEMA_VERSION and conn.execute("PRAGMA foreign_key_check").fetchone():
            raise errors.StorageUnavailable(
                "the schema migration left rows that break a foreign key; nothing was changed",
                reason="MIGRATION_FAILED",
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.pragma("foreign_keys", True)
    if found < schema.SCHEMA_VERSION:
        ids.install(conn)
    return found


def run_offline(path: str, op: Callable[[apsw.Connection], T]) -> T:
    """Runs `op` in one immediate transaction on a database file from another process than
    the server (which may be running: WAL and the busy timeout let both write). Creates and
    migrates the file when needed; refuses a file that is not taskqueue's."""
    check_identity(path)
    conn = open_connection(path)
    try:
        migrate(conn)
        conn.pragma("application_id", APPLICATION_ID)
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = op(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result
    finally:
        conn.close()


WAL_LIMIT_BYTES: Final = 64 << 20
WAL_FIRST_RETRY_S: Final = 0.5
WAL_RETRY_S: Final = 5.0
WAL_CHECK_S: Final = 0.25
WAL_WAIT_MS: Final = 250


# A read transaction longer than the checkpoint's wait can keep it from finishing: such reads
# are logged (how many, the longest and what it ran), at most every SLOW_READ_REPORT_S.
SLOW_READ_S: Final = WAL_WAIT_MS / 1000
SLOW_READ_REPORT_S: Final = 5.0


def wal_retry_after(due: float, size: int) -> float:
    """Seconds until the next try at truncating a WAL of `size` bytes that readers kept from
    finishing, `due` being the wait the doubling has reached (see Database._bound_wal): at
    most WAL_RETRY_S, and WAL_FIRST_RETRY_S once the WAL is twice WAL_LIMIT_BYTES. Meanwhile
    the WAL grows at the full rate of writes: 22 MB/s in the soak of 2026-12-06, where misses
    at 0.5, 1, 2 and 4 s took it from 66 to 251 MB (the soak's bound is 256)."""
    return min(WAL_FIRST_RETRY_S if size >= 2 * WAL_LIMIT_BYTES else due, WAL_RETRY_S)


class _SlowReads:
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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._local = threading.local()
        self._reader_conns: list[apsw.Connection] = []
        self._readers_lock = threading.Lock()
        self._slow_reads = _SlowReads()
        self._read_queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._queueing = threading.Lock()
        """Held to queue an operation and to close: none is queued after the stop signs."""
        self._riders = 0
        """Writes waiting inside queued operations beyond the operations themselves."""
        self._reader_count = readers
        self._readers: list[threading.Thread] = []
        self.last_batch_size = 0
        self.closed = False
        self._lock_file: IO[bytes] | None = None
        self._wal_next_try = 0.0
        self._wal_retry_s = WAL_FIRST_RETRY_S
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
        self._writer = threading.Thread(target=self._run, name="taskqueue-writer", daemon=True)
        self._writer.start()
        for i in range(self._reader_count):
            reader = threading.Thread(
                target=self._read_loop, name=f"taskqueue-read-{i}", daemon=True
            )
            reader.start()
            self._readers.append(reader)

    def close(self) -> None:
        """Finishes every queued write and read, then closes all connections. Idempotent."""
        with self._queueing:  # nothing is queued behind the stop signs
            if self.closed:
                return
            self.closed = True
            if self._writer is not None:
                self._queue.put(_STOP)
            for _reader in self._readers:
                self._read_queue.put(_STOP)
        if self._writer is not None:
            self._writer.join()
        for reader in self._readers:
            reader.join()
        with self._readers_lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None
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

    async def write(self, op: Callable[[apsw.Connection], T]) -> T:
        """Runs `op` inside the writer's next transaction and returns its result once durable.

        If the operation raises, its changes are rolled back and the exception is raised here,
        while the other operations of the batch still commit. It may run more than once (when
        another operation of its batch fails), so it must change nothing but the database.
        """
        return await self.write_soon(op)

    def write_soon(self, op: Callable[[apsw.Connection], T]) -> asyncio.Future[T]:
        """Queues `op` as `write` does and returns the future of its result at once, for
        callers that share one operation (shield it: a cancelled waiter cancels it)."""
        assert self._loop is not None, "Database.open() was not called"
        fut: asyncio.Future[T] = self._loop.create_future()
        self._enqueue(self._queue, (op, fut))
        return fut

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
            self._queue.put(_WAKE)
        try:
            job.outcome.result()
        except backup.CopyRestarted as exc:
            log.warning("%s; copying from one snapshot instead", exc)
            with contextlib.suppress(FileNotFoundError):
                os.remove(target_path)
            backup.copy(self.path, target_path)

    def _run(self) -> None:
        while True:
            batch, stop = _take(self._queue, MAX_BATCH, wait=not self._copies)
            if self._new_copies:
                with self._queueing:
                    self._copies += self._new_copies
                    self._new_copies.clear()
            if batch:
                outcomes = self._run_batch(batch)
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
            self._bound_wal()

    def _step_copies(self) -> None:
        conn = self._write_conn
        assert conn is not None
        self._copies = [job for job in self._copies if not job.step(conn, COPY_STEP_PAGES)]

    def _answer(self, answers: list[_Answer]) -> None:
        """Settles the callers' futures on the event loop, in one hand-off."""
        assert self._loop is not None
        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(_settle, answers)

    def _bound_wal(self) -> None:
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
        if now < self._wal_next_try:
            return
        self._wal_next_try = now + WAL_CHECK_S
        try:
            size = os.path.getsize(self.path + "-wal")
        except OSError:
            return
        if size < WAL_LIMIT_BYTES:
            return
        conn = self._write_conn
        assert conn is not None
        try:
            conn.setbusytimeout(WAL_WAIT_MS)
            row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if row is not None and row[0]:
                retry = wal_retry_after(self._wal_retry_s, size)
                self._wal_next_try = time.monotonic() + retry
                self._wal_retry_s = 2 * retry
                log.info(
                    "WAL at %d MB: readers kept the checkpoint from finishing (reads %s);"
                    " trying again in %.1f s",
                    size >> 20,
                    self._slow_reads.describe_open(),
                    retry,
                )
            else:
                self._wal_retry_s = WAL_FIRST_RETRY_S
        except apsw.Error as exc:
            self._wal_next_try = now + WAL_RETRY_S
            log.warning("WAL checkpoint failed: %s", exc)
        finally:
            conn.setbusytimeout(self.busy_timeout_ms)

    def _run_batch(self, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        conn = self._write_conn
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            outcomes = self._run_plain(conn, batch)
            if outcomes is None:
                conn.execute("BEGIN IMMEDIATE")
                outcomes = self._run_guarded(conn, batch)
        except apsw.Error as exc:
            failure = storage_error(exc)
            return [(False, failure)] * len(batch)
        try:
            conn.execute("COMMIT")
        except apsw.Error as exc:
            log.error("commit failed: %s", exc)
            with contextlib.suppress(apsw.Error):
                conn.execute("ROLLBACK")
            failure = storage_error(exc)
            return [(False, failure)] * len(batch)
        return outcomes

    def _run_plain(
        self, conn: apsw.Connection, batch: list[_Pending]
    ) -> list[tuple[bool, Any]] | None:
        """Runs the batch without savepoints; when an operation fails, rolls the transaction
        back and returns None (run the batch again, guarded)."""
        outcomes: list[tuple[bool, Any]] = []
        for op, _fut in batch:
            try:
                outcomes.append((True, op(conn)))
            except BaseException:
                if conn.in_transaction:  # some SQLite failures have rolled it back already
                    conn.execute("ROLLBACK")
                return None
        return outcomes

    def _run_guarded(self, conn: apsw.Connection, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        """Runs the batch with a savepoint per operation: a failing one is undone alone."""
        outcomes: list[tuple[bool, Any]] = []
        for op, _fut in batch:
            try:
                conn.execute("SAVEPOINT op")
                value = op(conn)
            except BaseException as exc:
                try:
                    conn.execute("ROLLBACK TO op; RELEASE op")
                except apsw.Error:
                    log.exception("rolling back a failed operation failed")
                outcomes.append((False, _failure(exc)))
            else:
                conn.execute("RELEASE op")
                outcomes.append((True, value))
        return outcomes

    # -- reads ----------------------------------------------------------------------------

    async def read(self, op: Callable[[apsw.Connection], T], *, quick: bool = False) -> T:
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
        self._enqueue(self._read_queue, (op, fut))
        return await fut

    def _read_inline(self, op: Callable[[apsw.Connection], T]) -> T:
        if self.closed:
            raise errors.ShuttingDown("the server is shutting down")
        return self.read_blocking(op)  # on the loop's thread: the loop's own connection

    def read_blocking(self, op: Callable[[apsw.Connection], T]) -> T:
        """Runs `op` on this thread's reader connection, blocking (the metrics scrape's
        thread; the event loop's, for quick reads)."""
        try:
            conn = self._reader_connection()
            read = self._slow_reads.begin((op,))
            try:
                with conn:
                    value = op(conn)
            finally:
                self._slow_reads.end(read)
        except apsw.Error as exc:
            raise storage_error(exc) from exc
        return value

    def _reader_connection(self) -> apsw.Connection:
        """This thread's read-only connection, opened on first use."""
        conn: apsw.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path, self.synchronous, self.busy_timeout_ms)
            conn.pragma("query_only", True)
            self._local.conn = conn
            with self._readers_lock:
                self._reader_conns.append(conn)
        return conn

    def _read_loop(self) -> None:
        while True:
            batch, stop = _take(self._read_queue, READ_BATCH)
            if batch:
                self._read_batch(batch)
            if stop:
                return

    def _read_batch(self, batch: list[_Read]) -> None:
        done = 0
        try:
            conn = self._reader_connection()
            read = self._slow_reads.begin([op for op, _fut in batch])
            try:
                with conn:
                    for op, fut in batch:
                        done += 1
                        try:
                            answer: _Answer = (fut, True, op(conn))
                        except BaseException as exc:
                            answer = (fut, False, _failure(exc))
                        self._answer([answer])
            finally:
                self._slow_reads.end(read)
        except apsw.Error as exc:  # opening the connection or the transaction failed
            failure = storage_error(exc)
            self._answer([(fut, False, failure) for _op, fut in batch[done:]])


def _failure(exc: BaseException) -> BaseException:
    """What an operation's caller gets for its exception: SQLite failures mapped to ours."""
    return storage_error(exc) if isinstance(exc, apsw.Error) else exc


def _take(
    pending: queue.SimpleQueue[Any], limit: int, *, wait: bool = True
) -> tuple[list[Any], bool]:
    """Waits for one operation (unless told not to), then takes what else is pending, up to
    `limit` in all; says whether the stop sign came (what was taken before it still runs).
    Wake-ups (_WAKE) are dropped: they only end the wait."""
    try:
        first = pending.get(block=wait)
    except queue.Empty:
        return [], False
    if first is _STOP:
        return [], True
    batch = [] if first is _WAKE else [first]
    while len(batch) < limit:
        try:
            item = pending.get_nowait()
        except queue.Empty:
            break
        if item is _STOP:
            return batch, True
        if item is not _WAKE:
            batch.append(item)
    return batch, False


def _settle(answers: list[_Answer]) -> None:
    for fut, ok, value in answers:
        if fut.done():  # the caller gave up (cancelled RPC); the write stands regardless
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)
