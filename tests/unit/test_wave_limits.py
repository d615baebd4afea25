"""A wave (creates sharing one insert) against a real SQLite file: what it takes, what it
refuses, and that its tasks are stored as the creates described them."""

from __future__ import annotations

from pathlib import Path

import apsw
from support import NamedIds
from taskqueue_server.model import Priority
from taskqueue_server.model import ValidTask as NewRow
from taskqueue_server.queue import records, submit
from taskqueue_server.store import new_rows
from taskqueue_server.store.sqlite import database as db
from taskqueue_server.store.sqlite import task_rows
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

ROW = NewRow(work_directory="/w", prompt="p", priority=Priority.MEDIUM, tags=("t",))


def open_db(path: Path) -> apsw.Connection:
    conn = db.open_connection(str(path))
    db.migrate(conn)
    return conn


def test_a_wave_stores_its_creates_in_the_order_they_joined(tmp_path: Path) -> None:
    riders: list[int] = []
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    wave = submit._Wave("client", [(n["a"], ROW)], riders.append, new_rows.encode)
    assert wave.join([(n["b"], ROW), (n["c"], ROW)]) and wave.join([(n["d"], ROW)])
    with conn:
        when = wave.insert(SqliteTransaction(conn), 7)
    items = [(n[i], ROW) for i in "abcd"]
    stored = [task_rows.get(conn, n.of(i)) for i in "abcd"]
    assert stored == records.created(items, now=when, actor="client")
    assert riders == [1, 1, -2]  # two joined, and stopped counting when the writer took it
    assert not wave.join([(n["e"], ROW)])  # taken: nothing joins any more


def test_a_lone_task_is_stored_alike(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    wave = submit._Wave("client", [(n["only"], ROW)], lambda _n: None, new_rows.encode)
    with conn:
        when = wave.insert(SqliteTransaction(conn), 7)
    made = records.created([(n["only"], ROW)], now=when, actor="client")
    assert [task_rows.get(conn, n.of("only"))] == made


def test_a_wave_refuses_creates_past_its_task_limit() -> None:
    n = NamedIds()
    full = [(n[f"t{i}"], ROW) for i in range(submit.WAVE_LIMIT - 1)]
    wave = submit._Wave("client", full, lambda _n: None, new_rows.encode)
    assert wave.join([(n["last"], ROW)])
    assert not wave.join([(n["over"], ROW)])


def test_a_wave_refuses_creates_once_its_rows_are_too_long() -> None:
    # The rows go to SQLite as one text value; past WAVE_CHARACTERS a create starts a wave
    # of its own (the value must stay far below SQLite's 1,000,000,000-byte limit).
    big = NewRow(
        work_directory="/w",
        prompt="x" * (submit.WAVE_CHARACTERS // 2 + 1),
        priority=Priority.LOW,
        tags=(),
    )
    n = NamedIds()
    wave = submit._Wave(
        "client", [(n["one"], big), (n["two"], big)], lambda _n: None, new_rows.encode
    )
    assert not wave.join([(n["small"], ROW)])
    roomy = submit._Wave("client", [(n["one"], big)], lambda _n: None, new_rows.encode)
    assert roomy.join([(n["small"], ROW)])
