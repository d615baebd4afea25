"""Stored API keys and the auth log."""

from __future__ import annotations

from collections.abc import Iterable

import apsw

from taskqueue_server.model import AuditEvent, StoredKey
from taskqueue_server.store.other_records import KEY_COLUMNS, key_of


def keys_generation(conn: apsw.Connection) -> int:
    """Creations plus revocations: keys are never deleted, so it only grows."""
    row = conn.execute("SELECT count(*) + count(revoke_time) FROM api_keys").fetchone()
    return int(row[0]) if row else 0


def insert_key(conn: apsw.Connection, key: StoredKey) -> None:
    """Adds a key; apsw.ConstraintError when an active key has the same name."""
    conn.execute(
        f"INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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


def active_name_taken(conn: apsw.Connection, name: str) -> bool:
    """Whether a key that is not revoked has this name (one index lookup)."""
    row = conn.execute(
        "SELECT 1 FROM api_keys WHERE name = ? AND revoke_time IS NULL", (name,)
    ).fetchone()
    return row is not None


def all_keys(conn: apsw.Connection) -> list[StoredKey]:
    """Every key, newest first."""
    rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY create_time DESC, key_id")
    return [key_of(r) for r in rows]


def revoke_key(conn: apsw.Connection, key: str, now: int) -> StoredKey | None:
    """Revokes the active key with this id or name; None when there is none."""
    row = conn.execute(
        f"UPDATE api_keys SET revoke_time = ? WHERE revoke_time IS NULL"
        f" AND (key_id = ? OR name = ?) RETURNING {KEY_COLUMNS}",
        (now, key, key),
    ).fetchone()
    return None if row is None else key_of(row)


def append_events(conn: apsw.Connection, events: Iterable[AuditEvent], keep: int) -> None:
    """Appends auth-log entries and drops all but the newest `keep`."""
    conn.executemany(
        "INSERT INTO audit_events (time, peer, principal, method, outcome, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(e.time, e.peer, e.principal, e.method, e.outcome, e.reason) for e in events],
    )
    conn.execute(
        "DELETE FROM audit_events WHERE seq <= (SELECT max(seq) FROM audit_events) - ?", (keep,)
    )


def page_events(
    conn: apsw.Connection, *, before: int, limit: int, principal: str, failures_only: bool
) -> list[AuditEvent]:
    """Entries with seq < before, newest first."""
    clauses = ["seq < :before"]
    if principal:
        clauses.append("principal = :principal")
    if failures_only:
        clauses.append("outcome <> 'OK'")
    rows = conn.execute(
        "SELECT seq, time, peer, principal, method, outcome, reason FROM audit_events"
        f" WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT :limit",
        {"before": before, "principal": principal, "limit": limit},
    )
    return [
        AuditEvent(seq=s, time=t, peer=p, principal=pr, method=m, outcome=o, reason=r)
        for s, t, p, pr, m, o, r in rows
    ]
