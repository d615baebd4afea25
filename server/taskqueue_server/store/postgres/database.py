"""The port's `Store` on PostgreSQL: a writer thread with group commit and reader threads,
each with its own psycopg connection, as on SQLite (store/sqlite/database.py).

The writer takes every operation pending and runs them in one transaction; when one fails,
the transaction is rolled back and the batch runs again with a SAVEPOINT per operation, so
the failing one is undone alone. One commit (a WAL flush, `synchronous_commit` on) serves the
batch. A lost connection fails the batch it broke with UNAVAILABLE; the next batch opens a
new one. Reads, quick ones included, run on reader threads: a read on the event loop would
stall it for as long as the network or the database does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from taskqueue_server import errors
from taskqueue_server.config import masked_db
from taskqueue_server.model import TaskKey, ValidTask
from taskqueue_server.store import new_rows, work_queue
from taskqueue_server.store.port import (
    CopyFacts,
    PreparedTasks,
    Snapshot,
    StorageFigures,
    Transaction,
)
from taskqueue_server.store.postgres import copies, failures, urls
from taskqueue_server.store.postgres.migrations import migrate
from taskqueue_server.store.postgres.readers import Readers
from taskqueue_server.store.postgres.transaction import PostgresTransaction
from taskqueue_server.task_ids import TaskIds

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH: Final = 512
READER_THREADS: Final = 2
CONNECT_TIMEOUT_S: Final = 5
SIZE_EVERY_S: Final = 10.0
"""How often the writer measures the database's size for GetServerStatus."""


