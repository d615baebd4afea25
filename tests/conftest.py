from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support import Running, running_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def tq(tmp_path: Path) -> AsyncIterator[Running]:
    """A real server on 127.0.0.1:0 with a fresh database, and a stub to it."""
    async with running_server(tmp_path / "taskqueue.db") as running:
        yield running
