"""Leases through the port: fencing tokens, renewal, expiry, redelivery, abandoned claims."""

from __future__ import annotations

import pytest
from contract.harness import LEASE, Harness, new
from taskqueue_server.model import TaskState

pytestmark = pytest.mark.anyio


async def test_only_the_current_token_renews_a_lease(h: Harness) -> None:
    first, second = await h.create(new("a"), new("b"))
    (_, token_a), (task_b, token_b) = await h.claim(2)
    h.tick(1_000)
    renewed = await h.store.write(
        lambda tx: tx.renew_leases(
            [(first, token_a), (second, token_a), ("no-such-task", token_b)], now=h.now
        )
    )
    assert renewed == {first: h.now + LEASE}, "a token renews its own task's lease only"
    assert (await h.facts(first)).lease_expire_time == h.now + LEASE
    assert (await h.facts(second)).lease_expire_time == task_b.lease_expire_time


async def test_a_lease_that_ran_out_is_not_renewed_and_is_listed_expired(h: Harness) -> None:
    (task_id,) = await h.create()
    ((task, token),) = await h.claim(lease=1_000)
    assert await h.store.read(lambda s: s.next_lease_expiry()) == h.now + 1_000
    assert await h.store.write(lambda tx: tx.expired_leases(now=h.now + 999)) == []
    h.tick(1_000)
    assert await h.store.write(lambda tx: tx.renew_leases([(task_id, token)], now=h.now)) == {}
    expired = await h.store.write(lambda tx: tx.expired_leases(now=h.now))
    assert [(f.state, f.lease_token, f.attempt) for f in expired] == [(TaskState.WORKING, token, 1)]
    assert task.id == task_id


async def test_an_expired_lease_is_redelivered_under_a_new_token(h: Harness) -> None:
    (task_id,) = await h.create()
    ((_, old_token),) = await h.claim(lease=1_000, worker="frozen")
    h.tick(2_000)

    def reap(tx):  # type: ignore[no-untyped-def]
        (facts,) = tx.expired_leases(now=h.now)
        return tx.requeue(
            facts,
            due_time=None,
            error="lease ran out",
            lease_expired=True,
            now=h.now,
            actor="server",
            reason="lease of frozen ran out",
        )

    waiting = await h.store.write(reap)
    assert (waiting.state, waiting.lease_expire_time, waiting.lease_expiries) == (
        TaskState.WAITING,
        None,
        1,
    )
    assert waiting.history[-1].reason == "lease of frozen ran out"
    assert await h.store.read(lambda s: s.next_lease_expiry()) is None
    ((again, new_token),) = await h.claim(worker="second")
    assert (again.id, again.worker_id, again.attempt) == (task_id, "second", 2)
    facts = await h.facts(task_id)
    assert facts.lease_token == new_token != old_token
    stale = await h.store.write(lambda tx: tx.renew_leases([(task_id, old_token)], now=h.now))
    assert stale == {}, "the frozen worker's token no longer holds the task"
    assert (
        await h.store.write(lambda tx: tx.abandon_claim(token=old_token, now=h.now, reason="x"))
        is None
    )
    assert (await h.facts(task_id)).lease_token == new_token


async def test_a_lease_that_ran_out_for_the_last_time_fails_the_task(h: Harness) -> None:
    (task_id,) = await h.create()
    await h.claim(lease=1_000)
    h.tick(1_000)

    def reap(tx):  # type: ignore[no-untyped-def]
        (facts,) = tx.expired_leases(now=h.now)
        return tx.fail_expired(facts, error="gone", now=h.now, reason="out of attempts")

    failed = await h.store.write(reap)
    assert (failed.state, failed.error, failed.fail_time) == (TaskState.FAILED, "gone", h.now)
    facts = await h.facts(task_id)
    assert (facts.lease_token, facts.lease_expiries) == (None, 1)
    assert await h.claimed_ids() == []


async def test_an_abandoned_claim_waits_again_in_its_place_uncounted(h: Harness) -> None:
    first, second = await h.create(new("a"), new("b"))
    ((_, token),) = await h.claim()
    back = await h.store.write(
        lambda tx: tx.abandon_claim(token=token, now=h.tick(), reason="caller left")
    )
    assert back is not None
    assert (back.id, back.state, back.attempt) == (first, TaskState.WAITING, 0)
    again = await h.store.write(lambda tx: tx.abandon_claim(token=token, now=h.now, reason="x"))
    assert again is None, "a claim is undone once"
    assert await h.claimed_ids(2) == [first, second], "it kept its place in the queue"


async def test_extending_a_lease_moves_its_end(h: Harness) -> None:
    (task_id,) = await h.create()
    await h.claim(lease=1_000)
    facts = await h.facts(task_id)
    await h.store.write(lambda tx: tx.extend_lease(facts, expire_time=h.now + 50_000, now=h.now))
    assert (await h.facts(task_id)).lease_expire_time == h.now + 50_000
    assert await h.store.write(lambda tx: tx.expired_leases(now=h.now + 1_000)) == []
