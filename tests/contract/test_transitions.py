"""State changes through the port: each records what it is told, in the task, its history,
the counts and the transition figures."""

from __future__ import annotations

import json

import pytest
from contract.harness import Harness, facts_in, new
from taskqueue_server.model import Priority, TaskState

pytestmark = pytest.mark.anyio

W, R, C, F, X = (TaskState.WAITING, TaskState.WORKING, TaskState.COMPLETED, TaskState.FAILED,
                 TaskState.CANCELLED)  # fmt: skip


async def test_a_life_of_claims_failures_retries_and_completion(h: Harness) -> None:
    start = h.now
    (task_id,) = await h.create()
    h.tick(10)
    await h.claim()
    h.tick(100)
    failed = await h.store.write(
        lambda tx: tx.fail(facts_in(tx, task_id), error="boom", now=h.now, actor="w", reason="r1")
    )
    assert (failed.state, failed.error, failed.fail_time) == (F, "boom", h.now)
    assert await h.claimed_ids() == []
    retried = await h.store.write(
        lambda tx: tx.retry(facts_in(tx, task_id), now=h.tick(), actor="op", reason="retry 1: go")
    )
    assert (retried.state, retried.retry_count, retried.error) == (W, 1, "")
    h.tick(10)
    await h.claim()
    h.tick(200)
    result = {"answer": "ok ✓", "n": [1, 2]}
    done = await h.store.write(
        lambda tx: tx.complete(
            facts_in(tx, task_id), result_json=json.dumps(result), now=h.now, actor="w"
        )
    )
    assert (done.state, done.result, done.complete_time) == (C, result, h.now)
    assert [(e.from_state, e.to_state) for e in done.history] == [
        (None, W), (W, R), (R, F), (F, W), (W, R), (R, C),
    ]  # fmt: skip
    assert [e.reason for e in done.history][2:4] == ["r1", "retry 1: go"]
    assert [e.attempt for e in done.history][-1] == 2
    counts = await h.store.read(lambda s: s.counts())
    assert counts.by_state == {C: 1}
    moves = await h.store.read(lambda s: s.transitions(start=start, end=h.now + 1))
    assert sorted(moves, key=repr) == sorted(
        [(None, 1, 1), (1, 2, 2), (2, 4, 1), (4, 1, 1), (2, 3, 1)], key=repr
    )
    spans = await h.store.read(lambda s: list(s.durations(start=start, end=h.now + 1)))
    runs = [d for _, kind, _, d in spans if kind == 3]
    assert 200 in runs, spans


async def test_cancel_and_priority_change_apply_to_waiting_tasks(h: Harness) -> None:
    a, b = await h.create(new("a"), new("b", priority=Priority.LOW))
    raised = await h.store.write(
        lambda tx: tx.set_priority(
            facts_in(tx, b), priority=Priority.HIGH, now=h.tick(), actor="op", reason="low -> high"
        )
    )
    assert raised.priority == Priority.HIGH and raised.history[-1].reason == "low -> high"
    cancelled = await h.store.write(
        lambda tx: tx.cancel(
            facts_in(tx, a), cancel_reason="not needed", now=h.tick(), actor="op", reason="c"
        )
    )
    assert (cancelled.state, cancelled.cancel_reason, cancelled.cancel_time) == (
        X, "not needed", h.now,
    )  # fmt: skip
    assert await h.claimed_ids(2) == [b]
    counts = await h.store.read(lambda s: s.counts())
    assert counts.by_state == {X: 1, R: 1}
    assert counts.by_priority == {Priority.MEDIUM: 1, Priority.HIGH: 1}


async def test_quiet_completions_are_recorded_as_full_ones(h: Harness) -> None:
    ids = await h.create(*[new(f"t{i}", directory="/q") for i in range(3)])
    await h.create(new("other", directory="/r"))
    await h.claim(4, directory_limit=3)

    def finish(tx):  # type: ignore[no-untyped-def]
        done = [(facts_in(tx, task_id), f'{{"n": {n}}}', f"w{n}") for n, task_id in enumerate(ids)]
        tx.complete_quietly(done, now=h.now)
        tx.complete_quietly([], now=h.now)  # nothing to do is not an error

    await h.store.write(finish)
    for n, task_id in enumerate(ids):
        task = await h.get(task_id)
        assert (task.state, task.history[-1].to_state) == (C, C)
        assert (task.result, task.history[-1].actor) == ({"n": n}, f"w{n}")
        assert task.complete_time == h.now
    (more,) = await h.create(new("more", directory="/q"))
    assert await h.claimed_ids(directory_limit=3) == [more], "the directory's load went down"
