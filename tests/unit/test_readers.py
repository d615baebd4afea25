"""The reader threads against a real SQLite file: reads taken together each get their own
answer; quick reads (lookups by key) run on the event loop's own connection, so busy
readers never hold them back."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from taskqueue_server import errors
from taskqueue_server.store.sqlite import slow_reads, wal_bound
from taskqueue_server.store.sqlite.database import Database
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio


async def hold_readers(
    db: Database, count: int
) -> tuple[threading.Event, list[asyncio.Future[None]]]:
    """Keeps `count` reader threads busy until the returned event is set, so that reads
    queued meanwhile are taken together. Also returns the holding reads."""
    gate = threading.Event()
    holding = threading.Semaphore(0)

    def hold(tx: SqliteTransaction) -> None:
        holding.release()
        gate.wait(10)

    holds = []
    for _ in range(count):  # one at a time, or one reader would take them all
        holds.append(asyncio.ensure_future(db.read(hold)))
        assert await asyncio.to_thread(holding.acquire, True, 10), "no reader ran `hold`"
    return gate, holds


async def test_reads_taken_together_each_get_their_own_answer(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    try:
        gate, holds = await hold_readers(db, 2)

        def refused(tx: SqliteTransaction) -> None:
            raise errors.NotFound("no such task")

        reads = [
            asyncio.ensure_future(db.read(lambda tx: tx.conn.execute("SELECT 1").fetchall())),
            asyncio.ensure_future(db.read(refused)),
            asyncio.ensure_future(db.read(lambda tx: tx.conn.execute("SELECT * FROM nowhere"))),
            asyncio.ensure_future(db.read(lambda tx: tx.conn.execute("SELECT 2").fetchall())),
        ]
        await asyncio.sleep(0)
        gate.set()
        outcomes = await asyncio.gather(*reads, return_exceptions=True)
        await asyncio.gather(*holds)
        assert outcomes[0] == [(1,)]
        assert isinstance(outcomes[1], errors.NotFound)
        assert isinstance(outcomes[2], errors.TaskQueueError)
        assert outcomes[2].metadata == {"sqlite_error": "SQLError"}
        assert outcomes[3] == [(2,)]
        # The readers go on serving after the failures.
        assert await db.read(lambda tx: tx.conn.execute("SELECT 3").fetchall()) == [(3,)]
    finally:
        db.close()


async def test_a_quick_read_is_answered_while_every_reader_is_busy(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "t.db"), readers=1)
    db.open(asyncio.get_running_loop())
    try:
        gate, holds = await hold_readers(db, 1)
        queued = asyncio.ensure_future(db.read(lambda tx: "queued"))
        quick = await db.read(lambda tx: tx.conn.execute("SELECT 5").fetchall(), quick=True)
        assert quick == [(5,)] and not queued.done()
        with pytest.raises(errors.TaskQueueError) as info:  # mapped like any read's failure
            await db.read(lambda tx: tx.conn.execute("SELECT * FROM nowhere"), quick=True)
        assert info.value.metadata == {"sqlite_error": "SQLError"}
        gate.set()
        assert await asyncio.wait_for(queued, 10) == "queued"
        await asyncio.gather(*holds)
    finally:
        db.close()


async def test_reads_see_every_write_acknowledged_before_them(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    try:
        await db.write(lambda tx: tx.conn.execute("CREATE TABLE t (n INTEGER)"))
        for n in range(50):
            await db.write(lambda tx, n=n: tx.conn.execute("INSERT INTO t VALUES (?)", (n,)))
            for quick in (True, False):
                seen = await db.read(
                    lambda tx: tx.conn.execute("SELECT count(*) FROM t").fetchone()[0], quick=quick
                )
                assert seen == n + 1
    finally:
        db.close()


async def test_close_answers_what_was_queued_and_refuses_what_comes_after(
    tmp_path: Path,
) -> None:
    db = Database(str(tmp_path / "t.db"), readers=1)
    db.open(asyncio.get_running_loop())
    gate, holds = await hold_readers(db, 1)
    queued = asyncio.ensure_future(db.read(lambda tx: tx.conn.execute("SELECT 7").fetchall()))
    await asyncio.sleep(0)
    closing = asyncio.ensure_future(asyncio.to_thread(db.close))
    gate.set()
    await closing
    assert await queued == [(7,)], "a read queued before close was still answered"
    await asyncio.gather(*holds)
    with pytest.raises(errors.ShuttingDown):
        await db.read(lambda tx: None)
    with pytest.raises(errors.ShuttingDown):
        await db.read(lambda tx: None, quick=True)
    with pytest.raises(errors.ShuttingDown):
        await db.write(lambda tx: None)


async def test_long_read_transactions_are_logged_with_what_they_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Long reads can hold WAL checkpoints back; the log names them (at most every 5 s).
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    caplog.set_level("INFO", logger="taskqueue_server.store.sqlite")
    try:

        def count_everything(tx: SqliteTransaction) -> int:
            conn = tx.conn
            return int(conn.execute("SELECT count(*) FROM tasks").fetchone()[0])

        # Quick reads: on this thread, so each is accounted for when it returns (a reader
        # thread answers before its transaction ends, and logs after).
        assert await db.read(count_everything, quick=True) == 0
        assert "read transaction" not in caplog.text  # a short read is not reported
        monkeypatch.setattr(slow_reads, "SLOW_READ_S", 0.0)  # now every read is "long"
        assert await db.read(count_everything, quick=True) == 0
        # Within 5 s: counted, not logged yet.
        assert await db.read(count_everything, quick=True) == 0
        reports = [r.getMessage() for r in caplog.records if "read transaction" in r.message]
        assert len(reports) == 1, reports
        assert "1 read transaction(s)" in reports[0]
        assert "count_everything" in reports[0]
    finally:
        db.close()


async def test_a_checkpoint_held_back_names_the_reads_still_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Any WAL is "too big", and the checkpoint waits 10 ms for readers before giving up.
    monkeypatch.setattr(wal_bound, "WAL_LIMIT_BYTES", 1)
    monkeypatch.setattr(wal_bound, "WAL_CHECK_S", 0.0)
    monkeypatch.setattr(wal_bound, "WAL_WAIT_MS", 10)
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    caplog.set_level("INFO", logger="taskqueue_server.store.sqlite")
    gate, reading = threading.Event(), threading.Event()

    def insert(tx: SqliteTransaction) -> None:
        conn = tx.conn
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('x', randomblob(4000))")

    def snapshot_held(tx: SqliteTransaction) -> None:
        conn = tx.conn
        conn.execute("SELECT count(*) FROM meta").fetchall()  # the snapshot is taken
        reading.set()
        gate.wait(10)

    def nothing(tx: SqliteTransaction) -> None:
        """A write that runs once the writer is done with what came before, checkpoint
        included."""

    try:
        await db.write(insert)
        await db.write(nothing)
        assert "kept the checkpoint" not in caplog.text  # no reader: it finished
        held = asyncio.ensure_future(db.read(snapshot_held))
        assert await asyncio.to_thread(reading.wait, 10), "the read never started"
        await db.write(insert)  # more frames, which the held snapshot predates
        await db.write(nothing)  # (the next try is 0.5 s away)
        gate.set()
        await held
        reports = [r.getMessage() for r in caplog.records if "kept the checkpoint" in r.message]
        assert len(reports) == 1, reports
        assert "reads 1 open: " in reports[0] and "snapshot_held" in reports[0], reports
        assert "trying again in 0.5 s" in reports[0], reports
    finally:
        gate.set()
        db.close()
