"""Which store a server opens (the composition root's one choice of adapter): PostgreSQL
for a `postgresql://` URL, else an SQLite file; and where its backups go by default."""

from __future__ import annotations

import os
from collections.abc import Callable

from taskqueue_server.config import Settings
from taskqueue_server.store.port import Store
from taskqueue_server.store.postgres import urls
from taskqueue_server.store.postgres.database import PostgresDatabase
from taskqueue_server.store.sqlite.database import Database


def new_store(settings: Settings, *, on_batch: Callable[[int], None]) -> Store:
    """The store `--db` names: PostgreSQL for a postgresql:// URL, else an SQLite file."""
    if urls.is_postgres(settings.db):
        return PostgresDatabase(
            settings.db,
            schema=settings.db_schema,
            password_file=settings.db_password_file,
            on_batch=on_batch,
        )
    return Database(
        settings.db,
        synchronous=settings.synchronous,
        busy_timeout_ms=settings.busy_timeout_us // 1000,
        on_batch=on_batch,
    )


def backup_directory(settings: Settings) -> str:
    """--backup-dir, else `backups/` beside the SQLite file (in the working directory on
    PostgreSQL: there is no file to put them beside)."""
    if settings.backup_dir:
        return settings.backup_dir
    if urls.is_postgres(settings.db):
        return os.path.abspath("backups")
    return os.path.join(os.path.dirname(os.path.abspath(settings.db)), "backups")
