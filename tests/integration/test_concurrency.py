"""No double claim: many claimers and streams drain a queue; each task is delivered once."""

from __future__ import annotations

import asyncio
import collections

import pytest
from support import Running, create_request
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.model import TaskFilter, TaskQuery, TaskState

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TASKS = 2000


async def test_claimers_and_streams_drain_every_task_exactly_once(tq: Running) -> None:
    ids = set()
    for start in range(0, TASKS, 100):
        batch = await asyncio.gather(
            *(
                tq.stub.CreateTask(create_request(prompt=f"task {i}"))
                for i in range(start, start + 100)
            )
        )
        ids.update(r.task.id for r in batch)
    deliveries: collections.Counter[str] = collections.Counter()
    done = asyncio.Event()

    def record(task_id: str) -> None:
        deliveries[task_id] += 1
        if sum(deliveries.values()) >= TASKS:
            done.set()

    async def claimer(n: int) -> None:
        while not done.is_set():
            got = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id=f"claimer-{n}"))
            if not got.HasField("task"):
                await asyncio.wait_for(done.wait(), 30)
                return
            record(got.task.id)
            await tq.stub.CompleteTask(
                pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token)
            )

    async def watcher(n: int) -> None:
        stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id=f"watcher-{n}", max_in_flight=4))
        reader = asyncio.ensure_future(stream.read())
        waiter = asyncio.ensure_future(done.wait())
        try:
            while True:
                finished, _ = await asyncio.wait(
                    {reader, waiter}, return_when=asyncio.FIRST_COMPLETED
                )
                if reader not in finished:
                    return
                got = reader.result()
                record(got.task.id)
                await tq.stub.CompleteTask(
                    pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token)
                )
                reader = asyncio.ensure_future(stream.read())
        finally:
            reader.cancel()
            waiter.cancel()
            stream.cancel()

    await asyncio.wait_for(
        asyncio.gather(*(claimer(n) for n in range(8)), *(watcher(n) for n in range(4))), 120
    )
    assert set(deliveries) == ids
    assert max(deliveries.values()) == 1
    counts = await tq.server.db.read(lambda s: s.counts())
    assert counts.by_state == {TaskState.COMPLETED: TASKS}
    page, more = await tq.server.db.read(
        lambda s: s.list_page(TaskQuery(filter=TaskFilter(), limit=TASKS + 1))
    )
    assert not more and {task.attempt for _, task in page} == {1}
