"""Schema migrations (numbered, `PRAGMA user_version`, one transaction) and the planner's
statistics."""

from __future__ import annotations

import logging

import apsw

from taskqueue_server import errors
from taskqueue_server.store.sqlite import id_keys, schema

log = logging.getLogger(__name__)


def refresh_statistics(conn: apsw.Connection) -> None:
    """Gives the query planner fresh index statistics, sampled so it stays fast (about
    0.1 s on a million tasks): without them SQLite guesses that every index is as selective
    as any other and may walk 100,000 waiting tasks to find one directory's."""
    conn.pragma("analysis_limit", 1000)
    conn.pragma("optimize", 0x10002)


def migrate(conn: apsw.Connection) -> int:
    """Brings the schema up to date in one transaction; returns the version it found.

    Foreign keys are off meanwhile, as SQLite's recipe for rebuilding a table asks (dropping
    the old table would otherwise delete its rows first), and checked before the commit.
    A migration that made the id secret lets task ids turn into keys on `conn` (store/sqlite/ids.py;
    `open_connection` did for a database migrated before).
    """
    conn.pragma("foreign_keys", False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = int(conn.pragma("user_version"))
        if found > schema.SCHEMA_VERSION:
            raise errors.StorageUnavailable(
                f"database schema version {found} is newer than this server"
                f" ({schema.SCHEMA_VERSION}); upgrade the server",
                reason="SCHEMA_TOO_NEW",
            )
        for version in range(found + 1, schema.SCHEMA_VERSION + 1):
            log.info("applying schema migration %d", version)
            conn.execute(schema.MIGRATIONS[version - 1])
            conn.pragma("user_version", version)
        if found < schema.SCHEMA_VERSION and conn.execute("PRAGMA foreign_key_check").fetchone():
            raise errors.StorageUnavailable(
                "the schema migration left rows that break a foreign key; nothing was changed",
                reason="MIGRATION_FAILED",
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.pragma("foreign_keys", True)
    if found < schema.SCHEMA_VERSION:
        id_keys.install(conn)
    return found
