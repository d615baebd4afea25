"""Opening a PostgreSQL schema for taskqueue: created and migrated on first start, under an
advisory lock so two servers starting at once do not both migrate; a schema made by a newer
taskqueue is refused."""

from __future__ import annotations

import secrets
from typing import Final

import psycopg
from psycopg import sql

from taskqueue_server import errors
from taskqueue_server.store.postgres.schema import MIGRATIONS, SCHEMA_VERSION

_LOCK_KEY: Final = "taskqueue migrations"
_VERSION_TABLE: Final = "schema_version"


def migrate(conn: psycopg.Connection, schema: str, *, upto: int = SCHEMA_VERSION) -> int:
    """Creates or migrates `schema` (in one transaction), to version `upto` (a restore stops
    at its backup's); returns its version."""
    name = sql.Identifier(schema)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{_LOCK_KEY}:{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} (version INTEGER NOT NULL, applied BIGINT"
                " NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint)"
            ).format(name, sql.Identifier(_VERSION_TABLE))
        )
        row = conn.execute(
            sql.SQL("SELECT coalesce(max(version), 0) FROM {}.{}").format(
                name, sql.Identifier(_VERSION_TABLE)
            )
        ).fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise errors.StorageUnavailable(
                f"the schema {schema!r} is at version {version}, made by a newer taskqueue;"
                f" this one knows versions up to {SCHEMA_VERSION}: upgrade taskqueue",
                reason="SCHEMA_TOO_NEW",
                metadata={"schema_version": str(version)},
            )
        for number in range(version + 1, upto + 1):
            conn.execute(MIGRATIONS[number - 1].replace("{schema}", name.as_string(conn)))
            if number == 1:
                conn.execute(
                    sql.SQL("INSERT INTO {}.meta (key, value) VALUES (%s, %s), (%s, %s)").format(
                        name
                    ),
                    (
                        "page_token_key",
                        secrets.token_bytes(32),
                        "task_id_key",
                        secrets.token_bytes(16),
                    ),
                )
            if number == 2:  # task keys go on after the largest one stored
                conn.execute(
                    sql.SQL(
                        "SELECT setval({}::regclass, (SELECT coalesce(max(id_key), 0) + 1"
                        " FROM {}.tasks), false)"
                    ).format(sql.Literal(f"{name.as_string(conn)}.task_key_blocks"), name)
                )
            conn.execute(
                sql.SQL("INSERT INTO {}.{} (version) VALUES (%s)").format(
                    name, sql.Identifier(_VERSION_TABLE)
                ),
                (number,),
            )
    return max(version, upto)
