"""Fixtures of the store contract suite: every test runs once per adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from contract.adapters import ADAPTERS, new_store, opened
from contract.harness import Harness


@pytest.fixture(params=ADAPTERS)
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def h(adapter: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """A fresh, opened store of the adapter under test, and helpers to drive it."""
    async with opened(new_store(adapter, tmp_path)) as store:
        harness = Harness(store)
        await harness.start()
        yield harness
