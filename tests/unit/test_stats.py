"""GetStats arithmetic on a fixture with known timestamps: time is passed in, never slept."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from support import NamedIds
from taskqueue_server.model import Priority, TaskState, ValidTask
from taskqueue_server.ops import stats as ops_stats
from taskqueue_server.ops.stats import Stats, pieces, summarise
from taskqueue_server.store.sqlite import insert_queries as inserts
from taskqueue_server.store.sqlite import task_queries as changes
from taskqueue_server.store.sqlite import task_rows
from taskqueue_server.store.sqlite.database import Database
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio

S = 1_000_000  # one second in microseconds
HOUR = 3600 * S
T0 = 1_700_000_000 * S - (1_700_000_000 * S) % HOUR  # on an hour boundary


async def build(db: Database) -> None:
    """Hour 0: three tasks created. Hour 1: two started (waits 10 s and 30 s, high and low)
    and one completed after a 5 s run. Hour 2: one fails, then is retried; one cancelled."""

    def op(tx: SqliteTransaction) -> None:
        conn = tx.conn
        n = NamedIds(conn)

        def new(name: str, priority: Priority, at: int) -> None:
            row = ValidTask(work_directory="/w", prompt="p", priority=priority, tags=())
            inserts.insert_many(conn, [(n[name], row)], now=at, actor="t")

        new("a", Priority.HIGH, T0 + 0)
        new("b", Priority.LOW, T0 + 10 * S)
        new("c", Priority.MEDIUM, T0 + 20 * S)
        first = changes.claim_many(conn, work_directory=None, worker_id="w", tokens=["t1"],
                                 now=T0 + HOUR + 0, lease_duration=HOUR)  # fmt: skip
        assert [n.name(t.id) for t in first] == ["a"]  # waited 3600 s
        row = task_rows.task_row(conn, n.of("a"))
        assert row is not None
        changes.complete(conn, row, result_json=None, now=T0 + HOUR + 5 * S, actor="w")
        second = changes.claim_many(conn, work_directory=None, worker_id="w", tokens=["t2"],
                                  now=T0 + HOUR + 40 * S, lease_duration=HOUR)  # fmt: skip
        assert [n.name(t.id) for t in second] == ["c"]
        row = task_rows.task_row(conn, n.of("c"))
        assert row is not None
        changes.fail(conn, row, error="x", now=T0 + 2 * HOUR, actor="w", reason="failed: x")
        row = task_rows.task_row(conn, n.of("c"))
        assert row is not None
        changes.retry(conn, row, reason="retry 1", now=T0 + 2 * HOUR + S, actor="client")
        row = task_rows.task_row(conn, n.of("b"))
        assert row is not None
        changes.cancel(
            conn,
            row,
            cancel_reason="no",
            reason="cancelled: no",
            now=T0 + 2 * HOUR + 2 * S,
            actor="client",
        )

    await db.write(op)


async def test_window_durations_and_hourly_trend(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "s.db"))
    db.open(asyncio.get_running_loop())
    try:
        await build(db)
        report = await Stats(db, clock=lambda: T0 + 3 * HOUR).report(start=T0)
        w = report.window
        assert (w.created, w.started, w.completed, w.failed, w.cancelled, w.retried) == (
            3, 2, 1, 1, 1, 1,
        )  # fmt: skip
        assert report.waits[Priority.HIGH].p50 == HOUR  # a: created T0, started T0+1h
        assert report.waits[Priority.MEDIUM].p50 == HOUR + 20 * S  # c: T0+20s -> T0+1h+40s
        assert report.waits[Priority.LOW].count == 0
        assert report.runs[Priority.HIGH].mean == 5 * S
        assert [(b.created, b.started, b.completed, b.failed, b.retried, b.cancelled)
                for b in report.trend] == [
            (3, 0, 0, 0, 0, 0), (0, 2, 1, 0, 0, 0), (0, 0, 0, 1, 1, 1),
        ]  # fmt: skip
        assert report.counts.by_state == {TaskState.COMPLETED: 1, TaskState.WAITING: 1,
                                          TaskState.CANCELLED: 1}  # fmt: skip
        minutes = await Stats(db, clock=lambda: T0 + 3 * HOUR).report(
            start=T0 + HOUR, end=T0 + HOUR + 2 * 60 * S, bucket=1
        )
        assert [(b.started, b.completed) for b in minutes.trend] == [(2, 1), (0, 0)]
        empty = await Stats(db, clock=lambda: T0).report(start=T0 - 5 * HOUR, end=T0)
        assert len(empty.trend) == 5 and all(b.created == 0 for b in empty.trend)
    finally:
        db.close()


def test_percentiles_are_nearest_rank() -> None:
    d = summarise(list(range(1, 101)))
    assert (d.count, d.p50, d.p95, d.p99, d.mean) == (100, 50, 95, 99, 50)
    assert summarise([]).count == 0


async def test_a_report_read_in_many_short_transactions_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(str(tmp_path / "s.db"))
    db.open(asyncio.get_running_loop())
    try:
        await build(db)
        whole = await Stats(db, clock=lambda: T0 + 3 * HOUR).report(start=T0)
        # Every read stops as soon as it can: a minute of counts, or a microsecond of
        # waits and runs, per read transaction.
        monkeypatch.setattr(ops_stats, "READ_BUDGET_S", 0.0)
        reads = []
        durations = ops_stats._durations

        def counted(*args: Any) -> Any:
            reads.append(args[0])
            return durations(*args)

        monkeypatch.setattr(ops_stats, "_durations", counted)
        sliced = await Stats(db, clock=lambda: T0 + 3 * HOUR).report(start=T0)
        assert sliced == whole
        # One read per microsecond holding waits or runs: two claims and a completion.
        assert len(reads) == 3 and reads == sorted(reads), reads
    finally:
        db.close()


def test_pieces_never_straddle_buckets() -> None:
    minute, hour = 60 * S, HOUR
    assert pieces(T0 + 30 * S, T0 + 30 * S + 3 * minute, minute) == [
        (T0 + 30 * S + i * minute, T0 + 30 * S + (i + 1) * minute) for i in range(3)
    ]
    day = pieces(T0, T0 + 24 * hour - 1, hour)  # a minute at a time, the last one short
    assert len(day) == 1440 and day[-1] == (T0 + 24 * hour - minute, T0 + 24 * hour - 1)
    week = pieces(T0, T0 + 7 * 24 * hour, hour)  # over 2,000 minutes: a bucket at a time
    assert len(week) == 168 and week[1] == (T0 + hour, T0 + 2 * hour)
