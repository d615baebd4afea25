"""Writes of many tasks in one go against a real SQLite file: inserts (the tasks as one JSON
array, which three statements read for the tasks, tags and events) and claims (events in one
executemany, histories in one query). What comes back is what is stored, in order, with tags
and history."""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest
from support import NamedIds
from taskqueue_server.model import Priority, RetryPolicy, TaskState
from taskqueue_server.model import ValidTask as NewRow
from taskqueue_server.queue import records
from taskqueue_server.store import new_rows
from taskqueue_server.store.sqlite import database as db
from taskqueue_server.store.sqlite import insert_queries as inserts
from taskqueue_server.store.sqlite import task_queries as changes
from taskqueue_server.store.sqlite import task_rows


def open_db(path: Path) -> apsw.Connection:
    conn = db.open_connection(str(path))
    db.migrate(conn)
    return conn


def test_inserted_tasks_are_stored_as_returned_in_order(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    policy = RetryPolicy(max_attempts=3, initial_backoff_us=10, max_backoff_us=100, multiplier=2)
    rows = [
        NewRow(work_directory="/a", prompt="one", priority=Priority.HIGH, tags=("x", "y")),
        NewRow(work_directory="/b", prompt="zwei ✓", priority=Priority.LOW, tags=()),
        NewRow(
            work_directory="/a",
            prompt="three",
            priority=Priority.MEDIUM,
            tags=("y",),
            due_time=5_000,
            retry_policy=policy,
            max_working=2,
        ),
    ]
    with conn:
        inserts.insert_many(conn, [(n["first"], rows[0])], now=1_000, actor="setup")
        items = [(n[f"id-{i}"], r) for i, r in enumerate(rows)]
        when = inserts.insert_many(conn, items, now=2_000, actor="alice")
    made = records.created(items, now=when, actor="alice")  # built apart from the database
    assert when == 2_000 and [n.name(t.id) for t in made] == ["id-0", "id-1", "id-2"]
    for task in made:
        assert task_rows.get(conn, task.id) == task  # field by field, history included
    assert made[2].history[0].reason == "created, scheduled"
    assert made[0].history[0].actor == "alice" and made[0].state == TaskState.WAITING
    seqs = [s for (s,) in conn.execute("SELECT seq FROM tasks ORDER BY seq")]
    assert seqs == [1, 2, 3, 4]  # after the last task, in the order given
    tagged = conn.execute(
        "SELECT t.id FROM task_tags AS g JOIN tasks AS t ON t.seq = g.task_seq"
        " WHERE g.tag = 'y' ORDER BY t.seq"
    ).fetchall()
    assert [n.name(r[0]) for r in tagged] == ["first", "id-0", "id-2"]


def test_creation_times_never_go_back_when_the_clock_does(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    row = NewRow(work_directory="/a", prompt="p", priority=Priority.MEDIUM, tags=())
    with conn:
        inserts.insert_many(conn, [(n["late"], row)], now=9_000, actor="t")
        when = inserts.insert_many(conn, [(n["a"], row), (n["b"], row)], now=4_000, actor="t")
    early = records.created([(n["a"], row), (n["b"], row)], now=when, actor="t")
    assert [t.create_time for t in early] == [9_000, 9_000]
    assert [t.history[0].time for t in early] == [9_000, 9_000]
    assert task_rows.get(conn, n.of("b")) == early[1]


def test_a_failing_insert_leaves_nothing_of_the_batch(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    row = NewRow(work_directory="/a", prompt="p", priority=Priority.MEDIUM, tags=("t",))
    with conn:
        inserts.insert_many(conn, [(n["taken"], row)], now=1, actor="t")
    with pytest.raises(apsw.ConstraintError), conn:  # the key of "taken" again
        inserts.insert_many(conn, [(n["new"], row), (n["taken"], row)], now=2, actor="t")
    assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM task_tags").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM task_events").fetchone() == (1,)


def test_claimed_tasks_come_back_as_stored_with_their_histories(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    rows = [
        NewRow(work_directory=d, prompt=f"p{i}", priority=Priority.MEDIUM, tags=())
        for i, d in enumerate(["/a", "/a", "/b", "/c"])
    ]
    n = NamedIds(conn)
    with conn:
        inserts.insert_many(conn, [(n[f"t{i}"], r) for i, r in enumerate(rows)], now=10, actor="s")
        got = changes.claim_many(conn, work_directory=None, worker_id="w",
                                 tokens=["k1", "k2", "k3"], now=20, lease_duration=100,
                                 directory_limit=1)  # fmt: skip
    # One working task per directory: the second task of /a is stepped over.
    assert [n.name(t.id) for t in got] == ["t0", "t2", "t3"]
    for task in got:
        assert task_rows.get(conn, task.id) == task
        assert [(e.to_state, e.reason, e.actor) for e in task.history] == [
            (TaskState.WAITING, "created", "s"),
            (TaskState.WORKING, "claimed", "w"),
        ]
    tokens = conn.execute("SELECT lease_token FROM tasks WHERE state = 2 ORDER BY seq").fetchall()
    assert [t for (t,) in tokens] == ["k1", "k2", "k3"]
    with conn:
        bare = changes.claim_many(conn, work_directory=None, worker_id="v", tokens=["k4", "k5"],
                                now=30, lease_duration=100, with_history=False)  # fmt: skip
    assert [(n.name(t.id), t.history) for t in bare] == [("t1", ())]  # fewer than asked: none left


def test_a_quiet_completion_stores_what_a_full_one_does(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    row = NewRow(work_directory="/a", prompt="p", priority=Priority.MEDIUM, tags=())
    with conn:
        inserts.insert_many(conn, [(n["full"], row), (n["quiet"], row)], now=10, actor="s")
        changes.claim_many(conn, work_directory=None, worker_id="w", tokens=["k1", "k2"], now=20,
                         lease_duration=100)  # fmt: skip
    full_lease, quiet_lease = (
        task_rows.task_row(conn, n.of("full")),
        task_rows.task_row(conn, n.of("quiet")),
    )
    assert full_lease is not None and quiet_lease is not None
    assert full_lease.start_time == quiet_lease.start_time == 20
    with conn:
        returned = changes.complete(conn, full_lease, result_json='{"n": 1}', now=30, actor="w")
        changes.complete_quietly(conn, quiet_lease, result_json='{"n": 1}', now=30, actor="w")
    full, quiet = task_rows.get(conn, n.of("full")), task_rows.get(conn, n.of("quiet"))
    assert full is not None and quiet is not None and full == returned
    assert quiet.state == TaskState.COMPLETED and quiet.result == {"n": 1}
    same = ("state", "result", "start_time", "complete_time", "update_time", "lease_expire_time")
    assert [getattr(quiet, f) for f in same] == [getattr(full, f) for f in same]
    assert [(e.to_state, e.reason, e.actor) for e in quiet.history] == [
        (e.to_state, e.reason, e.actor) for e in full.history
    ]
    assert conn.execute(
        "SELECT working FROM directory_load WHERE work_directory = '/a'"
    ).fetchone() == (0,)


@pytest.mark.parametrize("count", [1, 3, 128, 129, 300])
def test_a_batch_of_any_size_is_stored_whole_and_in_order(tmp_path: Path, count: int) -> None:
    conn = open_db(tmp_path / "t.db")
    rows = [
        NewRow(work_directory=f"/d{i % 7}", prompt=f"p{i}", priority=Priority.LOW,
               tags=("a", f"t{i}") if i % 2 else ())
        for i in range(count)
    ]  # fmt: skip
    n = NamedIds(conn)
    items = [(n[f"id-{i}"], r) for i, r in enumerate(rows)]
    with conn:
        when = inserts.insert_many(conn, items, now=50, actor="bulk")
    assert [task_rows.get(conn, n.of(f"id-{i}")) for i in range(count)] == records.created(
        items, now=when, actor="bulk"
    )
    stored = conn.execute("SELECT seq, id_key, id FROM tasks ORDER BY seq").fetchall()
    assert stored == [(i + 1, *n[f"id-{i}"]) for i in range(count)]
    assert conn.execute("SELECT count(*) FROM task_tags").fetchone() == (2 * (count // 2),)
    assert conn.execute("SELECT count(*) FROM task_events").fetchone() == (count,)


@pytest.mark.parametrize("alone", [False, True], ids=["json rows", "one task"])
def test_any_text_and_number_survives_the_insert(tmp_path: Path, alone: bool) -> None:
    # Tasks reach SQLite as JSON text (one task alone as parameters): escapes, control
    # characters, NUL, characters JSON treats specially and numbers at their limits must
    # come back exactly as given.
    conn = open_db(tmp_path / "t.db")
    odd = 'NUL \x00 tab\t cr\r nl\n \x01\x1f quote" back\\ slash/ \u2028\u2029 中文 😀 \ufeff'
    policy = RetryPolicy(max_attempts=7, initial_backoff_us=1, max_backoff_us=2**62, multiplier=1.1)
    rows = [
        NewRow(work_directory="/w/" + odd, prompt=odd, priority=Priority.HIGH,
               tags=(odd, "[]", '{"a": 1}'), request_id=odd, request_hash="h" + odd,
               due_time=2**53 + 1, retry_policy=policy, max_working=10_000),
        NewRow(work_directory="/big", prompt="p" * 1_000_000, priority=Priority.LOW, tags=()),
    ]  # fmt: skip
    n = NamedIds(conn)
    items = [(n["odd"], rows[0]), (n["big"], rows[1])]
    with conn:
        if alone:
            when = inserts.insert_many(conn, items[:1], now=2**60, actor=odd)
            assert inserts.insert_many(conn, items[1:], now=2**60, actor=odd) == when
        else:
            when = inserts.insert_many(conn, items, now=2**60, actor=odd)
    assert [task_rows.get(conn, n.of("odd")), task_rows.get(conn, n.of("big"))] == records.created(
        items, now=when, actor=odd
    )
    stored = conn.execute(
        "SELECT request_id, request_hash, typeof(backoff_multiplier), typeof(due_time)"
        " FROM tasks WHERE id = ?",
        (n.of("odd"),),
    ).fetchone()
    assert stored == (odd, "h" + odd, "real", "integer")
    tags = conn.execute("SELECT tag FROM task_tags ORDER BY tag").fetchall()
    assert sorted(t for (t,) in tags) == sorted([odd, "[]", '{"a": 1}'])


def test_rows_encoded_apart_go_in_as_one_insert_in_order(tmp_path: Path) -> None:
    # A wave joins the rows of several creates, each encoded on its own, into one insert.
    conn = open_db(tmp_path / "t.db")
    n = NamedIds(conn)
    row = NewRow(work_directory="/a", prompt="p", priority=Priority.MEDIUM, tags=("t",))
    first = [(n["a"], row), (n["b"], row)]
    second = [(n["c"], row)]
    with conn:
        when = inserts.insert_encoded(
            conn, [new_rows.encode(first), new_rows.encode(second)], now=9, actor="w"
        )
    stored = [task_rows.get(conn, n.of(i)) for i in "abc"]
    assert stored == records.created(first + second, now=when, actor="w")
    assert conn.execute("SELECT id_key, id FROM tasks ORDER BY seq").fetchall() == [
        n[i] for i in "abc"
    ]
    tagged = conn.execute("SELECT task_seq FROM task_tags WHERE tag = 't' ORDER BY task_seq")
    assert tagged.fetchall() == [(1,), (2,), (3,)]
