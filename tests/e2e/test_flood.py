"""Floods that must not grow the server without bound: 1,000 WatchNext streams opened and
dropped, slow readers that never read, 100 idle connections. Memory and file descriptors of
the server process are read from /proc before and after."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from support import ServerProcess, create_request
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def usage(pid: int) -> tuple[int, int]:
    """(resident memory in bytes, open file descriptors) of a process."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    return rss, len(list(Path(f"/proc/{pid}/fd").iterdir()))


async def test_floods_leave_memory_and_descriptors_bounded(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "flood.db")
    address = await asyncio.to_thread(proc.start)
    assert proc.proc is not None
    pid = proc.proc.pid
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            for _ in range(3):  # warm up every code path once
                await stub.CreateTask(create_request())
                got = await stub.ClaimTask(pb.ClaimTaskRequest(worker_id="warm"))
                await stub.CompleteTask(pb.CompleteTaskRequest(task_id=got.task.id))
            rss0, fds0 = usage(pid)

            # 1,000 streams opened and dropped, 100 at a time on one connection.
            for _ in range(10):
                streams = [
                    stub.WatchNext(pb.WatchNextRequest(worker_id=f"flood-{i}",
                                                       work_directory="/nothing"))
                    for i in range(100)
                ]  # fmt: skip
                await asyncio.sleep(0.05)
                for s in streams:
                    s.cancel()

            # Slow readers: streams that are given tasks and never read them.
            slow = [
                stub.WatchNext(pb.WatchNextRequest(worker_id=f"slow-{i}", max_in_flight=5))
                for i in range(20)
            ]
            for _ in range(4):
                await stub.BatchCreateTasks(
                    pb.BatchCreateTasksRequest(requests=[create_request()] * 50)
                )

            # 100 idle connections, each made to connect, then left alone.
            own_connection = [("grpc.use_local_subchannel_pool", 1)]
            idle = [grpc.aio.insecure_channel(address, options=own_connection) for _ in range(100)]
            await asyncio.gather(*(c.channel_ready() for c in idle))
            _, fds_idle = usage(pid)
            assert fds_idle >= fds0 + 90, "the idle connections did not reach the server"

            # The server keeps serving everyone else meanwhile.
            created = (await stub.CreateTask(create_request(prompt="still here"))).task
            assert (await stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task == created

            for s in slow:
                s.cancel()
            await asyncio.gather(*(c.close() for c in idle))

            async def settled() -> tuple[int, int]:
                for _ in range(100):
                    rss, fds = usage(pid)
                    if fds <= fds0 + 5:
                        return rss, fds
                    await asyncio.sleep(0.05)
                return usage(pid)

            rss1, fds1 = await settled()
        print(f"\nserver RSS {rss0 >> 20} -> {rss1 >> 20} MiB, fds {fds0} -> {fds_idle} -> {fds1}")
        assert fds1 <= fds0 + 5, (fds0, fds1)
        assert rss1 - rss0 < 64 << 20, (rss0, rss1)
    finally:
        proc.kill()
