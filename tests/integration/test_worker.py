"""The Python Worker helper against real servers: results, failures, drain, reconnect."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from support import Running, ServerProcess, wait_for
from taskqueue.v1 import task_pb2
from taskqueue_client import TaskQueueClient, Worker

pytestmark = pytest.mark.anyio


async def test_worker_completes_and_fails_tasks(tq: Running) -> None:
    async with TaskQueueClient(tq.address) as client:
        for i in range(10):
            await client.create_task("/srv/w", f"task {i}" if i != 7 else "explode")

        async def handler(task: task_pb2.Task) -> dict[str, object]:
            await asyncio.sleep(0)
            if task.prompt == "explode":
                raise RuntimeError("the handler blew up")
            return {"echo": task.prompt}

        worker = Worker(client, handler, worker_id="py-worker", max_in_flight=3)
        running = asyncio.create_task(worker.run())

        async def all_done() -> bool:
            return worker.completed + worker.failed == 10

        await wait_for(all_done, deadline_s=15, what="ten tasks handled")
        worker.stop()
        await asyncio.wait_for(running, 10)
        completed = await client.list_tasks(states=[3], view=2, page_size=100)
        failed = await client.list_tasks(states=[4], view=2)
    assert len(completed.tasks) == 9
    assert all(dict(t.result) == {"echo": t.prompt} for t in completed.tasks)
    assert [t.prompt for t in failed.tasks] == ["explode"]
    assert "RuntimeError: the handler blew up" in failed.tasks[0].error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.slow
async def test_worker_reconnects_after_a_server_restart(tmp_path: Path) -> None:
    listen = f"127.0.0.1:{free_port()}"
    db = tmp_path / "w.db"
    proc = ServerProcess(db, listen=listen)
    await asyncio.to_thread(proc.start)
    seen: list[str] = []

    async def handler(task: task_pb2.Task) -> dict[str, object]:
        seen.append(task.id)
        return {}

    async with TaskQueueClient(listen) as client:
        worker = Worker(client, handler, worker_id="survivor")
        running = asyncio.create_task(worker.run())
        first = await client.create_task("/srv/r", "before")

        async def handled(n: int) -> bool:
            return len(seen) >= n

        await wait_for(lambda: handled(1), deadline_s=10, what="the first task")
        await asyncio.to_thread(proc.kill)
        proc = ServerProcess(db, listen=listen)
        await asyncio.to_thread(proc.start)
        try:
            # A create with a request_id is retried while the channel reconnects.
            second = await client.create_task(
                "/srv/r", "after", request_id="8a1c1f4e-3f5e-4c1e-9a51-0f2d7c9a1b23"
            )
            await wait_for(lambda: handled(2), deadline_s=20, what="the task after restart")
            worker.stop()
            await asyncio.wait_for(running, 10)
            for task_id in (first.id, second.id):
                task = await client.get_task(task_id)
                assert task.state == task_pb2.TASK_STATE_COMPLETED
                assert [e.to_state for e in task.history].count(3) == 1
        finally:
            proc.kill()
    assert seen == [first.id, second.id]
