"""Wake-ups between servers sharing one schema: PostgreSQL LISTEN/NOTIFY.

A writer's transaction that made tasks claimable (new tasks, tasks back to waiting, due
tasks promoted) sends one NOTIFY on the schema's channel before it commits, with this
server's id as the payload: PostgreSQL delivers it at commit, and coalesces identical
notifications of one transaction into one. Every server LISTENs on a connection of its own
(a thread); a notification from another server wakes that server's parked watchers, which
try a claim. Its own notifications it ignores (its watchers heard of the change already).
A connection lost while listening is replaced; as notifications sent meanwhile are lost,
the watchers are woken once it is back. A transaction that changed the settings sends
"<id> config" or "<id> keys" (the `keys` admin command too), followed by `follow`'s callers;
a server that reloaded its keys says so in its heartbeat and sends "<id> seen".

A NOTIFY is not free (commits that notify queue on one lock, and every listener is
signalled), so a server sends task wake-ups only while another server listens on the
channel: its listening thread counts the listening sessions (by their application_name)
every COUNT_EVERY_S. A server that just started may so miss the creates of its first
seconds; its watchers' first claims and the safety-net retry (queue/streams.py) cover that.

The same connection beats this server's row in the servers table (store/postgres/
heartbeats.py), only while the event loop answers, and elects the leader, the one server
that runs the clocks (lease reaper, due promotion, scheduled backups): it holds the schema's
session advisory lock. Another server tries for it at every beat; when the leader's
connection ends (it died, or its database connection broke) the lock is free and another
takes it at its next beat. A leader that froze (SIGSTOP, a paused VM) keeps its session and
its lock, but not its heartbeat: after STALE_S another server ends that session.
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

from taskqueue_server.store.postgres import heartbeats

log = logging.getLogger(__name__)

COUNT_EVERY_S: Final = 2.0
"""How often the listening thread counts the servers listening."""
POLL_S: Final = 0.1
"""How often the listening thread looks whether it should stop, or beat at once."""
RETRY_S: Final = 1.0


def channel_of(schema: str) -> str:
    """The schema's channel: an identifier of its own, short enough for any schema name."""
    return "taskqueue_" + hashlib.sha256(schema.encode()).hexdigest()[:20]


def notification(schema: str, sender: str, kind: str) -> tuple[sql.SQL, tuple[str, ...]]:
    """The statement that tells the servers on `schema` of a change of `kind`."""
    return sql.SQL("SELECT pg_notify(%s, %s)"), (channel_of(schema), f"{sender} {kind}")


