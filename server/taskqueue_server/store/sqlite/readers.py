"""The reader pool: a few threads, each with its own read-only connection.

A reader takes the reads pending, runs them in one read transaction (one WAL snapshot, newer
than every write acknowledged before they were asked) and hands each answer to the event
loop as soon as it has it. A thread pool's hop per read cost 15% of a GetTask's CPU. Other
threads (the event loop's, for quick reads; the metrics scrape's) read on a connection of
their own, opened on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, Final, TypeVar

import apsw

from taskqueue_server.store import work_queue
from taskqueue_server.store.port import Snapshot
from taskqueue_server.store.sqlite import failures
from taskqueue_server.store.sqlite.connections import open_connection
from taskqueue_server.store.sqlite.slow_reads import SlowReads
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

T = TypeVar("T")

READER_THREADS: Final = 2
READ_BATCH: Final = 16
"""Reads per reader transaction (they share its snapshot)."""


class Readers:
    """Reader threads serving `pending`, and each other thread's own read connection."""

    def __init__(
        self, path: str, synchronous: str, busy_timeout_ms: int, slow_reads: SlowReads
    ) -> None:
        self._path = path
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._slow_reads = slow_reads
        self.pending: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._local = threading.local()
        self._conns: list[apsw.Connection] = []
        self._conns_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self._loop = loop
        for i in range(count):
            thread = threading.Thread(target=self._run, name=f"taskqueue-read-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def signal_stop(self) -> None:
        """Queues a stop sign per thread, behind the reads already queued."""
        for _thread in self._threads:
            self.pending.put(work_queue.STOP)

    def join_and_close(self) -> None:
        for thread in self._threads:
            thread.join()
        with self._conns_lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def read_here(self, op: Callable[[Snapshot], T]) -> T:
        """Runs `op` on this thread's reader connection, blocking."""
        try:
            tx = self._own()
            read = self._slow_reads.begin((op,))
            try:
                with tx.conn:
                    value = op(tx)
            finally:
                self._slow_reads.end(read)
        except apsw.Error as exc:
            raise failures.storage_error(exc) from exc
        return value

    def _own(self) -> SqliteTransaction:
        """This thread's read-only connection, opened on first use."""
        tx: SqliteTransaction | None = getattr(self._local, "tx", None)
        if tx is None:
            conn = open_connection(self._path, self._synchronous, self._busy_timeout_ms)
            conn.pragma("query_only", True)
            tx = self._local.tx = SqliteTransaction(conn)
            with self._conns_lock:
                self._conns.append(conn)
        return tx

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
            tx = self._own()
            read = self._slow_reads.begin([op for op, _fut in batch])
            try:
                with tx.conn:
                    for op, fut in batch:
                        done += 1
                        try:
                            answer: work_queue.Answer = (fut, True, op(tx))
                        except BaseException as exc:
                            answer = (fut, False, failures.failure(exc))
                        self._answer([answer])
            finally:
                self._slow_reads.end(read)
        except apsw.Error as exc:  # opening the connection or the transaction failed
            failure = failures.storage_error(exc)
            self._answer([(fut, False, failure) for _op, fut in batch[done:]])
