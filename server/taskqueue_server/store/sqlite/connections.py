"""Opening a configured connection, and refusing a file that is not taskqueue's."""

from __future__ import annotations

import os
from typing import Final

import apsw
import apsw.bestpractice

from taskqueue_server import errors
from taskqueue_server.store.sqlite import id_keys


def configure(conn: apsw.Connection, synchronous: str, busy_timeout_ms: int = 5000) -> None:
    apsw.bestpractice.connection_busy_timeout(conn, busy_timeout_ms)
    apsw.bestpractice.connection_wal(conn)
    apsw.bestpractice.connection_enable_foreign_keys(conn)
    apsw.bestpractice.connection_dqs(conn)
    apsw.bestpractice.connection_recursive_triggers(conn)
    conn.pragma("synchronous", synchronous)


def open_connection(
    path: str, synchronous: str = "FULL", busy_timeout_ms: int = 5000
) -> apsw.Connection:
    """Opens one configured connection (WAL, foreign keys, busy timeout); on a migrated
    database its task ids turn into keys (store/sqlite/ids.py)."""
    conn = apsw.Connection(path)
    configure(conn, synchronous, busy_timeout_ms)
    id_keys.install(conn)
    return conn


APPLICATION_ID: Final = 0x54517565  # "TQue" in the SQLite header: this file is taskqueue's


def _refuse(path: str, problem: str, reason: str) -> errors.StorageUnavailable:
    return errors.StorageUnavailable(
        f"{path}: {problem}. The server will not use or change this file. Point --db at"
        " another file, or restore a backup of the queue into a new file"
        " (taskqueue-server restore BACKUP.db.gz --db NEW.db).",
        reason=reason,
        metadata={"path": path},
    )


def check_identity(path: str) -> None:
    """Refuses, without writing a byte, a file that is corrupt or another program's database.

    A missing or empty file is a new database; otherwise the header must carry taskqueue's
    application id, or (databases made before it was set) hold taskqueue's tables.
    """
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    try:
        conn = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error as exc:
        raise _refuse(path, f"cannot be opened ({exc})", "DATABASE_UNREADABLE") from exc
    try:
        app_id = int(conn.pragma("application_id"))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    except (apsw.NotADBError, apsw.CorruptError) as exc:
        raise _refuse(path, f"is corrupt or not a database ({exc})", "DATABASE_CORRUPT") from exc
    except apsw.Error as exc:
        raise _refuse(path, f"cannot be read ({exc})", "DATABASE_UNREADABLE") from exc
    finally:
        conn.close()
    if app_id not in (0, APPLICATION_ID):
        raise _refuse(path, f"belongs to another program (application id {app_id:#x})",
                      "NOT_A_TASKQUEUE_DATABASE")  # fmt: skip
    if app_id == 0 and tables and not {"tasks", "task_events"} <= tables:
        raise _refuse(path, f"is another program's database (tables: {', '.join(sorted(tables))})",
                      "NOT_A_TASKQUEUE_DATABASE")  # fmt: skip
