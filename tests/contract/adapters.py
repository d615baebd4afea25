"""The store adapters the contract suite runs against, each opened fresh for a test.

A new adapter joins by adding its name to `ADAPTERS` and a branch to `opened`: every test
in this directory then runs against it, unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

from taskqueue_server.store.port import Store
from taskqueue_server.store.sqlite.database import Database

ADAPTERS: Final = ("sqlite",)


def new_store(adapter: str, where: Path) -> Store:
    """An unopened store of `adapter` whose data lives under `where` (a fresh directory)."""
    if adapter == "sqlite":
        return Database(str(where / "contract.db"))
    raise ValueError(f"no such adapter: {adapter}")


@contextlib.asynccontextmanager
async def opened(store: Store) -> AsyncIterator[Store]:
    """`store` opened (and migrated) for the running loop, closed afterwards."""
    await asyncio.to_thread(store.open, asyncio.get_running_loop())
    try:
        yield store
    finally:
        await asyncio.to_thread(store.close)
