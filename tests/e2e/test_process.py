"""The server as a process: durability across SIGKILL, graceful SIGTERM, health states."""

from __future__ import annotations

import asyncio
from pathlib import Path

import apsw
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from support import ServerProcess, create_request
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

pytestmark = pytest.mark.anyio


@pytest.mark.slow
async def test_every_acknowledged_create_survives_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "taskqueue.db"
    proc = ServerProcess(db)
    address = proc.start()
    acknowledged: dict[str, pb.CreateTaskRequest] = {}
    enough = asyncio.Event()

    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)

        async def submitter(n: int) -> None:
            i = 0
            while True:
                request = create_request(
                    prompt=f"burst {n}-{i} ✓", tags=[f"s{n}"], priority=1 + i % 3
                )
                i += 1
                try:
                    response = await stub.CreateTask(request, timeout=10)
                except grpc.aio.AioRpcError:
                    return  # the server died under this call: not acknowledged
                acknowledged[response.task.id] = request
                if len(acknowledged) >= 600:
                    enough.set()

        submitters = [asyncio.create_task(submitter(n)) for n in range(16)]
        await asyncio.wait_for(enough.wait(), 60)
        await asyncio.to_thread(proc.kill)  # mid-burst: 16 creates are in flight
        await asyncio.wait_for(asyncio.gather(*submitters), 30)
    assert proc.proc is not None and proc.proc.returncode == -9

    restarted = ServerProcess(db)
    address = restarted.start()
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            for task_id, request in acknowledged.items():
                task = (await stub.GetTask(pb.GetTaskRequest(task_id=task_id))).task
                assert task.prompt == request.prompt
                assert task.priority == request.priority and list(task.tags) == list(request.tags)
                assert task.state == task_pb2.TASK_STATE_WAITING
                assert [e.reason for e in task.history] == ["created"]
    finally:
        restarted.kill()
    conn = apsw.Connection(str(db))
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_sigterm_stops_gracefully_and_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "taskqueue.db"
    proc = ServerProcess(db)
    address = proc.start()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        created = (await stub.CreateTask(create_request())).task
        stream = stub.WatchNext(pb.WatchNextRequest(worker_id="w", work_directory="/nothing"))
        checked = await health.Check(health_pb2.HealthCheckRequest(service=""))
        assert checked.status == health_pb2.HealthCheckResponse.SERVING
        code = await asyncio.to_thread(proc.terminate)
        # The parked stream was ended by the shutdown, not left to the grace period.
        with pytest.raises(StopAsyncIteration):
            await stream.__aiter__().__anext__()
    assert code == 0
    log = proc.rest_of_log()
    assert "shutting down" in log and "database closed" in log
    restarted = ServerProcess(db)
    address = restarted.start()
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            again = (await stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
            assert again == created
    finally:
        restarted.kill()


async def test_start_line_names_address_and_database(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "named.db")
    proc.start()
    try:
        line = proc.rest_of_log()
        assert f"on {proc.address}" in line and str(tmp_path / "named.db") in line
        assert "event loop uvloop" in line  # installed with the package on this platform
    finally:
        proc.kill()


@pytest.mark.parametrize("event_loop", ["asyncio", "uvloop"])
async def test_serves_on_the_event_loop_asked_for(tmp_path: Path, event_loop: str) -> None:
    proc = ServerProcess(tmp_path / "loop.db", "--event-loop", event_loop)
    proc.start()
    try:
        assert f"event loop {event_loop}," in proc.rest_of_log()
        async with grpc.aio.insecure_channel(proc.address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            created = (await stub.CreateTask(create_request(prompt="on " + event_loop))).task
            watch = stub.WatchNext(pb.WatchNextRequest(worker_id="w"))
            pushed = await anext(aiter(watch))
            watch.cancel()
            assert pushed.task.id == created.id
            assert pushed.task.state == task_pb2.TASK_STATE_WORKING
        assert proc.terminate() == 0
    finally:
        proc.kill()
