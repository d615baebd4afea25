"""The WAL stays bounded under steady reads and writes: once the readers that pinned old
snapshots are gone, the writer truncates the log (SQLite alone never shrinks the file)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import apsw
import pytest
from support import create_request, running_server
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store import db as store_db

pytestmark = pytest.mark.anyio


async def test_wal_is_truncated_once_old_readers_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "WAL_LIMIT_BYTES", 1 << 20)
    monkeypatch.setattr(store_db, "WAL_RETRY_S", 0.0)
    path = tmp_path / "wal.db"
    batch = pb.BatchCreateTasksRequest(requests=[create_request(prompt="p" * 4000)] * 100)
    async with running_server(path) as tq:
        await tq.stub.CreateTask(create_request())
        reader = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM tasks").fetchall()  # a long read: old snapshot
        for _ in range(15):
            await tq.stub.BatchCreateTasks(batch)
        pinned = os.path.getsize(f"{path}-wal")
        assert pinned > 4 << 20, "the old snapshot kept the WAL from being checkpointed"
        reader.execute("COMMIT")
        reader.close()
        for _ in range(3):
            await tq.stub.BatchCreateTasks(batch)
        assert os.path.getsize(f"{path}-wal") < 2 << 20, "the WAL was truncated"


async def test_checkpoints_copy_the_wal_into_the_database_while_it_runs(tmp_path: Path) -> None:
    """The writer leaves checkpoints to their own thread: written pages still reach the
    database file while the server runs, and the WAL is reused instead of growing."""
    path = tmp_path / "ckpt.db"
    batch = pb.BatchCreateTasksRequest(requests=[create_request(prompt="p" * 4000)] * 100)
    async with running_server(path) as tq:
        for _ in range(12):  # ~5 MB of prompts, > CHECKPOINT_PAGES pages
            await tq.stub.BatchCreateTasks(batch)
        deadline = asyncio.get_running_loop().time() + 20
        while os.path.getsize(path) < 4 << 20:
            assert asyncio.get_running_loop().time() < deadline, "no checkpoint ran"
            await tq.stub.CreateTask(create_request())  # each commit may ask for one
        wal_after_first = os.path.getsize(f"{path}-wal")
        for _ in range(12):
            await tq.stub.BatchCreateTasks(batch)
        assert os.path.getsize(f"{path}-wal") <= wal_after_first + (2 << 20), (
            "the WAL kept growing: it was not restarted after checkpoints"
        )
