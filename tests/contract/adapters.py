"""The store adapters the contract suite runs against, each opened fresh for a test.

A new adapter joins by adding its name to `ADAPTERS` and a branch to `new_store`: every test
in this directory then runs against it, unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

from taskqueue_server.store.port import Store
from taskqueue_server.store.postgres.database import PostgresDatabase
from taskqueue_server.store.sqlite.database import Database

ADAPTERS: Final = ("sqlite", "postgres")


def new_store(adapter: str, where: Path, postgres_url: str = "") -> Store:
    """An unopened store of `adapter` whose data lives under `where` (a fresh directory; on
    PostgreSQL a schema named after it, so that the same `where` opens the same data)."""
    if adapter == "sqlite":
        return Database(str(where / "contract.db"))
    if adapter == "postgres":
        schema = "t_" + hashlib.sha256(str(where).encode()).hexdigest()[:16]
        return PostgresDatabase(postgres_url, schema=schema)
    raise ValueError(f"no such adapter: {adapter}")


@contextlib.asynccontextmanager
async def opened(store: Store) -> AsyncIterator[Store]:
    """`store` opened (and migrated) for the running loop, closed afterwards."""
    await asyncio.to_thread(store.open, asyncio.get_running_loop())
    try:
        yield store
    finally:
        await asyncio.to_thread(store.close)
