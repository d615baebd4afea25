"""Copies of a live database (what backups are made of), taken by the writer between its
transactions: complete, consistent, and the WAL keeps restarting while they run."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import apsw
import pytest
from taskqueue_server.store.sqlite import copies as backup
from taskqueue_server.store.sqlite import database as store_db
from taskqueue_server.store.sqlite import wal_bound
from taskqueue_server.store.sqlite.database import Database
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio


def ids_in(path: str) -> set[str]:
    conn = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {r[0] for r in conn.execute("SELECT id FROM tasks")}
    finally:
        conn.close()


def insert(task_id: str, size: int):  # type: ignore[no-untyped-def]
    def op(tx: SqliteTransaction) -> str:
        conn = tx.conn
        conn.execute(
            "INSERT INTO tasks (id, work_directory, prompt, priority, tags, state, create_time,"
            " update_time) VALUES (?, '/w', ?, 2, '[]', 1, 1, 1)",
            (task_id, "p" * size),
        )
        return task_id

    return op


def rewrite(n: int, rows: int):  # type: ignore[no-untyped-def]
    """Write number `n`: row n % rows gets a new 16 KB prompt starting with n (the database
    keeps its size: the copy is not chasing a growing file)."""

    def op(tx: SqliteTransaction) -> int:
        conn = tx.conn
        conn.execute(
            "UPDATE tasks SET prompt = ? WHERE id = ?", (f"{n:08d}" + "p" * 16_000, f"r-{n % rows}")
        )
        return n

    return op


def prompts_in(path: str) -> dict[str, int]:
    conn = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {r[0]: int(r[1][:8]) for r in conn.execute("SELECT id, prompt FROM tasks")}
    finally:
        conn.close()


async def test_a_copy_under_writes_is_of_one_moment_and_the_wal_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One page a step, each step held back 2 ms, so the copy spans hundreds of the writer's
    # transactions; the WAL is restarted whenever it passes 256 KB, which a copy holding
    # one snapshot would forbid.
    class Slow(backup.SteppedCopy):
        def step(self, source: apsw.Connection, pages: int) -> bool:
            time.sleep(0.002)
            return super().step(source, pages)

    monkeypatch.setattr(backup, "SteppedCopy", Slow)
    monkeypatch.setattr(store_db, "COPY_STEP_PAGES", 1)
    monkeypatch.setattr(wal_bound, "WAL_LIMIT_BYTES", 256 << 10)
    monkeypatch.setattr(wal_bound, "WAL_CHECK_S", 0.0)
    monkeypatch.setattr(wal_bound, "WAL_RETRY_S", 0.0)
    rows = 50
    database = Database(str(tmp_path / "live.db"), synchronous="NORMAL")
    database.open(asyncio.get_running_loop())
    try:
        for i in range(rows):
            await database.write(insert(f"r-{i}", 10))
        written = [await database.write(rewrite(n, rows)) for n in range(rows)]
        wal = database.path + "-wal"
        target = str(tmp_path / "copy.db")
        copying = asyncio.ensure_future(asyncio.to_thread(database.copy_to, target))
        wal_sizes: list[int] = []
        while not copying.done():
            written.append(await database.write(rewrite(len(written), rows)))
            wal_sizes.append(os.path.getsize(wal))
        await copying
        # Of one moment: every row holds the last write to it up to some write `last`.
        copied = prompts_in(target)
        last = max(copied.values())
        for i in range(rows):
            assert copied[f"r-{i}"] == max(n for n in written[: last + 1] if n % rows == i)
        assert last - rows > 150, "the copy did not run alongside the writes"  # 2.4 MB
        assert max(wal_sizes) < 1 << 20, "the WAL grew while the copy ran"
        # Nothing written after the copy ended is in it.
        await database.write(rewrite(len(written), rows))
        assert prompts_in(target) == copied
    finally:
        database.close()


async def test_a_copy_that_keeps_starting_over_is_taken_from_one_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Restarting(backup.SteppedCopy):
        """The writer's copies (which may restart) always start over; the one-snapshot
        copy (no restarts allowed) copies."""

        def step(self, source: apsw.Connection, pages: int) -> bool:
            if self.restarts_left == 0:
                return super().step(source, pages)
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
