"""Fixtures of the store contract suite: every test runs once per adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from contract.adapters import ADAPTERS, new_store, opened
from contract.harness import Harness
from taskqueue_server.store.port import Store


@pytest.fixture(params=ADAPTERS)
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(adapter: str, request: pytest.FixtureRequest) -> Callable[[Path], Store]:
    """Unopened stores of the adapter under test (the same `where`, the same data)."""
    url = request.getfixturevalue("postgres_url") if adapter == "postgres" else ""
    return lambda where: new_store(adapter, where, url)


@pytest.fixture
async def h(make_store: Callable[[Path], Store], tmp_path: Path) -> AsyncIterator[Harness]:
    """A fresh, opened store of the adapter under test, and helpers to drive it."""
    async with opened(make_store(tmp_path)) as store:
        harness = Harness(store)
        await harness.start()
        yield harness
