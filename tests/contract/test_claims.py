"""Claims through the port: claim order, tokens, filters, directory limits, exactly once."""

from __future__ import annotations

import asyncio

import pytest
from contract.harness import LEASE, Harness, facts_in, new
from taskqueue_server.model import Priority, TaskState
from taskqueue_server.queue import fencing

pytestmark = pytest.mark.anyio

HIGH, MEDIUM, LOW = Priority.HIGH, Priority.MEDIUM, Priority.LOW


async def test_claims_take_the_most_urgent_then_the_oldest(h: Harness) -> None:
    low, medium_1 = await h.create(new("low", priority=LOW), new("m1"))
    (high,) = await h.create(new("high", priority=HIGH))
    (medium_2,) = await h.create(new("m2"))
    assert await h.claimed_ids(3) == [high, medium_1, medium_2]
    assert await h.claimed_ids(3) == [low]
    assert await h.claimed_ids(3) == []


async def test_a_claimed_task_is_working_under_its_own_token(h: Harness) -> None:
    first, second = await h.create(new("a"), new("b"))
    h.tick(5)
    granted = await h.claim(2, worker="worker-7", lease=LEASE)
    assert [task.id for task, _ in granted] == [first, second]
    for task, token in granted:
        assert task.state == TaskState.WORKING
        assert (task.worker_id, task.attempt) == ("worker-7", 1)
        assert (task.start_time, task.lease_expire_time) == (h.now, h.now + LEASE)
        assert task.history[-1].to_state == TaskState.WORKING
        facts = await h.facts(task.id)
        assert (facts.state, facts.lease_token, facts.lease_duration) == (
            TaskState.WORKING,
            token,
            LEASE,
        )
    assert granted[0][1] != granted[1][1]
    counts = await h.store.read(lambda s: s.counts())
    assert (counts.by_state[TaskState.WORKING], counts.by_state.get(TaskState.WAITING, 0)) == (2, 0)
    assert await h.store.read(lambda s: s.next_lease_expiry()) == h.now + LEASE


async def test_a_claim_takes_only_the_directory_and_tags_it_names(h: Harness) -> None:
    plain, gpu, gpu_big, elsewhere = await h.create(
        new("plain"),
        new("gpu", tags=["gpu"]),
        new("gpu big", tags=["big", "gpu"]),
        new("elsewhere", directory="/other", tags=["gpu", "big"]),
    )
    assert await h.claimed_ids(5, tags=["gpu", "big"], directory="/w") == [gpu_big]
    assert await h.claimed_ids(5, tags=["gpu"]) == [gpu, elsewhere]
    assert await h.claimed_ids(5, directory="/other") == []
    assert await h.claimed_ids(5, tags=["nothing has this"]) == []
    assert await h.claimed_ids(5) == [plain]


async def test_a_directory_at_its_limit_is_skipped_not_blocking_others(h: Harness) -> None:
    a1, a2, b1, a3 = await h.create(
        new("a1", directory="/a"),
        new("a2", directory="/a"),
        new("b1", directory="/b"),
        new("a3", directory="/a"),
    )
    assert await h.claimed_ids(4, directory_limit=2) == [a1, a2, b1]
    assert await h.claimed_ids(4, directory_limit=2) == []
    task = await h.get(a1)
    await h.store.write(
        lambda tx: tx.complete(
            facts_in(tx, task.id),
            result_json=None,
            now=h.tick(),
            actor="w",
        )
    )
    assert await h.claimed_ids(4, directory_limit=2) == [a3], "a finished task frees its place"


async def test_limits_are_counted_claim_by_claim_within_one_batch(h: Harness) -> None:
    """One claim of several tasks takes what claims one after the other would: a task
    turned down by its limit does not count against the tasks after it."""
    first, _second, roomy = await h.create(
        new("first", directory="/a", max_working=1),
        new("second", directory="/a", max_working=1),
        new("roomy", directory="/a", max_working=2),
    )
    assert await h.claimed_ids(3) == [first, roomy]


async def test_a_batch_reaches_past_tasks_its_limits_turn_down(h: Harness) -> None:
    full = await h.create(*[new(f"a{i}", directory="/a", max_working=1) for i in range(3)])
    b1, b2 = await h.create(new("b1", directory="/b"), new("b2", directory="/b"))
    assert await h.claimed_ids(3) == [full[0], b1, b2]


async def test_a_tasks_own_limit_overrides_the_servers(h: Harness) -> None:
    alone, waits, free = await h.create(
        new("alone", directory="/a", max_working=1),
        new("waits", directory="/a", max_working=1),
        new("free", directory="/a"),
    )
    assert await h.claimed_ids(3, directory_limit=0) == [alone, free]
    assert await h.claimed_ids(3) == []
    await h.store.write(
        lambda tx: tx.requeue(
            facts_in(tx, alone),
            due_time=None,
            error="",
            lease_expired=False,
            now=h.tick(),
            actor="w",
            reason="handed back",
        )
    )
    # `free` still works in /a: neither task of limit 1 may start until it ends.
    assert await h.claimed_ids(3) == []
    await h.store.write(
        lambda tx: tx.complete(
            facts_in(tx, free),
            result_json=None,
            now=h.tick(),
            actor="w",
        )
    )
    assert await h.claimed_ids(3) == [alone], "one at a time, in claim order"
    assert (await h.get(waits)).state == TaskState.WAITING


async def test_concurrent_claimers_never_share_a_task(h: Harness) -> None:
    created = set()
    for _ in range(10):
        created.update(await h.create(*[new(f"t{i}") for i in range(20)]))
    claims = [h.store.write(h.claim_op(fencing.new_tokens(3))) for _ in range(100)]
    results = await asyncio.gather(*claims)
    got = [task.id for batch in results for task in batch]
    assert len(got) == len(set(got)) == len(created) == 200
    assert set(got) == created
    counts = await h.store.read(lambda s: s.counts())
    assert counts.by_state[TaskState.WORKING] == 200
