"""The WAL stays bounded under steady reads and writes: once the readers that pinned old
snapshots are gone, the writer truncates the log (SQLite alone never shrinks the file)."""

from __future__ import annotations

import os
from pathlib import Path

import apsw
import pytest
from support import create_request, running_server
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store.sqlite import wal_bound

pytestmark = pytest.mark.anyio


async def test_wal_is_truncated_once_old_readers_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal_bound, "WAL_LIMIT_BYTES", 1 << 20)
    monkeypatch.setattr(wal_bound, "WAL_RETRY_S", 0.0)
    monkeypatch.setattr(wal_bound, "WAL_CHECK_S", 0.0)
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
