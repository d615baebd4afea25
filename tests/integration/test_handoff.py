"""Handoffs: a create claims for a parked watcher inside its own transaction, so the task is
the watcher's the moment the create commits. And the races: the stream ends, or the create is
given up, while the create (and the claim made for the watcher) is in the writer."""

from __future__ import annotations

import asyncio
import threading

import grpc
import pytest
from support import Running, create_request, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio

WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING


async def parked(tq: Running, count: int = 1) -> None:
    """Waits until `count` watchers have found nothing and parked (server-side state with
    no event to wait on)."""
    hub = tq.server.queue.hub

    async def ready() -> bool:
        return sum(len(p) for p in hub._parked.values()) == count

    await wait_for(ready, what=f"{count} parked watchers")


async def parked_stream(tq: Running, worker_id: str) -> grpc.aio.UnaryStreamCall:
    """A WatchNext stream that has found nothing and parked."""
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id=worker_id))
    await parked(tq)
    return stream


class HeldWriter:
    """Keeps the writer busy with one operation until released, so what is queued behind it
    waits (and its caller may go away meanwhile)."""

    def __init__(self, tq: Running) -> None:
        self._tq = tq
        self._gate, self._holding = threading.Event(), threading.Event()
        self._write: asyncio.Future[None] | None = None

    async def __aenter__(self) -> HeldWriter:
        def hold(tx: SqliteTransaction) -> None:
            self._holding.set()
            self._gate.wait(10)

        self._write = asyncio.ensure_future(self._tq.server.db.write(hold))
        assert await asyncio.to_thread(self._holding.wait, 10), "the writer never ran `hold`"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._gate.set()
        assert self._write is not None
        await self._write


async def test_a_created_task_is_the_parked_watchers_when_create_returns(tq: Running) -> None:
    stream = await parked_stream(tq, "watcher-1")
    created = (await tq.stub.CreateTask(create_request(prompt="hand me over"))).task
    assert created.state == WAITING  # the response shows the task as created
    # Claimed in the create's own transaction: no moment where it waits.
    now = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
    assert now.state == WORKING and now.worker_id == "watcher-1"
    got = await stream.read()
    assert got.task.id == created.id and got.lease_token and got.task.state == WORKING
    assert [e.to_state for e in got.task.history] == [WAITING, WORKING]
    created_at, claimed_at = (e.time.ToMicroseconds() for e in got.task.history)
    assert claimed_at >= created_at  # claimed after the insert, in the same transaction
    await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token)
    )
    stream.cancel()


async def test_a_batch_is_shared_by_as_many_parked_watchers_as_it_needs(tq: Running) -> None:
    streams = [
        tq.stub.WatchNext(pb.WatchNextRequest(worker_id=f"w{i}", max_in_flight=2)) for i in range(3)
    ]
    await parked(tq, 3)
    batch = pb.BatchCreateTasksRequest(requests=[create_request(prompt=f"t{i}") for i in range(3)])
    created = (await tq.stub.BatchCreateTasks(batch)).tasks
    holders = []
    for task in created:
        now = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task
        assert now.state == WORKING
        holders.append(now.worker_id)
    # Two watchers with room for 2 each were reserved for 3 tasks (the longest parked
    # first, who takes two); the third stayed parked.
    first, second = holders[0], holders[2]
    assert holders == [first, first, second] and first != second
    by_id = {f"w{i}": stream for i, stream in enumerate(streams)}
    got = [await by_id[first].read(), await by_id[first].read(), await by_id[second].read()]
    assert [g.task.prompt for g in got] == ["t0", "t1", "t2"]
    await parked(tq, 2)  # the second claimed again, found nothing, parked beside the third
    for stream in streams:
        stream.cancel()


async def test_a_watcher_gone_while_its_handoff_commits_leaves_the_task_waiting(
    tq: Running,
) -> None:
    stream = await parked_stream(tq, "leaving")
    async with HeldWriter(tq):
        create = asyncio.ensure_future(tq.stub.CreateTask(create_request(prompt="orphan")))
        await wait_for(
            lambda: asyncio.sleep(0, tq.server.db.pending >= 1), what="the create queued"
        )
        stream.cancel()
        await wait_for(
            lambda: asyncio.sleep(0, tq.server.queue.open_watchers == 0), what="stream gone"
        )
    created = (await create).task

    async def waiting_again() -> bool:
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        return task.state == WAITING

    await wait_for(waiting_again, what="the orphaned task waiting again")
    other = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="next"))
    assert (await other.read()).task.id == created.id
    other.cancel()


async def test_a_create_given_up_while_its_handoff_is_in_the_writer_still_reaches_the_watcher(
    tq: Running,
) -> None:
    stream = await parked_stream(tq, "patient")
    async with HeldWriter(tq):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await tq.stub.CreateTask(create_request(prompt="given up"), timeout=0.2)
        assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The create committed after its caller left; its claim for the watcher was undone
    # (nobody could hand the task over) and the watcher, woken, claimed it again.
    got = await stream.read()
    assert got.task.prompt == "given up" and got.task.worker_id == "patient"
    listed = await tq.stub.ListTasks(pb.ListTasksRequest())
    assert listed.total_size == 1
    stream.cancel()
