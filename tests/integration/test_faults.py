"""Faults under a live server: oversized requests, callers that give up mid-claim, a database
locked by another process, a full disk."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import apsw
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from support import Running, create_request, rich_error, running_server, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
FAST_PROBE = {"probe_interval_us": 50_000, "probe_timeout_us": 500_000, "busy_timeout_us": 200_000}


async def health_of(tq: Running) -> int:
    stub = health_pb2_grpc.HealthStub(tq.channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service="taskqueue.v1.TaskQueueService"))
    return int(reply.status)


async def test_oversized_request_is_resource_exhausted(tq: Running) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.CreateTask(create_request(prompt="x" * (5 * 1024 * 1024)))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 0


async def test_a_claim_whose_caller_gave_up_is_undone(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    gate, holding = threading.Event(), threading.Event()

    def hold(tx: SqliteTransaction) -> None:
        holding.set()
        gate.wait(10)  # keep the writer busy: the claim below waits behind this

    held = asyncio.ensure_future(tq.server.db.write(hold))
    assert await asyncio.to_thread(holding.wait, 10)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="impatient"), timeout=0.3)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    gate.set()
    await held

    async def waiting_again() -> bool:
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        return task.state == task_pb2.TASK_STATE_WAITING and len(task.history) == 3

    await wait_for(waiting_again, deadline_s=5, what="the abandoned claim to be undone")
    task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
    assert task.attempt == 0 and "abandoned" in task.history[-1].reason
    again = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="patient"))
    assert again.task.id == created.id and again.task.attempt == 1


async def test_locked_database_turns_health_off_and_back(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", **FAST_PROBE) as tq:
        created = (await tq.stub.CreateTask(create_request())).task
        other = apsw.Connection(str(tmp_path / "t.db"))  # "another process" holding the lock
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await tq.stub.CreateTask(create_request(prompt="blocked"))
            err = rich_error(info.value)
            assert (err.code, err.reason) == (grpc.StatusCode.UNAVAILABLE, "STORAGE_UNAVAILABLE")
            assert "Busy" in err.metadata["sqlite_error"]
            await wait_for(
                lambda: _is(tq, NOT_SERVING), deadline_s=5, what="health to turn NOT_SERVING"
            )
            # Reads still answer.
            assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task == created
        finally:
            other.execute("ROLLBACK")
            other.close()
        await wait_for(lambda: _is(tq, SERVING), deadline_s=5, what="health to recover")
        await tq.stub.CreateTask(create_request(prompt="after"))
        assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 2


async def _is(tq: Running, status: int) -> bool:
    return await health_of(tq) == status


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
async def on_tmpfs(tmp_path: Path) -> AsyncIterator[tuple[Running, Path]]:
    with small_tmpfs(tmp_path / "disk", "8m") as disk:
        async with running_server(disk / "taskqueue.db", **FAST_PROBE) as tq:
            yield tq, disk


@pytest.mark.slow
async def test_full_disk_refuses_writes_keeps_reads_and_recovers(
    on_tmpfs: tuple[Running, Path],
) -> None:
    tq, disk = on_tmpfs
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    ballast = disk / "ballast"
    ballast.write_bytes(b"\0" * max(0, free - 1_500_000))  # leave ~1.5 MB for the queue
    acknowledged = []
    prompt = "fill " + "x" * 16_000
    for _ in range(1000):
        try:
            response = await tq.stub.CreateTask(create_request(prompt=prompt))
        except grpc.aio.AioRpcError as exc:
            err = rich_error(exc)
            assert (err.code, err.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "STORAGE_FULL")
            break
        acknowledged.append(response.task.id)
    else:
        pytest.fail("the disk never filled up")
    assert acknowledged, "nothing fit before the disk was full"
    # Reads keep answering, and health says what is going on.
    assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=acknowledged[0]))).task.prompt == prompt
    await wait_for(lambda: _is(tq, NOT_SERVING), deadline_s=5, what="health to report it")
    ballast.unlink()

    async def writable() -> bool:
        try:
            await tq.stub.CreateTask(create_request(prompt="after"))
        except grpc.aio.AioRpcError:
            return False
        return True

    await wait_for(writable, deadline_s=10, what="writes to succeed again")
    await wait_for(lambda: _is(tq, SERVING), deadline_s=5, what="health to recover")
    for task_id in acknowledged:
        assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id))).task.prompt == prompt


async def test_server_status_reports_figures_and_degradation(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", degraded_writer_queue=2,
                              degraded_loop_lag_us=10_000_000) as tq:  # fmt: skip
        await tq.stub.CreateTask(create_request())
        stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="w"))
        await stream.read()
        status = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
        assert status.condition == pb.SERVER_CONDITION_OK and not status.reasons
        assert status.database_path == str(tmp_path / "t.db")
        assert status.database_size_bytes > 0 and status.version
        assert status.database_engine.startswith("SQLite 3.") and status.database_connections >= 2
        assert status.tasks_by_state.working == 1
        assert status.open_watch_streams == 1 and status.in_flight_rpcs >= 2
        assert status.rss_bytes > 10 << 20 and status.cpu_time.ToNanoseconds() > 0
        assert status.HasField("last_probe_time")
        (me,) = status.servers  # one server on its file: itself, the leader
        assert me.this_server and me.leader and me.live and me.id
        assert me.address == tq.address and me.version == status.version
        assert me.start_time == status.start_time
        # Hold the writer and queue writes behind it: over the threshold of 2.
        gate, holding = threading.Event(), threading.Event()

        def hold(tx: SqliteTransaction) -> None:
            holding.set()
            gate.wait(10)

        held = asyncio.ensure_future(tq.server.db.write(hold))
        assert await asyncio.to_thread(holding.wait, 10)
        creates = [asyncio.ensure_future(tq.stub.CreateTask(create_request())) for _ in range(5)]

        async def degraded() -> bool:
            s = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
            return s.condition == pb.SERVER_CONDITION_DEGRADED

        await wait_for(degraded, deadline_s=5, what="DEGRADED")
        status = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
        assert any("waiting for the writer" in r for r in status.reasons), status.reasons
        gate.set()
        await held
        await asyncio.gather(*creates)
        stream.cancel()


async def test_server_status_is_unhealthy_while_the_database_is_locked(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", **FAST_PROBE) as tq:
        other = apsw.Connection(str(tmp_path / "t.db"))
        other.execute("BEGIN EXCLUSIVE")
        try:

            async def unhealthy() -> bool:
                s = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
                return s.condition == pb.SERVER_CONDITION_UNHEALTHY

            await wait_for(unhealthy, deadline_s=5, what="UNHEALTHY")
        finally:
            other.execute("ROLLBACK")
            other.close()


async def test_metrics_are_scraped_over_http_while_the_server_works(tmp_path: Path) -> None:
    import urllib.request

    async with running_server(tmp_path / "t.db", metrics_listen="127.0.0.1:0") as tq:
        for _ in range(3):
            await tq.stub.CreateTask(create_request())
        got = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=got.task.id))
        with pytest.raises(grpc.aio.AioRpcError):
            await tq.stub.GetTask(pb.GetTaskRequest(task_id="nope"))
        await tq.stub.CreateBackup(pb.CreateBackupRequest())
        url = f"http://127.0.0.1:{tq.server.metrics_port}/metrics"
        text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        body = text.decode()
    assert 'taskqueue_rpcs_total{code="OK",method="CreateTask"} 3.0' in body
    assert 'taskqueue_rpcs_total{code="INVALID_ARGUMENT",method="GetTask"} 1.0' in body
    assert 'taskqueue_tasks{state="waiting"} 2.0' in body
    assert 'taskqueue_tasks{state="completed"} 1.0' in body
    assert "taskqueue_task_wait_seconds_count 1.0" in body
    assert "taskqueue_task_run_seconds_count 1.0" in body
    assert "taskqueue_writer_batch_size_count" in body
    assert 'taskqueue_backups_total{outcome="ok"} 1.0' in body
    assert 'taskqueue_rpc_seconds_bucket{le="0.5",method="CreateTask"}' in body
