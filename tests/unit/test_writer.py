"""The group-commit writer against a real SQLite file: batching, and a failing operation
undone alone (by a rerun of its batch with a savepoint per operation)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from pathlib import Path

import apsw
import pytest
from taskqueue_server import errors
from taskqueue_server.model import Priority, ValidTask
from taskqueue_server.store.sqlite import insert_queries as inserts
from taskqueue_server.store.sqlite import schema
from taskqueue_server.store.sqlite.database import Database
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio


def insert(task_id: str):  # type: ignore[no-untyped-def]
    """Inserts a task with the id `task_id` (any text: these tests read ids with SQL), under
    a key of its own, so that the same id twice breaks the UNIQUE constraint of keys."""
    key = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:7], "big")

    def op(tx: SqliteTransaction) -> str:
        row = ValidTask(work_directory="/w", prompt="p", priority=Priority.MEDIUM, tags=())
        inserts.insert_many(tx.conn, [((key, task_id), row)], now=1, actor="test")
        return task_id

    return op


async def test_one_failing_operation_does_not_spoil_its_batch(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    try:
        gate, holding = threading.Event(), threading.Event()

        def hold(tx: SqliteTransaction) -> None:
            holding.set()
            gate.wait(10)  # keep the writer busy until the batch below is queued

        def insert_then_break(tx: SqliteTransaction) -> None:
            insert("bad")(tx)
            raise errors.TaskQueueError("this operation fails after writing")

        def violate_constraint(tx: SqliteTransaction) -> None:
            insert("a")(tx)  # duplicate id: UNIQUE constraint

        first = asyncio.ensure_future(db.write(hold))
        assert await asyncio.to_thread(holding.wait, 10), "the writer never ran `hold`"
        batch = [
            asyncio.ensure_future(db.write(op))
            for op in (insert("a"), insert_then_break, insert("b"), violate_constraint, insert("c"))
        ]
        await asyncio.sleep(0)
        gate.set()
        await first
        outcomes = await asyncio.gather(*batch, return_exceptions=True)
        assert db.last_batch_size == 5, "the five operations did not share one transaction"
        assert outcomes[0] == "a" and outcomes[2] == "b" and outcomes[4] == "c"
        assert isinstance(outcomes[1], errors.TaskQueueError)
        assert isinstance(outcomes[3], errors.TaskQueueError)
        assert outcomes[3].metadata == {"sqlite_error": "ConstraintError"}
        ids = await db.read(
            lambda tx: [r[0] for r in tx.conn.execute("SELECT id FROM tasks ORDER BY seq")]
        )
        events = await db.read(
            lambda tx: tx.conn.execute("SELECT count(*) FROM task_events").fetchone()
        )
        assert ids == ["a", "b", "c"]
        assert events == (3,)
    finally:
        db.close()


async def test_operations_of_a_clean_batch_run_once_and_a_lone_failure_is_undone(
    tmp_path: Path,
) -> None:
    db = Database(str(tmp_path / "t.db"))
    db.open(asyncio.get_running_loop())
    try:
        gate, holding = threading.Event(), threading.Event()
        runs: list[str] = []

        def hold(tx: SqliteTransaction) -> None:
            holding.set()
            gate.wait(10)

        def counted(task_id: str):  # type: ignore[no-untyped-def]
            def op(tx: SqliteTransaction) -> str:
                runs.append(task_id)
                return insert(task_id)(tx)  # type: ignore[no-any-return]

            return op

        first = asyncio.ensure_future(db.write(hold))
        assert await asyncio.to_thread(holding.wait, 10), "the writer never ran `hold`"
        batch = [asyncio.ensure_future(db.write(counted(t))) for t in ("a", "b", "c")]
        await asyncio.sleep(0)
        gate.set()
        await first
        assert await asyncio.gather(*batch) == ["a", "b", "c"]
        assert db.last_batch_size == 3
        assert runs == ["a", "b", "c"], "a batch without failures ran an operation twice"

        def insert_then_break(tx: SqliteTransaction) -> None:
            insert("alone")(tx)
            raise errors.TaskQueueError("fails after writing")

        with pytest.raises(errors.TaskQueueError, match="fails after writing"):
            await db.write(insert_then_break)
        assert db.last_batch_size == 1
        count = await db.read(
            lambda tx: tx.conn.execute(
                "SELECT (SELECT count(*) FROM tasks WHERE id = 'alone'),"
                " (SELECT count(*) FROM task_events)"
            ).fetchone()
        )
        assert count == (0, 3)
        assert await db.write(counted("d")) == "d", "the writer did not recover"
    finally:
        db.close()


async def test_schema_is_migrated_once_and_kept(tmp_path: Path) -> None:
    path = str(tmp_path / "t.db")
    for _ in range(2):
        db = Database(path)
        db.open(asyncio.get_running_loop())
        await db.write(insert(f"id-{db.path[-1]}-{id(db)}"))
        version = await db.read(lambda tx: tx.conn.pragma("user_version"))
        mode = await db.read(lambda tx: tx.conn.pragma("journal_mode"))
        db.close()
        assert version == schema.SCHEMA_VERSION and mode == "wal"
    conn = apsw.Connection(path)
    assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (2,)
    conn.close()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "t.db")
    conn = apsw.Connection(path)
    conn.pragma("user_version", 99)
    conn.close()
    db = Database(path)
    with pytest.raises(errors.StorageUnavailable) as info:
        db.open(asyncio.get_running_loop())
    assert info.value.reason == "SCHEMA_TOO_NEW"


async def test_a_version_1_database_is_migrated_with_its_tags(tmp_path: Path) -> None:
    path = str(tmp_path / "v1.db")
    conn = apsw.Connection(path)
    conn.execute(schema.MIGRATIONS[0])
    conn.pragma("user_version", 1)
    conn.execute(
        "INSERT INTO tasks (id, work_directory, prompt, priority, tags, state, create_time,"
        " update_time) VALUES ('t1', '/w', 'p', 2, '[\"gpu\",\"big\"]', 1, 1, 1)"
    )
    conn.close()
    db = Database(path)
    db.open(asyncio.get_running_loop())
    try:
        tags = await db.read(
            lambda tx: sorted(r[0] for r in tx.conn.execute("SELECT tag FROM task_tags"))
        )
        assert tags == ["big", "gpu"]
    finally:
        db.close()


def test_a_large_wal_is_retried_soon_whatever_the_misses_before() -> None:
    from taskqueue_server.store.sqlite import wal_bound

    limit, first, most = (
        wal_bound.WAL_LIMIT_BYTES,
        wal_bound.WAL_FIRST_RETRY_S,
        wal_bound.WAL_RETRY_S,
    )
    waits, due = [], first
    for size in (limit, limit + 1, limit * 3 // 2, 2 * limit, 3 * limit, 3 * limit, limit):
        waits.append(wal_bound.wal_retry_after(due, size))
        due = 2 * waits[-1]
    # Doubling while the WAL is under twice its limit, back to the first wait above it.
    assert waits == [first, 2 * first, 4 * first, first, first, first, 2 * first]
    assert wal_bound.wal_retry_after(100.0, limit) == most