class PostgresDatabase:
    """One taskqueue schema in a PostgreSQL database.

    Args:
        url: a `postgresql://` URL (its password, if any, is never shown).
        schema: the schema that holds every table (created on first start).
        password_file: a file whose text is the password (instead of the URL's or PGPASSWORD).
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str = "taskqueue",
        password_file: str = "",
        on_batch: Callable[[int], None] | None = None,
        readers: int = READER_THREADS,
    ) -> None:
        self.url = url
        self.path = masked_db(url)
        self.schema = schema
        self._conninfo, self._extra = urls.conninfo(url, password_file)
        self._on_batch = on_batch
        self._reader_count = readers
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._queueing = threading.Lock()
        self._riders = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: threading.Thread | None = None
        self._readers = Readers(lambda: self._transaction_on(self.connect()))
        self._write_tx: PostgresTransaction | None = None
        self._ids: TaskIds | None = None
        self.last_batch_size = 0
        self.closed = False
        self._size = 0
        self._sized_at = -SIZE_EVERY_S
        self._engine = "PostgreSQL"

    # -- connections ------------------------------------------------------------------------

    def connect(self) -> psycopg.Connection:
        """A new connection in autocommit mode (transactions are begun explicitly), with the
        taskqueue schema first on its search path."""
        try:
            conn = psycopg.connect(
                make_conninfo(self._conninfo, **self._extra),
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="taskqueue",
            )
        except psycopg.Error as exc:
            raise errors.StorageUnavailable(
                f"cannot connect to {self.path}: {_first_line(exc)}",
                metadata={"database": self.path},
            ) from None
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        conn.execute("SET synchronous_commit TO on")
        return conn

    def _transaction_on(
        self, conn: psycopg.Connection, *, writer: bool = False
    ) -> PostgresTransaction:
        assert self._ids is not None
        return PostgresTransaction(conn, self._ids, writer=writer)

    # -- life cycle ---------------------------------------------------------------------------

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        conn = self.connect()
        try:
            try:
                migrate(conn, self.schema)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise errors.StorageUnavailable(
                    f"{self.path}: the role may not create the schema {self.schema!r} or its"
                    f" tables ({_first_line(exc)}); grant it CREATE on the database, or"
                    " create the schema for it and make it the owner",
                    reason="PERMISSION_DENIED",
                ) from None
            except psycopg.Error as exc:
                raise errors.StorageUnavailable(
                    f"{self.path}: the schema could not be made ready: {_first_line(exc)}"
                ) from None
            row = conn.execute("SELECT value FROM meta WHERE key = 'task_id_key'").fetchone()
            assert row is not None
            self._ids = TaskIds(bytes(row[0]))
            version = (conn.info.parameter_status("server_version") or "").split(" ")[0]
            self._engine = f"PostgreSQL {version}".strip()
        except BaseException:
            conn.close()
            raise
        self._write_tx = self._transaction_on(conn, writer=True)
        self._measure_size(conn)
        self._writer = threading.Thread(target=self._run, name="taskqueue-pg-writer", daemon=True)
        self._writer.start()
        self._readers.start(loop, self._reader_count)

    def close(self) -> None:
        with self._queueing:
            if self.closed:
                return
            self.closed = True
            if self._writer is not None:
                self._queue.put(work_queue.STOP)
            self._readers.signal_stop()
        if self._writer is not None:
            self._writer.join()
        self._readers.join_and_close()
        if self._write_tx is not None:
            self._write_tx.conn.close()
            self._write_tx = None

    @property
    def pending(self) -> int:
        return self._queue.qsize() + self._riders

    def add_riders(self, count: int) -> None:
        with self._queueing:
            self._riders += count

    def figures(self) -> StorageFigures:
        """The masked URL and the database's size as the writer last measured it: no I/O
        here, since this runs on the event loop (GetServerStatus)."""
        writer = self._write_tx is not None and not self._write_tx.conn.broken
        return StorageFigures(
            location=self.path,
            database_bytes=self._size,
            log_bytes=0,
            engine=self._engine,
            connections=int(writer) + self._readers.connected(),
        )

    def _measure_size(self, conn: psycopg.Connection) -> None:
        """Refreshes `figures()`'s size at most every SIZE_EVERY_S (the writer, between
        batches, outside any transaction)."""
        now = time.monotonic()
        if now - self._sized_at < SIZE_EVERY_S:
            return
        self._sized_at = now
        with contextlib.suppress(psycopg.Error):
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            self._size = int(row[0]) if row else self._size

    def prepare_tasks(self, items: Sequence[tuple[TaskKey, ValidTask]]) -> PreparedTasks:
        return new_rows.encode(items)

    def copy_to(self, target_path: str) -> None:
        """`pg_dump` of the schema into `target_path` (custom format), online."""
        copies.dump(self._conninfo, self.schema, target_path, self._extra.get("password"))

    def inspect_copy(self, path: str) -> CopyFacts:
        return copies.inspect(path, self.schema)

    # -- writes -------------------------------------------------------------------------------

    async def write(self, op: Callable[[Transaction], T]) -> T:
        return await self.write_soon(op)

    def write_soon(self, op: Callable[[Transaction], T]) -> asyncio.Future[T]:
        assert self._loop is not None, "open() was not called"
        fut: asyncio.Future[T] = self._loop.create_future()
        self._enqueue(self._queue, (op, fut))
        return fut

    def _enqueue(self, pending: queue.SimpleQueue[Any], item: tuple[Any, ...]) -> None:
        with self._queueing:
            if self.closed:
                raise errors.ShuttingDown("the server is shutting down")
            pending.put(item)

    def _answer(self, answers: list[work_queue.Answer]) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(work_queue.settle, answers)

    def _run(self) -> None:
        while True:
            batch, stop = work_queue.take(self._queue, MAX_BATCH)
            if batch:
                outcomes = self._run_batch(batch)
                self.last_batch_size = len(batch)
                if self._on_batch is not None:
                    self._on_batch(len(batch))
                pairs = zip(batch, outcomes, strict=True)
                self._answer([(fut, ok, value) for (_op, fut), (ok, value) in pairs])
                if self._write_tx is not None and not self._write_tx.conn.broken:
                    self._measure_size(self._write_tx.conn)
            if stop:
                return

    def _writer_tx(self) -> PostgresTransaction:
        """The writer's transaction object, on a new connection when the last one broke."""
        tx = self._write_tx
        if tx is None or tx.conn.closed or tx.conn.broken:
            if tx is not None:
                with contextlib.suppress(psycopg.Error):
                    tx.conn.close()
            self._write_tx = None
            tx = self._write_tx = self._transaction_on(self.connect(), writer=True)
        return tx

    def _run_batch(self, batch: list[work_queue.Pending]) -> list[tuple[bool, Any]]:
        try:
            tx = self._writer_tx()
            try:
                tx.conn.execute("BEGIN")
            except (psycopg.OperationalError, psycopg.InterfaceError):
                # A connection that died while idle (the database restarted) says so at its
                # first statement: nothing was sent yet, so a new connection may begin.
                tx.conn.close()
                tx = self._writer_tx()
                tx.conn.execute("BEGIN")
        except errors.TaskQueueError as exc:
            return [(False, exc)] * len(batch)
        except psycopg.Error as exc:
            return [(False, failures.storage_error(exc))] * len(batch)
        conn = tx.conn
        try:
            outcomes = self._pipelined(tx, batch)
            if outcomes is None:
                conn.execute("BEGIN")
                outcomes = self._guarded(tx, batch)
                conn.execute("COMMIT")
        except psycopg.Error as exc:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            return [(False, failures.storage_error(exc))] * len(batch)
        return outcomes

    def _pipelined(
        self, tx: PostgresTransaction, batch: list[work_queue.Pending]
    ) -> list[tuple[bool, Any]] | None:
        """Runs the batch and commits it in pipeline mode: a statement whose result no one
        reads does not wait for its round trip (a completion's update, its history entry).
        When anything fails (an operation, or a statement whose error only shows at a later
        sync point), nothing is committed and None says: run the batch again, guarded,
        without the pipeline, so that each failure is its own operation's."""
        conn = tx.conn
        outcomes: list[tuple[bool, Any]] = []
        try:
            with conn.pipeline():  # the transaction was begun by the caller
                for op, _fut in batch:
                    outcomes.append((True, op(tx)))
                conn.execute("COMMIT")
        except (psycopg.OperationalError, psycopg.InterfaceError):
            raise  # the connection itself failed: the whole batch fails
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            return None
        return outcomes

    def _guarded(
        self, tx: PostgresTransaction, batch: list[work_queue.Pending]
    ) -> list[tuple[bool, Any]]:
        conn = tx.conn
        outcomes: list[tuple[bool, Any]] = []
        for op, _fut in batch:
            conn.execute("SAVEPOINT op")
            try:
                value = op(tx)
            except (psycopg.OperationalError, psycopg.InterfaceError):
                raise
            except BaseException as exc:
                conn.execute("ROLLBACK TO SAVEPOINT op")
                outcomes.append((False, failures.failure(exc)))
            else:
                conn.execute("RELEASE SAVEPOINT op")
                outcomes.append((True, value))
        return outcomes

    # -- reads --------------------------------------------------------------------------------

    async def read(self, op: Callable[[Snapshot], T], *, quick: bool = False) -> T:
        """Every read on a reader thread, quick ones too: one on the event loop would stall it
        for as long as the network or the database does."""
        assert self._loop is not None, "open() was not called"
        fut: asyncio.Future[T] = self._loop.create_future()
        self._enqueue(self._readers.pending, (op, fut))
        return await fut

    def read_blocking(self, op: Callable[[Snapshot], T]) -> T:
        """Runs `op` on this thread's own connection, in one read-only transaction."""
        return self._readers.read_here(op)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
