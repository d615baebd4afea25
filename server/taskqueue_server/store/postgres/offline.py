"""One transaction on a PostgreSQL taskqueue schema from another process than the server
(the `keys` admin commands): the schema is made or migrated first, as the server would."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import psycopg

from taskqueue_server.store.port import Transaction
from taskqueue_server.store.postgres import failures
from taskqueue_server.store.postgres.database import PostgresDatabase
from taskqueue_server.store.postgres.listener import notification
from taskqueue_server.store.postgres.migrations import migrate
from taskqueue_server.store.postgres.transaction import PostgresTransaction
from taskqueue_server.task_ids import TaskIds

T = TypeVar("T")


def run_offline(
    url: str, op: Callable[[Transaction], T], *, schema: str = "taskqueue", password_file: str = ""
) -> T:
    """Runs `op` in one transaction on the schema, and commits it."""
    store = PostgresDatabase(url, schema=schema, password_file=password_file)
    conn = store.connect()
    try:
        try:
            migrate(conn, schema)
            row = conn.execute("SELECT value FROM meta WHERE key = 'task_id_key'").fetchone()
            assert row is not None
            with conn.transaction():
                tx = PostgresTransaction(conn, TaskIds(bytes(row[0])), writer=True)
                done = op(tx)
                for kind in sorted(tx.tell):  # the servers on the schema reload it
                    conn.execute(*notification(schema, "command", kind))
                return done
        except psycopg.Error as exc:
            raise failures.storage_error(exc) from None
    finally:
        conn.close()
