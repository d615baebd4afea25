"""A wave (creates sharing one insert) against a real SQLite file: what it takes, what it
refuses, and that its tasks are stored as the creates described them."""

from __future__ import annotations

from pathlib import Path

import apsw
from taskqueue_server.model import Priority
from taskqueue_server.queue import submit
from taskqueue_server.store import db, tasks
from taskqueue_server.store.tasks import NewRow

ROW = NewRow(work_directory="/w", prompt="p", priority=Priority.MEDIUM, tags=("t",))


def open_db(path: Path) -> apsw.Connection:
    conn = db.open_connection(str(path))
    db.migrate(conn)
    return conn


def test_a_wave_stores_its_creates_in_the_order_they_joined(tmp_path: Path) -> None:
    riders: list[int] = []
    wave = submit._Wave("client", [("a", ROW)], riders.append)
    assert wave.join([("b", ROW), ("c", ROW)]) and wave.join([("d", ROW)])
    conn = open_db(tmp_path / "t.db")
    with conn:
        when = wave.insert(conn, 7)
    items = [(i, ROW) for i in "abcd"]
    assert [tasks.get(conn, i) for i in "abcd"] == tasks.created(items, now=when, actor="client")
    assert riders == [1, 1, -2]  # two joined, and stopped counting when the writer took it
    assert not wave.join([("e", ROW)])  # taken: nothing joins any more


def test_a_lone_task_is_stored_alike(tmp_path: Path) -> None:
    wave = submit._Wave("client", [("only", ROW)], lambda _n: None)
    conn = open_db(tmp_path / "t.db")
    with conn:
        when = wave.insert(conn, 7)
    assert [tasks.get(conn, "only")] == tasks.created([("only", ROW)], now=when, actor="client")


def test_a_wave_refuses_creates_past_its_task_limit() -> None:
    full = [(f"t{i}", ROW) for i in range(submit.WAVE_LIMIT - 1)]
    wave = submit._Wave("client", full, lambda _n: None)
    assert wave.join([("last", ROW)])
    assert not wave.join([("over", ROW)])


def test_a_wave_refuses_creates_once_its_rows_are_too_long() -> None:
    # The rows go to SQLite as one text value; past WAVE_CHARACTERS a create starts a wave
    # of its own (the value must stay far below SQLite's 1,000,000,000-byte limit).
    big = NewRow(
        work_directory="/w",
        prompt="x" * (submit.WAVE_CHARACTERS // 2 + 1),
        priority=Priority.LOW,
        tags=(),
    )
    wave = submit._Wave("client", [("one", big), ("two", big)], lambda _n: None)
    assert not wave.join([("small", ROW)])
    roomy = submit._Wave("client", [("one", big)], lambda _n: None)
    assert roomy.join([("small", ROW)])
