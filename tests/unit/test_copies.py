"""Copies of a live database (what backups are made of), taken by the writer between its
transactions: complete, consistent, and the WAL keeps restarting while they run."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import apsw
import pytest
from taskqueue_server.store import backup
from taskqueue_server.store import db as store_db
from taskqueue_server.store.db import Database

pytestmark = pytest.mark.anyio


def ids_in(path: str) -> set[str]:
    conn = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {r[0] for r in conn.execute("SELECT id FROM tasks")}
    finally:
        conn.close()


def insert(task_id: str, size: int):  # type: ignore[no-untyped-def]
    def op(conn: apsw.Connection) -> str:
        conn.execute(
            "INSERT INTO tasks (id, work_directory, prompt, priority, tags, state, create_time,"
            " update_time) VALUES (?, '/w', ?, 2, '[]', 1, 1, 1)",
            (task_id, "p" * size),
        )
        return task_id

    return op


async def test_a_copy_under_writes_has_every_acknowledged_write_and_the_wal_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One page a step, so the copy spans hundreds of the writer's transactions; the WAL is
    # restarted whenever it passes 256 KB, which a copy holding one snapshot would forbid.
    monkeypatch.setattr(store_db, "COPY_STEP_PAGES", 1)
    monkeypatch.setattr(store_db, "WAL_LIMIT_BYTES", 256 << 10)
    monkeypatch.setattr(store_db, "WAL_CHECK_S", 0.0)
    monkeypatch.setattr(store_db, "WAL_RETRY_S", 0.0)
    database = Database(str(tmp_path / "live.db"), synchronous="NORMAL")
    database.open(asyncio.get_running_loop())
    try:
        for i in range(400):
            await database.write(insert(f"before-{i}", 8000))
        wal = database.path + "-wal"
        target = str(tmp_path / "copy.db")
        copying = asyncio.ensure_future(asyncio.to_thread(database.copy_to, target))
        acknowledged: list[str] = []
        wal_sizes: list[int] = []
        while not copying.done():
            acknowledged.append(await database.write(insert(f"during-{len(acknowledged)}", 2000)))
            wal_sizes.append(os.path.getsize(wal))
        await copying
        in_copy = ids_in(target)
        assert {f"before-{i}" for i in range(400)} <= in_copy
        # One writer, one write a transaction: the copy, being of one moment, holds the
        # writes up to some point and none after it (the last few may have been
        # acknowledged after the copy ended, before the loop heard that it had).
        during = [task_id for task_id in acknowledged if task_id in in_copy]
        assert during == acknowledged[: len(during)], "the copy is not of one moment"
        assert len(during) > 200, "the copy did not run alongside the writes"
        assert max(wal_sizes) < 2 << 20, "the WAL grew while the copy ran"
        # The copy is of one moment: nothing written after it ended is in it.
        later = await database.write(insert("after", 10))
        assert later not in ids_in(target)
    finally:
        database.close()


async def test_a_copy_that_keeps_starting_over_is_taken_from_one_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Restarting(backup.SteppedCopy):
        def step(self, source: apsw.Connection, pages: int) -> bool:
            self.abandon(backup.CopyRestarted("the copy started over 3 steps in"))
            return True

    monkeypatch.setattr(backup, "SteppedCopy", Restarting)
    database = Database(str(tmp_path / "live.db"))
    database.open(asyncio.get_running_loop())
    try:
        written = [await database.write(insert(f"t-{i}", 100)) for i in range(50)]
        target = str(tmp_path / "copy.db")
        await asyncio.to_thread(database.copy_to, target)
        assert ids_in(target) == set(written)
    finally:
        database.close()


def test_a_stepped_copy_gives_up_when_another_connection_keeps_writing(tmp_path: Path) -> None:
    path = str(tmp_path / "live.db")
    source = store_db.open_connection(path)
    other = store_db.open_connection(path)
    source.execute("CREATE TABLE t (v BLOB)")
    with source:
        for _ in range(200):
            source.execute("INSERT INTO t VALUES (randomblob(4000))")
    copy = backup.SteppedCopy(str(tmp_path / "copy.db"), restarts=2)
    outcomes = []
    for _ in range(10):
        ended = copy.step(source, 20)
        outcomes.append(ended)
        if ended:
            break
        other.execute("INSERT INTO t VALUES (1)")  # another connection: SQLite starts over
    assert outcomes == [False, False, False, True]
    with pytest.raises(backup.CopyRestarted):
        copy.outcome.result()
    # The same copy with writes through its own source connection is kept up to date.
    copy = backup.SteppedCopy(str(tmp_path / "copy2.db"), restarts=0)
    while not copy.step(source, 20):
        source.execute("INSERT INTO t VALUES (2)")
    copy.outcome.result()
    rows = source.execute("SELECT count(*) FROM t").fetchone()
    check = apsw.Connection(str(tmp_path / "copy2.db"))
    assert check.execute("SELECT count(*) FROM t").fetchone() == rows
    check.close()
    source.close()
    other.close()
