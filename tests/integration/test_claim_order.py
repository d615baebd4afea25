"""Claim order: high before medium before low, oldest first, and the directory filter."""

from __future__ import annotations

import pytest
from support import Running, create_request
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

HIGH, MEDIUM, LOW = task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_MEDIUM, task_pb2.PRIORITY_LOW


async def drain(tq: Running, **filters: str) -> list[str]:
    prompts = []
    while True:
        response = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w", **filters))
        if not response.HasField("task"):
            return prompts
        prompts.append(response.task.prompt)


async def test_claims_high_before_medium_before_low_oldest_first(tq: Running) -> None:
    unset = task_pb2.PRIORITY_UNSPECIFIED
    order = [
        ("low-1", LOW),
        ("med-1", MEDIUM),
        ("high-1", HIGH),
        ("low-2", LOW),
        ("high-2", HIGH),
        ("unset-1", unset),
        ("med-2", MEDIUM),
    ]
    for prompt, priority in order:
        await tq.stub.CreateTask(create_request(prompt=prompt, priority=priority))
    assert await drain(tq) == ["high-1", "high-2", "med-1", "unset-1", "med-2", "low-1", "low-2"]


async def test_claim_skips_tasks_of_other_directories(tq: Running) -> None:
    await tq.stub.CreateTask(create_request(work_directory="/srv/a", prompt="a-low", priority=LOW))
    await tq.stub.CreateTask(
        create_request(work_directory="/srv/b", prompt="b-high", priority=HIGH)
    )
    await tq.stub.CreateTask(
        create_request(work_directory="/srv/a", prompt="a-high", priority=HIGH)
    )
    await tq.stub.CreateTask(create_request(work_directory="/srv/ab", prompt="ab", priority=HIGH))
    assert await drain(tq, work_directory="/srv/a/") == ["a-high", "a-low"]
    assert await drain(tq, work_directory="/srv/c") == []
    assert await drain(tq) == ["b-high", "ab"]
