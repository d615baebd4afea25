"""Creates through the port: order, ids, request ids, clocks that step back, durability."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from contract.adapters import opened
from contract.harness import ACTOR, Harness, new
from taskqueue_server import errors
from taskqueue_server.model import Priority, RetryPolicy, TaskState
from taskqueue_server.store.port import Store, Transaction

pytestmark = pytest.mark.anyio


async def test_new_tasks_are_stored_as_given_and_waiting(h: Harness) -> None:
    policy = RetryPolicy(
        max_attempts=4, initial_backoff_us=1_000, max_backoff_us=9_000, multiplier=3.0
    )
    ((key, task_id),) = h.keys(1)
    given = new("Résumé ✓ " + "x" * 10_000, directory="/home/me/projet é", priority=Priority.HIGH,
                tags=["b", "a"], max_working=3)._replace(retry_policy=policy)  # fmt: skip
    now = h.tick()
    await h.store.write(lambda tx: tx.insert_tasks([((key, task_id), given)], now=now, actor="me"))
    task = await h.get(task_id)
    assert (task.id, task.prompt, task.work_directory, task.priority) == (
        task_id, given.prompt, given.work_directory, Priority.HIGH,
    )  # fmt: skip
    assert sorted(task.tags) == ["a", "b"]
    assert (task.state, task.attempt, task.worker_id, task.create_time) == (
        TaskState.WAITING, 0, "", now,
    )  # fmt: skip
    assert (task.retry_policy, task.max_working) == (policy, 3)
    assert [(e.from_state, e.to_state, e.actor) for e in task.history] == [
        (None, TaskState.WAITING, "me")
    ]
    assert await h.store.read(lambda s: s.get_prompt(task_id)) == given.prompt
    assert await h.store.read(lambda s: s.get_prompts([task_id, "unknown"])) == {
        task_id: given.prompt
    }
    assert await h.store.read(lambda s: s.next_task_key()) == key + 1


async def test_unknown_ids_are_found_nowhere(h: Harness) -> None:
    await h.create()
    for unknown in ("", "nope", "00000000-0000-4000-8000-000000000000", "é" * 300):
        assert await h.store.read(lambda s, u=unknown: s.get_task(u)) is None
        assert await h.store.read(lambda s, u=unknown: s.task_facts(u)) is None
        assert await h.store.read(lambda s, u=unknown: s.get_prompt(u)) is None
    got = await h.store.read(lambda s: list(s.each_task_facts(["nope", ""])))
    assert got == [None, None]


async def test_creation_times_never_decrease_when_the_clock_steps_back(h: Harness) -> None:
    (first,) = await h.create()
    h.now -= 10_000_000
    (second,) = await h.create()
    a, b = await h.get(first), await h.get(second)
    assert b.create_time >= a.create_time


async def test_a_request_id_names_one_task(h: Harness) -> None:
    (task_id,) = await h.create(new(request_id="order-42"))
    found = await h.store.read(lambda s: s.by_request_id("order-42"))
    assert found == (task_id, "hash-of-order-42")
    assert await h.store.read(lambda s: s.by_request_id("order-43")) is None
    before = await h.digest()
    with pytest.raises(errors.TaskQueueError):
        await h.create(new("again", request_id="order-42"))
    assert await h.digest() == before, "a second task under a used request id is refused whole"


async def test_prepared_tasks_are_stored_as_plain_inserts_are(h: Harness) -> None:
    items = list(zip(h.keys(3), [new(f"p{i}", tags=["t"]) for i in range(3)], strict=True))
    prepared = h.store.prepare_tasks(items[:2])
    more = h.store.prepare_tasks(items[2:])
    now = h.tick()
    await h.store.write(lambda tx: tx.insert_prepared([prepared, more], now=now, actor=ACTOR))
    tasks = [await h.get(task_id) for (_, task_id), _ in items]
    assert [(t.prompt, t.tags, t.create_time) for t in tasks] == [
        (f"p{i}", ("t",), now) for i in range(3)
    ]
    assert await h.claimed_ids(3, tags=["t"]) == [t.id for t in tasks]


async def test_what_was_acknowledged_survives_a_reopen(
    make_store: Callable[[Path], Store], tmp_path: Path
) -> None:
    where = tmp_path  # a fresh directory per test
    async with opened(make_store(where)) as store:
        h = Harness(store)
        await h.start()
        created = await h.create(*[new(f"t{i}") for i in range(5)])
        await h.claim(2)

        def config(tx: Transaction) -> int:
            return tx.insert_config(now=h.now, actor="a", changes={"k": (1, 2)}, settings={"k": 2})

        await store.write(config)
        before = await h.digest()
    async with opened(make_store(where)) as store:
        again = Harness(store)
        assert await again.digest() == before
        assert [t.id for t in [await again.get(i) for i in created]] == created
        await again.start()
        assert again.keys(1)[0][1] not in created, "new ids follow the stored ones"


async def test_reserved_key_blocks_follow_the_stored_keys_and_never_overlap(h: Harness) -> None:
    await h.create(new("a"), new("b"))
    after = await h.store.read(lambda s: s.next_task_key())

    def reserve(tx):  # type: ignore[no-untyped-def]
        return tx.reserve_task_keys()

    blocks = [await h.store.write(reserve) for _ in range(3)]
    assert all(len(b) > 0 and b.start >= after for b in blocks), (after, blocks)
    keys = [k for b in blocks for k in b]
    assert len(keys) == len(set(keys)), "a key was reserved twice"
