"""The writer's unit of work through the port: operations share a transaction, a failing one
is undone alone, a refused one changes nothing, and reads see what was acknowledged."""

from __future__ import annotations

import asyncio

import pytest
from contract.harness import ACTOR, Harness, facts_in, new
from taskqueue_server import errors
from taskqueue_server.store.port import Transaction

pytestmark = pytest.mark.anyio


async def test_an_operation_that_raises_is_undone_and_its_neighbours_commit(h: Harness) -> None:
    (kept,) = await h.create()
    good = [list(zip(h.keys(1), [new(f"good {i}")], strict=True)) for i in range(3)]
    bad = list(zip(h.keys(2), [new("bad 1"), new("bad 2")], strict=True))
    now = h.tick()

    def insert(items):  # type: ignore[no-untyped-def]
        return lambda tx: tx.insert_tasks(items, now=now, actor=ACTOR)

    def insert_then_refuse(tx: Transaction) -> None:
        tx.insert_tasks(bad, now=now, actor=ACTOR)
        tx.claim(
            work_directory=None, tags=(), worker_id="w", tokens=["t"], now=now,
            lease_duration=1_000, directory_limit=0, with_history=False,
        )  # fmt: skip
        raise errors.TransitionRefused("the queue changed its mind after writing")

    ops = [insert(good[0]), insert_then_refuse, insert(good[1]), insert(good[2])]
    outcomes = await asyncio.gather(*(h.store.write(op) for op in ops), return_exceptions=True)
    assert isinstance(outcomes[1], errors.TransitionRefused)
    assert all(not isinstance(o, BaseException) for i, o in enumerate(outcomes) if i != 1)
    for _, task_id in (key for items in good for key, _ in items):
        assert (await h.get(task_id)).prompt.startswith("good")
    for (_, task_id), _ in bad:
        assert await h.store.read(lambda s, t=task_id: s.get_task(t)) is None
    assert (await h.get(kept)).worker_id == "", "the claim inside the failed operation is undone"


async def test_a_refused_operation_changes_nothing(h: Harness) -> None:
    waiting, working = await h.create(new("a"), new("b", tags=["t"], directory="/d"))
    await h.claim(tags=["t"])
    await h.store.write(
        lambda tx: tx.insert_config(now=h.now, actor="a", changes={"x": (0, 1)}, settings={"x": 1})
    )
    before = await h.digest()

    def everything_then_refuse(tx: Transaction) -> None:
        tx.insert_tasks(list(zip(h.keys(1), [new()], strict=True)), now=h.now, actor=ACTOR)
        tx.complete(facts_in(tx, working), result_json="{}", now=h.now, actor="w")
        tx.cancel(facts_in(tx, waiting), cancel_reason="no", now=h.now, actor="a", reason="r")
        tx.insert_config(now=h.now, actor="a", changes={"x": (1, 2)}, settings={"x": 2})
        tx.append_audit([], keep=10)
        tx.touch_probe(h.now)
        raise errors.InvalidArgument(
            [errors.FieldViolation(field="field", description="refused after writing")]
        )

    with pytest.raises(errors.InvalidArgument):
        await h.store.write(everything_then_refuse)
    assert await h.digest() == before


async def test_a_read_sees_every_write_acknowledged_before_it(h: Harness) -> None:
    for i in range(20):
        (task_id,) = await h.create(new(f"t{i}"))
        assert (await h.store.read(lambda s, t=task_id: s.get_task(t))) is not None
        assert (await h.store.read(lambda s, t=task_id: s.get_task(t), quick=True)) is not None
        assert await asyncio.to_thread(h.store.read_blocking, lambda s, t=task_id: s.get_prompt(t))


async def test_queued_operations_run_in_order_and_share_commits(h: Harness) -> None:
    order: list[int] = []

    def op(i: int):  # type: ignore[no-untyped-def]
        def run(tx: Transaction) -> int:
            order.append(i)
            return i

        return run

    futures = [h.store.write_soon(op(i)) for i in range(50)]
    assert await asyncio.gather(*futures) == list(range(50))
    assert sorted(set(order)) == list(range(50))
    first_runs = list(dict.fromkeys(order))
    assert first_runs == list(range(50)), "operations run in the order they were queued"
    assert h.store.pending == 0
