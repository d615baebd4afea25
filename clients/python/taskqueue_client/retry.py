"""When a failed call may be sent again, and how long to wait first.

Only UNAVAILABLE is retried, and only for calls that are safe to repeat: reads, heartbeats,
priority changes, and creates that carry a request_id (the server replays the first answer).
Everything else fails at once with the server's error.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from taskqueue_client.errors import from_rpc_error

T = TypeVar("T")

IDEMPOTENT = frozenset(
    {
        "GetTask",
        "ListTasks",
        "GetStats",
        "GetServerStatus",
        "GetConfig",
        "ListBackups",
        "ListConfigRevisions",
        "Heartbeat",
        "SetTaskPriority",
    }
)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter: initial * multiplier^n, capped, +/- jitter."""

    max_attempts: int = 5
    initial_backoff: float = 0.1
    max_backoff: float = 3.0
    multiplier: float = 2.0
    jitter: float = 0.2

    def delays(self, rng: random.Random) -> Iterator[float]:
        """The waits before attempts 2, 3, …, max_attempts."""
        base = self.initial_backoff
        for _ in range(self.max_attempts - 1):
            yield min(self.max_backoff, base) * rng.uniform(1 - self.jitter, 1 + self.jitter)
            base *= self.multiplier


def retryable(code: grpc.StatusCode, method: str, *, has_request_id: bool = False) -> bool:
    """Whether a call that failed with `code` may be sent again."""
    if code != grpc.StatusCode.UNAVAILABLE:
        return False
    return method in IDEMPOTENT or (method in ("CreateTask", "BatchCreateTasks") and has_request_id)


def call(
    send: Callable[[], T],
    *,
    method: str,
    has_request_id: bool = False,
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], Any] = time.sleep,
) -> T:
    """Sends with `send()`, retrying where safe; failures become TaskQueueClientErrors."""
    delays = policy.delays(rng)
    while True:
        try:
            return send()
        except grpc.RpcError as exc:
            wait = next(delays, None)
            if wait is None or not retryable(exc.code(), method, has_request_id=has_request_id):
                raise from_rpc_error(exc) from exc
            sleep(wait)


async def acall(
    send: Callable[[], Awaitable[T]],
    *,
    method: str,
    has_request_id: bool = False,
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """The asyncio twin of `call`."""
    delays = policy.delays(rng)
    while True:
        try:
            return await send()
        except grpc.RpcError as exc:
            wait = next(delays, None)
            if wait is None or not retryable(exc.code(), method, has_request_id=has_request_id):
                raise from_rpc_error(exc) from exc
            await sleep(wait)
