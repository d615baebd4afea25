"""Wake-ups between servers sharing one schema: PostgreSQL LISTEN/NOTIFY.

A writer's transaction that made tasks claimable (new tasks, tasks back to waiting, due
tasks promoted) sends one NOTIFY on the schema's channel before it commits, with this
server's id as the payload: PostgreSQL delivers it at commit, and coalesces identical
notifications of one transaction into one. Every server LISTENs on a connection of its own
(a thread); a notification from another server wakes that server's parked watchers, which
try a claim. Its own notifications it ignores (its watchers heard of the change already).
A connection lost while listening is replaced; as notifications sent meanwhile are lost,
the watchers are woken once it is back.

A NOTIFY is not free (commits that notify queue on one lock, and every listener is
signalled), so a server sends them only while another server listens on the channel: its
listening thread counts the listening sessions (by their application_name) every
COUNT_EVERY_S. A server that just started may so miss the creates of its first seconds;
its watchers' first claims and the safety-net retry (queue/streams.py) cover that.

The same connection elects the leader, the one server that runs the clocks (lease reaper,
due promotion, scheduled backups): it holds the schema's session advisory lock. Another
server tries for it every COUNT_EVERY_S; when the leader's connection ends (it died, or its
database connection broke) the lock is free and another takes it within that.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Final

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

COUNT_EVERY_S: Final = 2.0
"""How often the listening thread counts the servers listening and tries for the lead."""
POLL_S: Final = 0.5
"""How often the listening thread looks whether it should stop."""
RETRY_S: Final = 1.0


def channel_of(schema: str) -> str:
    """The schema's channel: an identifier of its own, short enough for any schema name."""
    return "taskqueue_" + hashlib.sha256(schema.encode()).hexdigest()[:20]


class Listener:
    """This server's id (the payload of its notifications) and its listening thread."""

    def __init__(self, schema: str, connect: Callable[[], psycopg.Connection]) -> None:
        self.channel = channel_of(schema)
        self.server_id = uuid.uuid4().hex
        self._connect = connect
        self._wake: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.others = False
        """Whether another server listens on the channel (as last counted)."""
        self.leader = False
        """Whether this server holds the schema's leader lock."""
        self._on_lead: Callable[[], None] | None = None
        self._counted_at = -COUNT_EVERY_S

    def notify_statement(self) -> tuple[sql.SQL, tuple[str, ...]]:
        return sql.SQL("SELECT pg_notify(%s, %s)"), (self.channel, self.server_id)

    @property
    def application_name(self) -> str:
        return f"taskqueue listen {self.channel}"

    def _count_others(self, conn: psycopg.Connection) -> None:
        """Refreshes `others`, and tries for the leader lock, at most every COUNT_EVERY_S."""
        now = time.monotonic()
        if now - self._counted_at < COUNT_EVERY_S:
            return
        self._counted_at = now
        if not self.leader:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s))", (f"leader {self.channel}",)
            ).fetchone()
            if row and row[0]:
                self.leader = True
                log.info("this server leads: it runs the lease reaper, due tasks, backups")
                if self._on_lead is not None and self._loop is not None:
                    with contextlib.suppress(RuntimeError):
                        self._loop.call_soon_threadsafe(self._on_lead)
        with contextlib.suppress(psycopg.Error):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND datname = current_database()",
                (self.application_name,),
            ).fetchone()
            listening = int(row[0]) if row else 0
            self.others = listening > 1  # this server's own session is one

    def start(
        self, loop: asyncio.AbstractEventLoop, wake: Callable[[], None], lead: Callable[[], None]
    ) -> None:
        """Calls `wake` on `loop` when another server made tasks claimable, `lead` when this
        server became the leader."""
        self._loop, self._wake, self._on_lead = loop, wake, lead
        self._thread = threading.Thread(target=self._run, name="taskqueue-pg-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _call_wake(self) -> None:
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed
                self._loop.call_soon_threadsafe(self._wake)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except Exception:  # StorageUnavailable: the probe reports it; try again
                self._stop.wait(RETRY_S)
                continue
            try:
                with conn:
                    conn.execute("SELECT set_config('application_name', %s, false)",
                                 (self.application_name,))  # fmt: skip
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    if not first:
                        self._call_wake()  # what was sent while we were away is lost
                    first = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S):
                            if note.payload != self.server_id:
                                self._call_wake()
                        self._count_others(conn)
            except psycopg.Error as exc:
                self.leader = False  # the lock went with the connection
                self._counted_at = -COUNT_EVERY_S
                log.warning("listening for other servers' changes: %s; again in %ss",
                            str(exc).strip().splitlines()[0], RETRY_S)  # fmt: skip
                self._stop.wait(RETRY_S)
