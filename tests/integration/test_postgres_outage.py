"""PostgreSQL stopped under a live server: calls fail UNAVAILABLE and health turns
NOT_SERVING while it is down; when it is back, calls and health recover by themselves (no
restart of taskqueue), and nothing acknowledged before is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import postgres_cluster as cluster
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from support import create_request, running_server, wait_for
from taskqueue.v1 import task_pb2
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


async def test_a_restart_under_load_loses_nothing_acknowledged_and_streams_resume(
    postgres_cluster: tuple[Path, str], tmp_path: Path
) -> None:
    """`pg_ctl restart` while four clients create, a worker claims and completes, and a
    WatchNext stream waits: calls fail UNAVAILABLE meanwhile (nothing else), every create
    and completion acknowledged before, during or after is there, and the stream that was
    open delivers again without being reopened."""
    directory, url = postgres_cluster
    async with running_server(
        tmp_path / "x", postgres=url, probe_interval_us=100_000, probe_timeout_us=1_000_000
    ) as tq:
        created: list[str] = []
        completed: list[str] = []
        refused: list[grpc.StatusCode] = []
        stop = asyncio.Event()

        async def guarded(call: Any) -> Any:
            try:
                return await call
            except grpc.aio.AioRpcError as exc:
                refused.append(exc.code())
                return None

        async def creator(n: int) -> None:
            while not stop.is_set():
                made = await guarded(tq.stub.CreateTask(create_request(prompt=f"c{n}")))
                if made is not None:
                    created.append(made.task.id)

        async def worker() -> None:
            while not stop.is_set():
                got = await guarded(tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w")))
                if got is None or not got.task.id:
                    continue
                done = await guarded(tq.stub.CompleteTask(pb.CompleteTaskRequest(
                    task_id=got.task.id, lease_token=got.lease_token)))  # fmt: skip
                if done is not None:
                    completed.append(got.task.id)

        watcher = tq.stub.WatchNext(
            pb.WatchNextRequest(worker_id="watcher", tags=["after-restart"])
        )
        load = [asyncio.create_task(creator(n)) for n in range(4)]
        load.append(asyncio.create_task(worker()))
        try:
            await wait_for(_at_least(created, 50), 20, "creates before the restart")
            await asyncio.to_thread(cluster.restart, directory)
            before = len(created), len(completed)
            await wait_for(_at_least(created, before[0] + 50), 30, "creates after the restart")
            await wait_for(_at_least(completed, before[1] + 20), 30, "completions after it")
        finally:
            stop.set()
            await asyncio.gather(*load)
        await tq.stub.CreateTask(create_request(prompt="for the watcher", tags=["after-restart"]))
        pushed = await asyncio.wait_for(watcher.read(), 20)
        assert pushed.task.prompt == "for the watcher", "the open stream delivers again"
        watcher.cancel()

        assert set(refused) <= {grpc.StatusCode.UNAVAILABLE}, refused
        listed = await all_tasks(tq)
        assert set(created) <= set(listed), "an acknowledged create was lost"
        assert len(created) == len(set(created))
        not_done = [t for t in completed if listed[t] != task_pb2.TASK_STATE_COMPLETED]
        assert not not_done, "an acknowledged completion was lost"


def _at_least(items: list[str], count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(items) >= count

    return check


async def all_tasks(tq: Any) -> dict[str, int]:
    """Every task's state, by id (ListTasks, page by page)."""
    states: dict[str, int] = {}
    token = ""
    while True:
        page = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=1000, page_token=token))
        states.update({t.id: t.state for t in page.tasks})
        token = page.next_page_token
        if not token:
            return states
