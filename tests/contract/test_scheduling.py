"""Scheduled tasks through the port: not claimable before their time, promoted once due."""

from __future__ import annotations

import pytest
from contract.harness import Harness, facts_in, new
from taskqueue_server.model import TaskFilter, TaskState

pytestmark = pytest.mark.anyio


async def test_a_scheduled_task_waits_for_its_time(h: Harness) -> None:
    later = h.now + 60_000_000
    soon = h.now + 1_000_000
    (due_later, due_soon, now) = await h.create(
        new("later", due_time=later, tags=["x"]),
        new("soon", due_time=soon, directory="/s"),
        new("now"),
    )
    assert (await h.get(due_later)).due_time == later
    assert await h.store.read(lambda s: s.next_due()) == soon
    assert await h.claimed_ids(5) == [now]
    counts = await h.store.read(lambda s: s.counts())
    assert counts.scheduled == 2
    not_due = await h.store.read(lambda s: s.count(TaskFilter(due=False)))
    assert not_due == 2

    h.now = soon
    promoted = await h.store.write(lambda tx: tx.promote_due(now=h.now))
    assert promoted == [("/s", ())]
    assert await h.store.write(lambda tx: tx.promote_due(now=h.now)) == [], "promoted once"
    assert await h.store.read(lambda s: s.next_due()) == later
    assert await h.claimed_ids(5) == [due_soon]

    h.now = later + 1
    assert await h.store.write(lambda tx: tx.promote_due(now=h.now)) == [("/w", ("x",))]
    assert await h.store.read(lambda s: s.next_due()) is None
    assert await h.claimed_ids(5) == [due_later]


async def test_a_task_put_back_with_a_backoff_is_scheduled(h: Harness) -> None:
    (task_id,) = await h.create()
    await h.claim()
    due = h.now + 5_000_000

    def back_off(tx):  # type: ignore[no-untyped-def]
        return tx.requeue(
            facts_in(tx, task_id),
            due_time=due,
            error="flaky",
            lease_expired=False,
            now=h.tick(),
            actor="w",
            reason="retrying in 5 s",
        )

    waiting = await h.store.write(back_off)
    assert (waiting.state, waiting.due_time, waiting.error) == (TaskState.WAITING, due, "flaky")
    assert await h.claimed_ids() == []
    assert await h.store.read(lambda s: s.next_due()) == due
    h.now = due
    assert len(await h.store.write(lambda tx: tx.promote_due(now=h.now))) == 1
    ((task, _),) = await h.claim()
    assert (task.id, task.attempt) == (task_id, 2)
