"""The reader pool on PostgreSQL: a few threads, each with its own connection, each batch of
reads in one read-only REPEATABLE READ transaction (one snapshot), as on SQLite
(store/sqlite/readers.py). Other threads (the metrics scrape's) read on a connection of their
own. A connection that died while idle (the database restarted) is replaced before its next
transaction: a read may always begin again."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, Final, TypeVar

import psycopg

from taskqueue_server import errors
from taskqueue_server.store import work_queue
from taskqueue_server.store.port import Snapshot
from taskqueue_server.store.postgres import failures
from taskqueue_server.store.postgres.transaction import PostgresTransaction

T = TypeVar("T")

READ_BATCH: Final = 16
BEGIN_READ: Final = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class Readers:
    """Reader threads serving `pending`; `new_tx` opens a connection for one."""

    def __init__(self, new_tx: Callable[[], PostgresTransaction]) -> None:
        self._new_tx = new_tx
        self.pending: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._local = threading.local()
        self._conns: list[psycopg.Connection] = []
        self._conns_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self._loop = loop
        for i in range(count):
            t = threading.Thread(target=self._run, name=f"taskqueue-pg-read-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def connected(self) -> int:
        """How many reader connections are open now."""
        with self._conns_lock:
            return sum(1 for c in self._conns if not c.closed and not c.broken)

    def signal_stop(self) -> None:
        """Queues a stop sign per thread, behind the reads already queued."""
        for _ in self._threads:
            self.pending.put(work_queue.STOP)

    def join_and_close(self) -> None:
        for t in self._threads:
            t.join()
        with self._conns_lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def read_here(self, op: Callable[[Snapshot], T]) -> T:
        """Runs `op` on this thread's own connection, in one read-only transaction."""
        try:
            tx = self._begin()
            try:
                return op(tx)
            finally:
                with contextlib.suppress(psycopg.Error):
                    tx.conn.execute("ROLLBACK")
        except psycopg.Error as exc:
            self._forget()
            raise failures.storage_error(exc) from None

    def _begin(self) -> PostgresTransaction:
        tx = self._own()
        try:
            tx.conn.execute(BEGIN_READ)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            self._forget()
            tx = self._own()
            tx.conn.execute(BEGIN_READ)
        return tx

    def _own(self) -> PostgresTransaction:
        tx: PostgresTransaction | None = getattr(self._local, "tx", None)
        if tx is not None and (tx.conn.closed or tx.conn.broken):
            self._forget()
            tx = None
        if tx is None:
            tx = self._local.tx = self._new_tx()
            with self._conns_lock:
                self._conns.append(tx.conn)
        return tx

    def _forget(self) -> None:
        tx: PostgresTransaction | None = getattr(self._local, "tx", None)
        if tx is None:
            return
        self._local.tx = None
        with self._conns_lock:
            if tx.conn in self._conns:
                self._conns.remove(tx.conn)
        with contextlib.suppress(psycopg.Error):
            tx.conn.close()

    def _run(self) -> None:
        while True:
            batch, stop = work_queue.take(self.pending, READ_BATCH)
            if batch:
                self._read_batch(batch)
            if stop:
                return

    def _answer(self, answers: list[work_queue.Answer]) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(work_queue.settle, answers)

    def _read_batch(self, batch: list[work_queue.Pending]) -> None:
        done = 0
        try:
            tx = self._begin()
            try:
                for op, fut in batch:
                    done += 1
                    try:
                        answer: work_queue.Answer = (fut, True, op(tx))
                    except (psycopg.OperationalError, psycopg.InterfaceError):
                        raise
                    except BaseException as exc:
                        answer = (fut, False, failures.failure(exc))
                        if isinstance(exc, psycopg.Error):  # the transaction is aborted
                            tx.conn.execute("ROLLBACK")
                            tx.conn.execute(BEGIN_READ)
                    self._answer([answer])
            finally:
                with contextlib.suppress(psycopg.Error):
                    tx.conn.execute("ROLLBACK")
        except (psycopg.Error, errors.TaskQueueError) as exc:
            self._forget()
            failure = exc if isinstance(exc, errors.TaskQueueError) else failures.storage_error(exc)
            self._answer([(fut, False, failure) for _op, fut in batch[max(done - 1, 0) :]])
