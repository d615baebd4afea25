"""Stored configuration revisions."""

from __future__ import annotations

import json
from typing import Any, Final

import apsw

from taskqueue_server.store.port import ConfigRevision

INSERT: Final = "INSERT INTO config_revisions (time, actor, changes, settings) VALUES (?, ?, ?, ?)"
LATEST: Final = "SELECT revision, settings FROM config_revisions ORDER BY revision DESC LIMIT 1"
PAGE: Final = """
SELECT revision, time, actor, changes FROM config_revisions
WHERE revision < :before ORDER BY revision DESC LIMIT :limit
"""


def insert(
    conn: apsw.Connection,
    *,
    now: int,
    actor: str,
    changes: dict[str, tuple[Any, Any]],
    settings: dict[str, Any],
) -> int:
    conn.execute(INSERT, (now, actor, json.dumps(changes), json.dumps(settings)))
    return int(conn.last_insert_rowid())


def latest(conn: apsw.Connection) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(LATEST).fetchone()
    return None if row is None else (int(row[0]), json.loads(row[1]))


def page(conn: apsw.Connection, *, before: int, limit: int) -> list[ConfigRevision]:
    return [
        ConfigRevision(
            revision=r, time=t, actor=a, changes={k: tuple(v) for k, v in json.loads(c).items()}
        )
        for r, t, a, c in conn.execute(PAGE, {"before": before, "limit": limit})
    ]


def stored_revision(db_path: str) -> tuple[int, dict[str, Any]] | None:
    """The latest revision in a database file, read only; None when there is none (or no
    readable database)."""
    import os

    if not os.path.exists(db_path):
        return None
    try:
        conn = apsw.Connection(db_path, flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error:
        return None
    try:
        return latest(conn)
    except apsw.Error:
        return None
    finally:
        conn.close()
