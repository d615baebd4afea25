"""PostgreSQL stopped under a live server: calls fail UNAVAILABLE and health turns
NOT_SERVING while it is down; when it is back, calls and health recover by themselves (no
restart of taskqueue), and nothing acknowledged before is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import postgres_cluster as cluster
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from support import create_request, running_server, wait_for
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio


async def test_an_outage_is_unavailable_then_heals_by_itself(
    postgres_cluster: tuple[Path, str], tmp_path: Path
) -> None:
    directory, url = postgres_cluster
    async with running_server(
        tmp_path / "x", postgres=url, probe_interval_us=100_000, probe_timeout_us=1_000_000
    ) as tq:
        health = health_pb2_grpc.HealthStub(tq.channel)

        async def status() -> int:
            got = await health.Check(health_pb2.HealthCheckRequest(service=""))
            return int(got.status)

        made = [(await tq.stub.CreateTask(create_request(prompt=f"t{i}"))).task.id
                for i in range(5)]  # fmt: skip
        await asyncio.to_thread(cluster.stop, directory)
        try:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await tq.stub.CreateTask(create_request(prompt="during the outage"))
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE, info.value
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await tq.stub.GetTask(pb.GetTaskRequest(task_id=made[0]))
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE, info.value

            async def not_serving() -> bool:
                return await status() == health_pb2.HealthCheckResponse.NOT_SERVING

            await wait_for(not_serving, 10, "health NOT_SERVING while PostgreSQL is down")
        finally:
            await asyncio.to_thread(cluster.start_again, directory)

        async def creates() -> bool:
            try:
                await tq.stub.CreateTask(create_request(prompt="after the outage"))
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                return False
            return True

        async def serving() -> bool:
            return await status() == health_pb2.HealthCheckResponse.SERVING

        await wait_for(creates, 20, "creates to work again")
        await wait_for(serving, 20, "health SERVING again")
        for task_id in made:
            got = await tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id))
            assert got.task.id == task_id
        listed = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=100))
        prompts = sorted(t.prompt for t in listed.tasks)
        assert prompts.count("after the outage") >= 1 and "during the outage" not in prompts