class Listener:
    """This server's id (the payload of its notifications) and its listening thread."""

    def __init__(self, schema: str, connect: Callable[[], psycopg.Connection]) -> None:
        self.channel = channel_of(schema)
        self.server_id = uuid.uuid4().hex
        self.me: heartbeats.Me | None = None
        """What this server's heartbeat says (none is beaten before it is known)."""
        self._connect = connect
        self._wake: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._followers: dict[str, tuple[Callable[[], None], ...]] = {}
        self.others = False
        """Whether another server listens on the channel (as last counted)."""
        self.leader = False
        """Whether this server holds the schema's leader lock."""
        self.keys_seen = 0
        """The count of key changes whose keys this server has loaded."""
        self._on_lead: Callable[[], None] | None = None
        self._counted_at = -COUNT_EVERY_S
        self._beaten_at = -heartbeats.BEAT_S
        self._beat_now = False
        self._ticked = time.monotonic()
        self._may_end_sessions = True
        self._listening = threading.Event()

    def notify_statement(self, kind: str = "") -> tuple[sql.SQL, tuple[str, ...]]:
        """The NOTIFY of a change of `kind` ("" for tasks made claimable)."""
        payload = f"{self.server_id} {kind}" if kind else self.server_id
        return sql.SQL("SELECT pg_notify(%s, %s)"), (self.channel, payload)

    @property
    def application_name(self) -> str:
        return f"taskqueue listen {self.channel}"

    def follow(self, kind: str, call: Callable[[], None]) -> None:
        self._followers[kind] = (*self._followers.get(kind, ()), call)

    def acknowledge_keys(self, generation: int) -> None:
        """Beats at once with `keys_seen` = `generation` (and says so: "<id> seen")."""
        self.keys_seen = max(self.keys_seen, generation)
        self._beat_now = True

    def start(self, loop: asyncio.AbstractEventLoop, *, wait_s: float) -> None:
        """Runs the listening thread, and waits (up to `wait_s`) until it listens: what is
        changed once this returns is heard (blocking: the store's open)."""
        self._loop = loop
        self._ticked = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="taskqueue-pg-listen", daemon=True)
        self._thread.start()
        self._listening.wait(wait_s)

    def watch(self, wake: Callable[[], None], lead: Callable[[], None]) -> None:
        """Calls `wake` on the loop when another server made tasks claimable, `lead` when
        this server became the leader (at once if it already leads)."""
        self._wake, self._on_lead = wake, lead
        if self.leader:
            self._call(lead)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _call(self, call: Callable[[], None] | None) -> None:
        if self._loop is not None and call is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed
                self._loop.call_soon_threadsafe(call)

    def _tick(self) -> None:
        self._ticked = time.monotonic()

    def _heard(self, payload: str) -> None:
        sender, _, kind = payload.partition(" ")
        if sender == self.server_id:
            return
        if not kind:
            self._call(self._wake)
        for call in self._followers.get(kind, ()):
            self._call(call)

    def _beat(self, conn: psycopg.Connection) -> None:
        """Every BEAT_S (or at once when asked): tries for the lead, ends a frozen leader's
        session, beats this server's row while the event loop answers, and counts the
        listening servers every COUNT_EVERY_S."""
        now = time.monotonic()
        if not self._beat_now and now - self._beaten_at < heartbeats.BEAT_S:
            return
        told, self._beat_now, self._beaten_at = self._beat_now, False, now
        self._call(self._tick)
        if not self.leader:
            self._try_lead(conn)
        me = self.me
        if me is not None and now - self._ticked < heartbeats.STALE_S / 2:
            heartbeats.beat(conn, me, leader=self.leader, keys_seen=self.keys_seen)
            if told:
                conn.execute(*self.notify_statement("seen"))
        if me is not None and self.leader:
            heartbeats.forget_old(conn)
        if now - self._counted_at >= COUNT_EVERY_S:
            self._counted_at = now
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND datname = current_database()",
                (self.application_name,),
            ).fetchone()
            self.others = (int(row[0]) if row else 0) > 1  # this server's own session is one

    def _try_lead(self, conn: psycopg.Connection) -> None:
        row = conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", (f"leader {self.channel}",)
        ).fetchone()
        if row and row[0]:
            self.leader = True
            log.info("this server leads: it runs the lease reaper, due tasks, backups")
            self._call(self._on_lead)
            return
        if self.me is None or not self._may_end_sessions:
            return
        try:
            ended = heartbeats.end_frozen_leader(conn, self.me, self.application_name)
        except psycopg.errors.InsufficientPrivilege as exc:
            self._may_end_sessions = False
            log.warning("the leader may freeze unnoticed: this role may not end its session"
                        " (%s)", str(exc).strip().splitlines()[0])  # fmt: skip
            return
        if ended is not None:
            log.warning(
                "the leader (server %s) was not seen for %ss: its session was ended; a live"
                " server takes the lead",
                ended,
                heartbeats.STALE_S,
            )

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
                    conn.execute("SET synchronous_commit TO off")  # heartbeats need no flush
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._listening.set()
                    if not first:  # what was sent while we were away is lost: look again
                        self._call(self._wake)
                        for calls in self._followers.values():
                            for call in calls:
                                self._call(call)
                    first = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S):
                            self._heard(note.payload)
                        self._beat(conn)
                    if self.me is not None:
                        heartbeats.leave(conn, self.me)
            except psycopg.Error as exc:
                self.leader = False  # the lock went with the connection
                self._counted_at = -COUNT_EVERY_S
                log.warning("listening for other servers' changes: %s; again in %ss",
                            str(exc).strip().splitlines()[0], RETRY_S)  # fmt: skip
                self._stop.wait(RETRY_S)
