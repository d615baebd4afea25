"""The Python client against a real server: typed calls, streams and mapped errors."""

from __future__ import annotations

import asyncio

import pytest
from support import PROMPT, Running
from taskqueue_client import (
    InvalidArgument,
    LeaseLost,
    NotFound,
    PromptMismatch,
    SyncTaskQueueClient,
    TaskQueueClient,
)

pytestmark = pytest.mark.anyio


async def test_async_client_worker_loop(tq: Running) -> None:
    async with TaskQueueClient(tq.address) as client:
        created = await client.create_task("/srv/app", PROMPT, priority="high", tags=["a"])
        stream = client.watch_next("worker-1", max_in_flight=1)
        pushed = await asyncio.wait_for(stream.__anext__(), 5)
        assert pushed.task.id == created.id and pushed.lease_token
        expire = await client.heartbeat(created.id, pushed.lease_token)
        assert expire.seconds > 0
        done = await client.complete_task(
            created.id, lease_token=pushed.lease_token, original_prompt=PROMPT,
            result={"status": "ok"},
        )  # fmt: skip
        assert done.state == 3 and dict(done.result) == {"status": "ok"}
        await stream.aclose()
        page = await client.list_tasks(states=[3])
        assert [t.id for t in page.tasks] == [created.id]
        assert (await client.get_stats()).tasks_by_state.completed == 1


async def test_async_client_maps_refusals(tq: Running) -> None:
    async with TaskQueueClient(tq.address) as client:
        created = await client.create_task("/srv/app", PROMPT)
        claim = await client.claim_task("w", lease_seconds=30)
        with pytest.raises(LeaseLost):
            await client.complete_task(created.id, lease_token="forged")
        with pytest.raises(PromptMismatch) as mismatch:
            await client.complete_task(
                created.id, lease_token=claim.lease_token, original_prompt="something else"
            )
        assert float(mismatch.value.metadata["score"]) < 90
        with pytest.raises(InvalidArgument) as invalid:
            await client.create_task("relative", "")
        assert {v.field for v in invalid.value.violations} == {"work_directory", "prompt"}
        with pytest.raises(NotFound):
            await client.get_task("00000000-0000-4000-8000-000000000000")
        failed = await client.fail_task(created.id, lease_token=claim.lease_token, error="x")
        assert failed.state == 4


async def test_sync_client_against_a_real_server(tq: Running) -> None:
    def script() -> list[str]:
        with SyncTaskQueueClient(tq.address) as client:
            created = client.create_task("/srv/sync", "sync prompt", request_id=(
                "6f1c1f4e-3f5e-4c1e-9a51-0f2d7c9a1b23"))  # fmt: skip
            again = client.create_task("/srv/sync", "sync prompt", request_id=(
                "6f1c1f4e-3f5e-4c1e-9a51-0f2d7c9a1b23"))  # fmt: skip
            claim = client.claim_task("w")
            client.complete_task(created.id, lease_token=claim.lease_token)
            return [created.id, again.id, client.get_task(created.id).worker_id]

    created, again, worker = await asyncio.to_thread(script)
    assert created == again and worker == "w"
