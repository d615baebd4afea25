from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import postgres_cluster as postgres_cluster_module
import pytest
from support import Running, running_server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


STORES = ("sqlite", "postgres")


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store under test: every test that takes `tq` runs on each."""
    return str(request.param)


@pytest.fixture
async def tq(tmp_path: Path, store: str, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    """A real server on 127.0.0.1:0 with a fresh database of `store`, and a stub to it."""
    url = request.getfixturevalue("postgres_url") if store == "postgres" else ""
    async with running_server(tmp_path / "taskqueue.db", postgres=url) as running:
        yield running


@pytest.fixture
async def tq_sqlite(tmp_path: Path) -> AsyncIterator[Running]:
    """A real server on a fresh SQLite file: for tests of the SQLite adapter's own ways
    (its file, its WAL, its writer thread)."""
    async with running_server(tmp_path / "taskqueue.db") as running:
        yield running


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[tuple[Path, str]]:
    """A throwaway PostgreSQL for the session (postgres_cluster.py), started on first use:
    its directory and URL. fsync is off (functional tests; the benchmark keeps it on)."""
    directory = Path(tempfile.mkdtemp(prefix="tq-pg-"))
    try:
        url = postgres_cluster_module.start(directory, fsync=False)
        yield directory, url
    finally:
        postgres_cluster_module.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: tuple[Path, str]) -> str:
    return postgres_cluster[1]
