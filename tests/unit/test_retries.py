"""Retry policy arithmetic with an injected random source: no server, no clock."""

from __future__ import annotations

import random

import pytest
from taskqueue_server.config import Settings
from taskqueue_server.model import RetryPolicy
from taskqueue_server.queue import retries, validation

POLICY = RetryPolicy(
    max_attempts=5, initial_backoff_us=1_000_000, max_backoff_us=6_000_000, multiplier=2.0
)


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    bases = [retries.backoff_base(POLICY, n) for n in range(1, 6)]
    assert bases == [1_000_000, 2_000_000, 4_000_000, 6_000_000, 6_000_000]


@pytest.mark.parametrize("seed", range(20))
def test_jitter_stays_within_twenty_percent_and_under_the_cap(seed: int) -> None:
    rng = random.Random(seed)
    for n in range(1, 6):
        base = retries.backoff_base(POLICY, n)
        delay = retries.backoff(POLICY, n, rng)
        assert 0.8 * base <= delay <= min(1.2 * base, POLICY.max_backoff_us)


def test_jitter_actually_varies() -> None:
    rng = random.Random(1)
    assert len({retries.backoff(POLICY, 1, rng) for _ in range(20)}) > 10


def test_failure_with_attempts_left_retries_after_backoff() -> None:
    outcome = retries.after_failure(POLICY, 2, retryable=True, rng=random.Random(0))
    assert outcome.retry_after_us is not None
    assert 1_600_000 <= outcome.retry_after_us <= 2_400_000
    assert "attempt 2 of 5" in outcome.reason


def test_failure_not_retryable_or_out_of_attempts_or_without_policy_fails() -> None:
    rng = random.Random(0)
    assert retries.after_failure(POLICY, 1, retryable=False, rng=rng).retry_after_us is None
    assert retries.after_failure(POLICY, 5, retryable=True, rng=rng).retry_after_us is None
    assert retries.after_failure(None, 1, retryable=True, rng=rng).retry_after_us is None


def test_lease_expiry_counts_as_an_attempt() -> None:
    rng = random.Random(0)
    again = retries.after_lease_expiry(POLICY, 1, 0, max_lease_expiries=5, rng=rng)
    assert again.retry_after_us is not None and again.retry_after_us > 0
    last = retries.after_lease_expiry(POLICY, 5, 0, max_lease_expiries=5, rng=rng)
    assert last.retry_after_us is None


def test_lease_expiry_without_policy_requeues_at_once_until_too_often() -> None:
    rng = random.Random(0)
    assert retries.after_lease_expiry(None, 3, 2, max_lease_expiries=3, rng=rng).retry_after_us == 0
    poison = retries.after_lease_expiry(None, 4, 3, max_lease_expiries=3, rng=rng)
    assert poison.retry_after_us is None
    assert poison.reason.startswith("LEASE_EXPIRED_TOO_OFTEN")


def test_policy_defaults_and_bounds() -> None:
    v = validation.Violations()
    policy = retries.resolve(retries.PolicyInput(), Settings(), v)
    assert v.items == []
    assert (policy.max_attempts, policy.initial_backoff_us, policy.multiplier) == (3, 1_000_000, 2)
    v = validation.Violations()
    retries.resolve(
        retries.PolicyInput(max_attempts=101, initial_backoff_us=10, multiplier=11), Settings(), v
    )
    assert sorted(i.field for i in v.items) == [
        "retry_policy.backoff_multiplier",
        "retry_policy.initial_backoff",
        "retry_policy.max_attempts",
    ]


@pytest.mark.anyio
async def test_alarm_fires_when_the_injected_clock_passes_the_deadline() -> None:
    import asyncio

    from taskqueue_server.queue.alarm import Alarm

    now = [0]
    fired: list[int] = []
    done = asyncio.Event()

    async def action() -> int | None:
        fired.append(now[0])
        done.set()
        return None

    alarm = Alarm(action, lambda: now[0], "test-alarm")
    alarm.start(None)
    alarm.note(5_000)  # 5 ms ahead on the injected clock
    for _ in range(20):
        await asyncio.sleep(0.001)
    assert fired == []  # the injected clock has not moved
    now[0] = 6_000
    alarm.note(5_000)  # poke: the deadline has passed now
    await asyncio.wait_for(done.wait(), 2)
    assert fired == [6_000]
    await alarm.stop()
