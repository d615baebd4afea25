"""Leases: a vanished worker's task goes back to waiting, reaches another worker, and the
first worker's late report is refused. An open WatchNext stream keeps its leases alive."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import duration_pb2
from support import Running, create_request, rich_error, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

ONE_SECOND = duration_pb2.Duration(seconds=1)


async def test_vanished_worker_task_is_redelivered_and_late_complete_refused(
    tq: Running,
) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    first = await tq.stub.ClaimTask(
        pb.ClaimTaskRequest(worker_id="vanishing", lease_duration=ONE_SECOND)
    )
    assert first.task.id == created.id
    # Another worker is parked on the stream; the expiry must wake it, no polling.
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="survivor"))
    second = await asyncio.wait_for(stream.read(), timeout=5)
    assert second.task.id == created.id
    assert second.task.worker_id == "survivor" and second.task.attempt == 2
    # Returned to waiting within a second of expiry.
    expired_at = first.lease_expire_time.ToDatetime()
    events = second.task.history
    assert [e.reason for e in events][:2] == ["created", "claimed"]
    expiry = events[2]
    assert (expiry.from_state, expiry.to_state) == (
        task_pb2.TASK_STATE_WORKING,
        task_pb2.TASK_STATE_WAITING,
    )
    assert expiry.actor == "server" and "expired" in expiry.reason
    lag = (expiry.time.ToDatetime() - expired_at).total_seconds()
    assert 0 <= lag < 1.0
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(task_id=created.id, lease_token=first.lease_token)
        )
    assert rich_error(info.value).reason == "LEASE_LOST"
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.Heartbeat(
            pb.HeartbeatRequest(task_id=created.id, lease_token=first.lease_token)
        )
    assert rich_error(info.value).reason == "LEASE_LOST"
    done = await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=created.id, lease_token=second.lease_token)
    )
    assert done.task.state == task_pb2.TASK_STATE_COMPLETED
    assert done.task.worker_id == "survivor"
    stream.cancel()


async def test_expired_task_waits_with_its_token_refused(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    first = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w", lease_duration=ONE_SECOND))

    async def back_to_waiting() -> bool:
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        return task.state == task_pb2.TASK_STATE_WAITING and task.attempt == 1

    # Nothing outside the server signals the expiry; observe it with a deadline.
    await wait_for(back_to_waiting, deadline_s=3, what="the lease to expire")
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(task_id=created.id, lease_token=first.lease_token)
        )
    assert rich_error(info.value).reason == "LEASE_LOST"


async def test_open_stream_renews_the_leases_it_delivered(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="w", lease_duration=ONE_SECOND))
    got = await stream.read()
    # Hold the task for well over two lease lengths while the stream stays open.
    await asyncio.sleep(2.5)
    task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
    assert task.state == task_pb2.TASK_STATE_WORKING and task.attempt == 1
    assert task.lease_expire_time.ToDatetime() > got.lease_expire_time.ToDatetime()
    done = await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=created.id, lease_token=got.lease_token)
    )
    assert done.task.state == task_pb2.TASK_STATE_COMPLETED
    stream.cancel()


async def test_closed_stream_lets_its_leases_run_out(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="gone", lease_duration=ONE_SECOND))
    await stream.read()
    stream.cancel()
    other = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="next"))
    again = await asyncio.wait_for(other.read(), timeout=5)
    assert again.task.id == created.id and again.task.attempt == 2
    other.cancel()
