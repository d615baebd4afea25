"""A writer of the PostgreSQL store: a thread with its own connection and queue, running
every operation pending in one transaction (group commit).

When one operation fails, the transaction is rolled back and the batch runs again with a
SAVEPOINT per operation, so the failing one is undone alone. One commit (a WAL flush,
`synchronous_commit` on) serves the batch. A lost connection fails the batch it broke with
UNAVAILABLE; the next batch opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, Final

import psycopg
from psycopg import sql

from taskqueue_server import errors
from taskqueue_server.store import work_queue
from taskqueue_server.store.postgres import failures
from taskqueue_server.store.postgres.transaction import PostgresTransaction

MAX_BATCH: Final = 512


class Writer:
    """One writer thread.

    Args:
        name: the thread's name.
        new_tx: a transaction object on a new connection (the writer's).
        between: called between batches with the writer's connection (housekeeping).
        on_batch: told the size of each batch.
        notify: the statement (and its parameters) for a notification of a kind ("" for
            tasks), run before the commit of a batch: tasks when it made some claimable
            (`PostgresTransaction.announce`) while `notify_now()` says another server
            listens (their wake-up); "config" or "keys" when it changed them
            (`PostgresTransaction.tell`), always.
    """

    def __init__(
        self,
        name: str,
        new_tx: Callable[[], PostgresTransaction],
        *,
        between: Callable[[psycopg.Connection], None] | None = None,
        on_batch: Callable[[int], None] | None = None,
        notify: Callable[[str], tuple[sql.SQL, tuple[str, ...]]] | None = None,
        notify_now: Callable[[], bool] = lambda: True,
    ) -> None:
        self.pending: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.last_batch_size = 0
        self._name = name
        self._new_tx = new_tx
        self._between = between
        self._on_batch = on_batch
        self._notify = notify
        self._notify_now = notify_now
        self._tx: PostgresTransaction | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        return self._tx is not None and not self._tx.conn.closed and not self._tx.conn.broken

    def start(self, loop: asyncio.AbstractEventLoop, tx: PostgresTransaction | None) -> None:
        """Runs the thread; `tx` is a first connection's (or None: one is made when needed)."""
        self._loop = loop
        self._tx = tx
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Queues the stop sign behind what is pending; joins the thread; closes."""
        if self._thread is not None:
            self.pending.put(work_queue.STOP)
            self._thread.join()
        if self._tx is not None:
            self._tx.conn.close()
            self._tx = None

    def _answer(self, answers: list[work_queue.Answer]) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(work_queue.settle, answers)

    def _run(self) -> None:
        while True:
            batch, stop = work_queue.take(self.pending, MAX_BATCH)
            if batch:
                outcomes = self._run_batch(batch)
                self.last_batch_size = len(batch)
                if self._on_batch is not None:
                    self._on_batch(len(batch))
                pairs = zip(batch, outcomes, strict=True)
                self._answer([(fut, ok, value) for (_op, fut), (ok, value) in pairs])
                if self._between is not None and self._tx is not None and self.connected:
                    self._between(self._tx.conn)
            if stop:
                return

    def _writer_tx(self) -> PostgresTransaction:
        """The writer's transaction object, on a new connection when the last one broke."""
        tx = self._tx
        if tx is None or tx.conn.closed or tx.conn.broken:
            if tx is not None:
                with contextlib.suppress(psycopg.Error):
                    tx.conn.close()
            self._tx = None
            tx = self._tx = self._new_tx()
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
        tx.announce = False
        tx.tell.clear()
        try:
            outcomes = self._pipelined(tx, batch)
            if outcomes is None:
                conn.execute("BEGIN")
                tx.announce = False
                tx.tell.clear()
                outcomes = self._guarded(tx, batch)
                self._announce(tx)
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
                self._announce(tx)
                conn.execute("COMMIT")
        except (psycopg.OperationalError, psycopg.InterfaceError):
            raise  # the connection itself failed: the whole batch fails
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            return None
        return outcomes

    def _announce(self, tx: PostgresTransaction) -> None:
        """The NOTIFY of a transaction that made tasks claimable (one, whatever it did), and
        one for each kind of setting it changed."""
        if self._notify is None:
            return
        kinds = sorted(tx.tell)
        if tx.announce and self._notify_now():
            kinds.append("")
        for kind in kinds:
            statement, params = self._notify(kind)
            tx.conn.execute(statement, params)

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
