"""Lists through the port: keyset pages in each order, filters, counts, paging under writes."""

from __future__ import annotations

import asyncio

import pytest
from contract.harness import Harness, facts_in, new
from taskqueue_server.model import ListOrder, Priority, TaskFilter, TaskQuery, TaskState

pytestmark = pytest.mark.anyio


async def pages(h: Harness, query: TaskQuery) -> list[list[str]]:
    """Every page of `query`, each continued after the sort key of the one before."""
    out: list[list[str]] = []
    after = None
    while True:
        q = TaskQuery(filter=query.filter, order=query.order, after=after, limit=query.limit)
        page, more = await h.store.read(lambda s, q=q: s.list_page(q))
        out.append([task.id for _, task in page])
        if not more:
            return out
        seq, last = page[-1]
        after = (last.priority.value, seq) if query.order is ListOrder.PRIORITY else (seq,)


async def test_each_order_pages_through_every_task_once(h: Harness) -> None:
    levels = [Priority.LOW, Priority.HIGH, Priority.MEDIUM] * 4
    ids = await h.create(*[new(f"t{i}", priority=p) for i, p in enumerate(levels)])
    by_priority = [i for _, i in sorted(zip(levels, ids, strict=True), key=lambda x: x[0])]
    for order, expected in (
        (ListOrder.CREATE_TIME, ids),
        (ListOrder.CREATE_TIME_DESC, ids[::-1]),
        (ListOrder.PRIORITY, by_priority),
    ):
        got = await pages(h, TaskQuery(filter=TaskFilter(), order=order, limit=5))
        assert [len(p) for p in got] == [5, 5, 2], order
        assert [task for page in got for task in page] == expected, order


async def test_filters_select_and_count_alike(h: Harness) -> None:
    a, b, c, d = await h.create(
        new("a", tags=["x", "y"], directory="/a"),
        new("b", tags=["x"], priority=Priority.HIGH),
        new("c", directory="/a", due_time=h.now + 10**9),
        new("d"),
    )
    await h.claim(1, worker="picker")  # takes b (high)
    cases = {
        TaskFilter(tags=("x",)): [a, b],
        TaskFilter(tags=("x", "y")): [a],
        TaskFilter(work_directory="/a"): [a, c],
        TaskFilter(states=(TaskState.WORKING,)): [b],
        TaskFilter(states=(TaskState.WAITING,), priorities=(Priority.MEDIUM,)): [a, c, d],
        TaskFilter(worker_id="picker"): [b],
        TaskFilter(due=True): [a, d],
        TaskFilter(due=False): [c],
        TaskFilter(created_after=h.now + 1): [],
    }
    for f, expected in cases.items():
        got = await pages(h, TaskQuery(filter=f, limit=2))
        assert [task for page in got for task in page] == expected, f
        assert await h.store.read(lambda s, f=f: s.count(f)) == len(expected), f


async def test_pages_neither_repeat_nor_skip_while_tasks_come_and_go(h: Harness) -> None:
    old = await h.create(*[new(f"old {i}") for i in range(60)])
    stop = asyncio.Event()

    async def churn() -> None:
        while not stop.is_set():
            await h.create(new("new"), new("new"))
            for task, _ in await h.claim(1):
                await h.store.write(
                    lambda tx, t=task.id: tx.complete(
                        facts_in(tx, t),
                        result_json='{"ok": true}',
                        now=h.tick(),
                        actor="w",
                    )
                )

    writer = asyncio.ensure_future(churn())
    try:
        seen: list[str] = []
        after = None
        for _ in range(1_000):
            q = TaskQuery(filter=TaskFilter(), after=after, limit=7)
            page, more = await h.store.read(lambda s, q=q: s.list_page(q))
            seen.extend(task.id for _, task in page)
            await asyncio.sleep(0)  # let the writer in between pages
            if not more:
                break
            after = (page[-1][0],)
    finally:
        stop.set()
        await writer
    assert len(seen) == len(set(seen)), "a task was listed twice"
    assert seen[: len(old)] == old, "a task that was there all along was skipped"
