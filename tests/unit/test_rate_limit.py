"""Token buckets: refill, retry-after, and memory that stays bounded under a flood of peers."""

from __future__ import annotations

import pytest
from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.security.audit import AuditLog
from taskqueue_server.security.gate import Gate, peer_address
from taskqueue_server.security.keys import KeyRing
from taskqueue_server.security.ratelimit import SWEEP_EVERY, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_when_to_come_back() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock)
    assert [buckets.take("a", 2.0, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 2.0, 3) == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("a", 2.0, 3) == 0.0
    assert buckets.take("b", 2.0, 3) == 0.0, "each key has its own bucket"


def test_idle_buckets_are_evicted() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock)
    for i in range(500):
        buckets.take(f"idle-{i}", 10.0, 5)
    clock.now += 1.0  # every idle bucket is full again
    for _ in range(SWEEP_EVERY):
        buckets.take("busy", 1e9, 1e9)
    assert len(buckets) == 1


def test_a_flood_of_distinct_peers_keeps_memory_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock, max_entries=1000)
    for i in range(60_000):
        last = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        buckets.take(last, 1.0, 1)
        assert len(buckets) <= 1000
    # the newest are still limited
    assert buckets.take(last, 1.0, 1) > 0


def test_the_gate_with_many_synthetic_peers_keeps_bounded_buckets() -> None:
    async def load() -> list:  # type: ignore[type-arg]
        return []

    async def append(_: object) -> None:
        return None

    settings = Settings(rate_limit_ip_per_second=5.0, rate_limit_ip_burst=1)
    gate = Gate(
        settings,
        keys=KeyRing("/nonexistent/db", load),
        audit=AuditLog(append, lambda: 0),
        clock=lambda: 0,
    )
    gate.ip_buckets = TokenBuckets(Clock(), max_entries=5000)
    for i in range(50_000):
        gate.admit(
            "GetTask",
            "/taskqueue.v1.TaskQueueService/GetTask",
            None,
            f"ipv4:10.0.{i >> 8 & 255}.{i & 255}:{i}",
        )
    assert len(gate.ip_buckets) <= 5000
    with pytest.raises(errors.RateLimited) as caught:
        gate.admit("GetTask", "/taskqueue.v1.TaskQueueService/GetTask", None, "ipv4:10.0.195.79:9")
    assert caught.value.retry_after_s == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("peer", "address"),
    [
        ("ipv4:127.0.0.1:50512", "127.0.0.1"),
        ("ipv6:[::1]:50512", "::1"),
        ("unix:/tmp/socket", "unix:/tmp/socket"),
    ],
)
def test_peer_address(peer: str, address: str) -> None:
    assert peer_address(peer) == address
