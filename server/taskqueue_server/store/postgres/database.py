"""The port's `Store` on PostgreSQL: writer threads with group commit (store/postgres/
writer.py) and reader threads, each with its own psycopg connection, as on SQLite
(store/sqlite/database.py).

Two writers: one for every operation, and one for operations that only insert new tasks
(`inserts_only`: the plain creates), which run in transactions of their own alongside the
other writer's. They touch no row the other writer changes (new rows only; their seqs are
this writer's alone), so the two cannot deadlock, and while one waits on the database the
other works: PostgreSQL's work goes to two backends, on two cores. Reads, quick ones
included, run on reader threads: a read on the event loop would stall it for as long as the
network or the database does.
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
from taskqueue_server.store import new_rows
from taskqueue_server.store.port import (
    CopyFacts,
    PreparedTasks,
    Snapshot,
    StorageFigures,
    Transaction,
)
from taskqueue_server.store.postgres import copies, heartbeats, urls
from taskqueue_server.store.postgres.listener import Listener
from taskqueue_server.store.postgres.migrations import migrate
from taskqueue_server.store.postgres.readers import Readers
from taskqueue_server.store.postgres.transaction import PostgresTransaction
from taskqueue_server.store.postgres.writer import Writer
from taskqueue_server.task_ids import TaskIds

log = logging.getLogger(__name__)

T = TypeVar("T")

READER_THREADS: Final = 2
CONNECT_TIMEOUT_S: Final = 5
SIZE_EVERY_S: Final = 10.0
"""How often the writer measures the database's size for GetServerStatus."""
SEEN_RECHECK_S: Final = 0.25


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
        self._reader_count = readers
        self._queueing = threading.Lock()
        self._riders = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._readers = Readers(lambda: self._transaction_on(self.connect()))
        self._listener = Listener(schema, self.connect)
        notify = self._listener.notify_statement
        self._writer = Writer(
            "taskqueue-pg-writer",
            lambda: self._transaction_on(self.connect(), writer=True),
            between=self._measure_size,
            on_batch=on_batch,
            notify=notify,
            notify_now=lambda: self._listener.others,
        )
        self._inserter = Writer(
            "taskqueue-pg-inserter",
            lambda: self._transaction_on(self.connect(), writer=True),
            notify=notify,
            notify_now=lambda: self._listener.others,
        )
        self._ids: TaskIds | None = None
        self.closed = False
        self._size = 0
        self._sized_at = -SIZE_EVERY_S
        self._engine = "PostgreSQL"
        self._seen = asyncio.Event()
        self._listener.follow("seen", self._seen.set)

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
        # JIT compiles a statement the planner thinks large: the insert of a batch was
        # costed at 181,000 rows (a cross join with the one-row seq block) and spent 13 ms
        # of its 15 compiling, for 2 ms of work. No statement here runs long enough to gain.
        conn.execute("SET jit TO off")
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
        self._measure_size(conn)
        self._writer.start(loop, self._transaction_on(conn, writer=True))
        self._inserter.start(loop, None)  # connects at its first batch
        self._readers.start(loop, self._reader_count)
        self._listener.start(loop, wait_s=CONNECT_TIMEOUT_S + 1)

    def close(self) -> None:
        with self._queueing:
            if self.closed:
                return
            self.closed = True
            self._readers.signal_stop()
        self._listener.stop()
        self._inserter.stop()
        self._writer.stop()
        self._readers.join_and_close()

    @property
    def pending(self) -> int:
        return self._writer.pending.qsize() + self._inserter.pending.qsize() + self._riders

    @property
    def last_batch_size(self) -> int:
        return self._writer.last_batch_size

    def add_riders(self, count: int) -> None:
        with self._queueing:
            self._riders += count

    def figures(self) -> StorageFigures:
        """The masked URL and the database's size as the writer last measured it: no I/O
        here, since this runs on the event loop (GetServerStatus)."""
        writers = int(self._writer.connected) + int(self._inserter.connected)
        return StorageFigures(
            location=self.path,
            database_bytes=self._size,
            log_bytes=0,
            engine=self._engine,
            connections=writers + self._readers.connected(),
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

    shared = True  # servers may share a schema

    @property
    def leads(self) -> bool:
        return self._listener.leader

    def watch_others(self, wake: Callable[[], None], lead: Callable[[], None]) -> None:
        self._listener.watch(wake, lead)

    @property
    def server_id(self) -> str:
        return self._listener.server_id

    def introduce(self, *, address: str, version: str, start_time: int) -> None:
        self._listener.me = heartbeats.Me(
            id=self._listener.server_id, address=address, version=version, start_time=start_time
        )

    def follow(self, kind: str, call: Callable[[], None]) -> None:
        self._listener.follow(kind, call)

    def acknowledge_keys(self, generation: int) -> None:
        self._listener.acknowledge_keys(generation)

    async def wait_keys_seen(self, generation: int, timeout_s: float) -> list[str]:
        """Rereads the servers table whenever a server says it reloaded its keys (at least
        every SEEN_RECHECK_S, should that notification be lost), until none is behind."""
        me = self._listener.me
        if me is None:
            return []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            self._seen.clear()
            behind = await self.read(lambda s: heartbeats.behind_on_keys(_conn(s), me, generation))
            remaining = deadline - loop.time()
            if not behind or remaining <= 0:
                return behind
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._seen.wait(), min(remaining, SEEN_RECHECK_S))

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

    def write_soon(
        self, op: Callable[[Transaction], T], *, inserts_only: bool = False
    ) -> asyncio.Future[T]:
        assert self._loop is not None, "open() was not called"
        fut: asyncio.Future[T] = self._loop.create_future()
        writer = self._inserter if inserts_only else self._writer
        self._enqueue(writer.pending, (op, fut))
        return fut

    def _enqueue(self, pending: queue.SimpleQueue[Any], item: tuple[Any, ...]) -> None:
        with self._queueing:
            if self.closed:
                raise errors.ShuttingDown("the server is shutting down")
            pending.put(item)

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


def _conn(snapshot: Snapshot) -> psycopg.Connection:
    assert isinstance(snapshot, PostgresTransaction)
    return snapshot.conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
