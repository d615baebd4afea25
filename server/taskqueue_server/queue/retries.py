"""Automatic retries: resolving a task's retry policy, and what happens when an attempt ends
without success (a failure reported by the worker, or a lease that ran out).

Pure functions of the task's counters, the settings and a random source, so the backoff
sequence and its jitter are tested without a server or a clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from taskqueue_server.config import Settings
from taskqueue_server.model import RetryPolicy
from taskqueue_server.queue import validation

MAX_ATTEMPTS: Final = 100
MAX_INITIAL_BACKOFF_US: Final = 3600 * 1_000_000
MAX_MAX_BACKOFF_US: Final = 24 * 3600 * 1_000_000
MIN_BACKOFF_US: Final = 1_000
JITTER: Final = 0.2
"""Each backoff is drawn uniformly within ±20% of its exponential base."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PolicyInput:
    """A retry policy as a caller sends it; zeros take the server's defaults."""

    max_attempts: int = 0
    initial_backoff_us: int = 0
    max_backoff_us: int = 0
    multiplier: float = 0.0


def resolve(raw: PolicyInput, settings: Settings, v: validation.Violations) -> RetryPolicy:
    """The effective policy, defaults filled in, bounds checked."""
    attempts = raw.max_attempts or settings.retry_max_attempts
    initial = raw.initial_backoff_us or settings.retry_initial_backoff_us
    maximum = raw.max_backoff_us or settings.retry_max_backoff_us
    multiplier = raw.multiplier or settings.retry_backoff_multiplier
    field = "retry_policy."
    if not 1 <= attempts <= MAX_ATTEMPTS:
        v.add(field + "max_attempts", f"must be from 1 to {MAX_ATTEMPTS}, got {attempts}")
    if not MIN_BACKOFF_US <= initial <= MAX_INITIAL_BACKOFF_US:
        v.add(field + "initial_backoff", "must be from 1 ms to 1 hour")
    if not MIN_BACKOFF_US <= maximum <= MAX_MAX_BACKOFF_US:
        v.add(field + "max_backoff", "must be from 1 ms to 24 hours")
    elif maximum < initial:
        v.add(field + "max_backoff", "must not be shorter than initial_backoff")
    if not 1.0 <= multiplier <= 10.0:
        v.add(field + "backoff_multiplier", f"must be from 1 to 10, got {multiplier:g}")
    return RetryPolicy(
        max_attempts=attempts,
        initial_backoff_us=initial,
        max_backoff_us=maximum,
        multiplier=multiplier,
    )


def backoff_base(policy: RetryPolicy, failed_attempts: int) -> int:
    """The backoff after `failed_attempts` failed attempts (1 for the first), before jitter."""
    base = policy.initial_backoff_us * policy.multiplier ** (failed_attempts - 1)
    return int(min(base, policy.max_backoff_us))


def backoff(policy: RetryPolicy, failed_attempts: int, rng: random.Random) -> int:
    """The jittered backoff: within ±20% of the base, never above max_backoff."""
    base = backoff_base(policy, failed_attempts)
    jittered = base * rng.uniform(1 - JITTER, 1 + JITTER)
    return int(min(jittered, policy.max_backoff_us))


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What ending an attempt without success does to the task."""

    retry_after_us: int | None
    """Back to waiting after this long (0: at once); None: the task fails."""
    reason: str
    """Why, for the history and the error."""


def after_failure(
    policy: RetryPolicy | None, attempt: int, *, retryable: bool, rng: random.Random
) -> Outcome:
    """A worker reported failure of attempt number `attempt`."""
    if policy is None:
        return Outcome(retry_after_us=None, reason="failed")
    if not retryable:
        return Outcome(retry_after_us=None, reason="failed, not retryable")
    if attempt >= policy.max_attempts:
        return Outcome(
            retry_after_us=None, reason=f"failed, all {policy.max_attempts} attempts used"
        )
    delay = backoff(policy, attempt, rng)
    return Outcome(
        retry_after_us=delay,
        reason=f"attempt {attempt} of {policy.max_attempts} failed; retry in {delay / 1e6:.3g}s",
    )


def after_lease_expiry(
    policy: RetryPolicy | None,
    attempt: int,
    lease_expiries: int,
    *,
    max_lease_expiries: int,
    rng: random.Random,
) -> Outcome:
    """The lease of attempt `attempt` ran out; the task's lease has now run out
    `lease_expiries + 1` times."""
    if lease_expiries + 1 > max_lease_expiries:
        return Outcome(
            retry_after_us=None,
            reason=f"LEASE_EXPIRED_TOO_OFTEN: the lease ran out {lease_expiries + 1} times",
        )
    if policy is None:
        return Outcome(retry_after_us=0, reason="lease expired")
    if attempt >= policy.max_attempts:
        return Outcome(
            retry_after_us=None,
            reason=f"lease expired, all {policy.max_attempts} attempts used",
        )
    delay = backoff(policy, attempt, rng)
    return Outcome(
        retry_after_us=delay,
        reason=f"lease expired on attempt {attempt} of {policy.max_attempts};"
        f" retry in {delay / 1e6:.3g}s",
    )
