"""The servers table: one row per server sharing the schema, beaten every BEAT_S by its
listening session (store/postgres/listener.py), on the database's clock.

It is what GetServerStatus lists, how a server finds a leader that froze (its session still
holds the lock, its row is no longer beaten: the session is ended, and the lock with it),
and how a key revocation waits until every live server has reloaded its keys (`keys_seen`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import psycopg

from taskqueue_server.store.port import ServerRecord

BEAT_S: Final = 1.0
"""How often a server beats its row (and tries for the lead when it does not hold it)."""
STALE_S: Final = 4.0
"""A row not beaten for this long is a server that died or froze."""
FORGET_S: Final = 600
"""The leader deletes the rows of servers not seen for this long."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Me:
    """What a server says of itself in its row."""

    id: str
    address: str
    version: str
    start_time: int


_BEAT: Final = """
INSERT INTO servers (id, address, version, start_time, last_seen, leader, backend_pid, keys_seen)
VALUES (%(id)s, %(address)s, %(version)s, %(start)s, now(), %(leader)s, pg_backend_pid(),
        %(keys)s)
ON CONFLICT (id) DO UPDATE SET
  address = excluded.address, last_seen = excluded.last_seen, leader = excluded.leader,
  backend_pid = excluded.backend_pid, keys_seen = greatest(servers.keys_seen, excluded.keys_seen)
"""


def beat(conn: psycopg.Connection, me: Me, *, leader: bool, keys_seen: int) -> None:
    conn.execute(
        _BEAT,
        {
            "id": me.id,
            "address": me.address,
            "version": me.version,
            "start": me.start_time,
            "leader": leader,
            "keys": keys_seen,
        },
    )


def end_frozen_leader(conn: psycopg.Connection, me: Me, application_name: str) -> str | None:
    """Ends the session of a leader whose row is stale (its lock goes with it); its id, or
    None when the leader is alive (or there is none). Only a listening session of this
    schema is ended: a backend pid that was reused meanwhile is left alone."""
    row = conn.execute(
        "SELECT id, backend_pid FROM servers WHERE leader AND id <> %s"
        " AND last_seen < now() - make_interval(secs => %s)",
        (me.id, STALE_S),
    ).fetchone()
    if row is None:
        return None
    stale_id, pid = str(row[0]), int(row[1])
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = %s"
        " AND application_name = %s AND datname = current_database()",
        (pid, application_name),
    )
    conn.execute("UPDATE servers SET leader = false WHERE id = %s", (stale_id,))
    return stale_id


def forget_old(conn: psycopg.Connection) -> None:
    conn.execute(
        "DELETE FROM servers WHERE last_seen < now() - make_interval(secs => %s)", (FORGET_S,)
    )


def leave(conn: psycopg.Connection, me: Me) -> None:
    conn.execute("DELETE FROM servers WHERE id = %s", (me.id,))


def listed(conn: psycopg.Connection) -> list[ServerRecord]:
    """The servers seen in the last FORGET_S, oldest first."""
    rows = conn.execute(
        "SELECT id, address, version, start_time,"
        " (extract(epoch FROM last_seen) * 1e6)::bigint, leader,"
        " last_seen >= now() - make_interval(secs => %s)"
        " FROM servers WHERE last_seen >= now() - make_interval(secs => %s)"
        " ORDER BY start_time, id",
        (STALE_S, FORGET_S),
    ).fetchall()
    return [
        ServerRecord(
            id=r[0],
            address=r[1],
            version=r[2],
            start_time=int(r[3]),
            last_seen=int(r[4]),
            leader=bool(r[5]),
            live=bool(r[6]),
        )
        for r in rows
    ]


def behind_on_keys(conn: psycopg.Connection, me: Me, generation: int) -> list[str]:
    """The addresses of the live servers (other than this one) whose keys are older than
    `generation`."""
    rows = conn.execute(
        "SELECT address FROM servers WHERE id <> %s AND keys_seen < %s"
        " AND last_seen >= now() - make_interval(secs => %s) ORDER BY address",
        (me.id, generation, STALE_S),
    ).fetchall()
    return [str(r[0]) for r in rows]
