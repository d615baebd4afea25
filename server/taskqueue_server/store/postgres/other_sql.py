"""The statements beside tasks in PostgreSQL: counts and figures for GetStats, config
revisions, API keys, the auth log and the meta values."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Final

import psycopg

from taskqueue_server.model import AuditEvent, Counts, StoredKey
from taskqueue_server.store.other_records import KEY_COLUMNS, counts_of, key_of
from taskqueue_server.store.port import ConfigRevision
from taskqueue_server.store.states import COMPLETED, WAITING, WORKING

BY_STATE_AND_PRIORITY: Final = (
    "SELECT state, priority, count(*) FROM tasks GROUP BY state, priority"
)
SCHEDULED: Final = f"SELECT count(*) FROM tasks WHERE state = {WAITING} AND due_time IS NOT NULL"
TRANSITIONS: Final = """
SELECT from_state, to_state, count(*) FROM task_events
WHERE time >= %(start)s AND time < %(end)s GROUP BY from_state, to_state"""
DURATIONS: Final = f"""
SELECT e.time, e.to_state, t.priority,
       CASE e.to_state WHEN {WORKING} THEN e.time - t.create_time ELSE e.time - t.start_time END
FROM task_events AS e JOIN tasks AS t ON t.seq = e.task_seq
WHERE e.time >= %(start)s AND e.time < %(end)s AND e.to_state IN ({WORKING}, {COMPLETED})
ORDER BY e.time"""


def meta_value(conn: psycopg.Connection, key: str) -> bytes:
    row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
    assert row is not None, f"the first migration stores {key}"
    return bytes(row[0])


def counts(conn: psycopg.Connection) -> Counts:
    row = conn.execute(SCHEDULED).fetchone()
    return counts_of(conn.execute(BY_STATE_AND_PRIORITY), int(row[0]) if row else 0)


def transitions(
    conn: psycopg.Connection, *, start: int, end: int
) -> list[tuple[int | None, int, int]]:
    rows = conn.execute(TRANSITIONS, {"start": start, "end": end})
    return [(f, int(t), int(n)) for f, t, n in rows]


def durations(
    conn: psycopg.Connection, *, start: int, end: int
) -> Iterator[tuple[int, int, int, int | None]]:
    """Streamed through a server-side cursor (a range may hold millions)."""
    with conn.cursor(name="durations") as cur:
        cur.execute(DURATIONS, {"start": start, "end": end})
        for t, k, p, d in cur:
            yield int(t), int(k), int(p), None if d is None else int(d)


def insert_config(
    conn: psycopg.Connection,
    *,
    now: int,
    actor: str,
    changes: dict[str, tuple[Any, Any]],
    settings: dict[str, Any],
) -> int:
    row = conn.execute(
        "INSERT INTO config_revisions (time, actor, changes, settings)"
        " VALUES (%s, %s, %s, %s) RETURNING revision",
        (now, actor, json.dumps(changes), json.dumps(settings)),
    ).fetchone()
    assert row is not None
    return int(row[0])


def latest_config(conn: psycopg.Connection) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(
        "SELECT revision, settings FROM config_revisions ORDER BY revision DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (int(row[0]), json.loads(row[1]))


def config_revisions(conn: psycopg.Connection, *, before: int, limit: int) -> list[ConfigRevision]:
    rows = conn.execute(
        "SELECT revision, time, actor, changes FROM config_revisions"
        " WHERE revision < %s ORDER BY revision DESC LIMIT %s",
        (before, limit),
    )
    return [
        ConfigRevision(
            revision=int(r),
            time=int(t),
            actor=a,
            changes={k: tuple(v) for k, v in json.loads(c).items()},
        )
        for r, t, a, c in rows
    ]


def keys_generation(conn: psycopg.Connection) -> int:
    """Creations plus revocations: keys are never deleted, so it only grows."""
    row = conn.execute("SELECT count(*) + count(revoke_time) FROM api_keys").fetchone()
    return int(row[0]) if row else 0


def insert_key(conn: psycopg.Connection, key: StoredKey) -> None:
    conn.execute(
        f"INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            key.key_id,
            key.name,
            key.role,
            key.salt,
            key.hash,
            key.create_time,
            key.expire_time,
            key.revoke_time,
        ),
    )


def active_key_named(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM api_keys WHERE name = %s AND revoke_time IS NULL", (name,)
    ).fetchone()
    return row is not None


def api_keys(conn: psycopg.Connection) -> list[StoredKey]:
    rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY create_time DESC, key_id")
    return [key_of(r) for r in rows]


def revoke_key(conn: psycopg.Connection, key: str, now: int) -> StoredKey | None:
    row = conn.execute(
        f"UPDATE api_keys SET revoke_time = %s WHERE revoke_time IS NULL"
        f" AND (key_id = %s OR name = %s) RETURNING {KEY_COLUMNS}",
        (now, key, key),
    ).fetchone()
    return None if row is None else key_of(row)


def append_audit(conn: psycopg.Connection, events: Iterable[AuditEvent], keep: int) -> None:
    rows = [(e.time, e.peer, e.principal, e.method, e.outcome, e.reason) for e in events]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO audit_events (time, peer, principal, method, outcome, reason)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
    conn.execute(
        "DELETE FROM audit_events WHERE seq <= (SELECT max(seq) FROM audit_events) - %s", (keep,)
    )


def audit_events(
    conn: psycopg.Connection, *, before: int, limit: int, principal: str, failures_only: bool
) -> list[AuditEvent]:
    clauses = ["seq < %(before)s"]
    if principal:
        clauses.append("principal = %(principal)s")
    if failures_only:
        clauses.append("outcome <> 'OK'")
    rows = conn.execute(
        "SELECT seq, time, peer, principal, method, outcome, reason FROM audit_events"
        f" WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT %(limit)s",
        {"before": before, "principal": principal, "limit": limit},
    )
    return [
        AuditEvent(seq=int(s), time=int(t), peer=p, principal=pr, method=m, outcome=o, reason=r)
        for s, t, p, pr, m, o, r in rows
    ]
