"""Changing a database file from another process than the server (the admin commands)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from taskqueue_server.store.port import Transaction
from taskqueue_server.store.sqlite.connections import (
    APPLICATION_ID,
    check_identity,
    open_connection,
)
from taskqueue_server.store.sqlite.migrations import migrate
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

T = TypeVar("T")


def run_offline(path: str, op: Callable[[Transaction], T]) -> T:
    """Runs `op` in one immediate transaction on a database file from another process than
    the server (which may be running: WAL and the busy timeout let both write). Creates and
    migrates the file when needed; refuses a file that is not taskqueue's."""
    check_identity(path)
    conn = open_connection(path)
    try:
        migrate(conn)
        conn.pragma("application_id", APPLICATION_ID)
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = op(SqliteTransaction(conn))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result
    finally:
        conn.close()
