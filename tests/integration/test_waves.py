"""Waves: plain creates (no request id, no parked watcher) that arrive while the writer is busy
go to it as one insert. Each caller still gets its own task, stored as it asked; a wave that
fails fails every create in it and stores none of them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import apsw
import grpc
import pytest
from support import Running, create_request, rich_error, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store.sqlite.transaction import SqliteTransaction

pytestmark = pytest.mark.anyio


async def hold_writer(
    tq: Running, first: Callable[[SqliteTransaction], None] = lambda tx: None
) -> tuple[threading.Event, asyncio.Future[None]]:
    """Keeps the writer busy (after running `first` in its transaction) until the returned
    event is set: what is sent meanwhile waits for it. On PostgreSQL the inserter too (the
    writer of plain creates, beside the other)."""
    gate, holding, inserting = threading.Event(), threading.Event(), threading.Event()

    def hold(tx: SqliteTransaction) -> None:
        conn = tx.conn
        first(conn)
        holding.set()
        gate.wait(10)

    def hold_inserts(tx: object) -> None:
        inserting.set()
        gate.wait(10)

    held = asyncio.ensure_future(tq.server.db.write(hold))
    assert await asyncio.to_thread(holding.wait, 10)
    if tq.postgres:
        inserts = tq.server.db.write_soon(hold_inserts, inserts_only=True)
        assert await asyncio.to_thread(inserting.wait, 10)
        held = asyncio.ensure_future(asyncio.gather(held, inserts))
    return gate, held


def writes_waiting(tq: Running, count: int) -> Callable[[], Awaitable[bool]]:
    """Whether the server's status counts `count` writes waiting for the writer."""

    async def check() -> bool:
        status = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
        return status.writer_queue_length == count

    return check


async def test_creates_waiting_together_are_stored_together_each_as_asked(tq: Running) -> None:
    gate, held = await hold_writer(tq)
    singles = [
        create_request(
            prompt=f"prompt {i} ✓",
            work_directory=f"/srv/project-{i % 3}",
            priority=(task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_LOW)[i % 2],
            tags=[f"t{i}"],
        )
        for i in range(30)
    ]
    batches = [
        pb.BatchCreateTasksRequest(
            requests=[create_request(prompt=f"batch {b} item {j}") for j in range(10)]
        )
        for b in range(3)
    ]
    single_calls = [asyncio.ensure_future(tq.stub.CreateTask(r)) for r in singles]
    batch_calls = [asyncio.ensure_future(tq.stub.BatchCreateTasks(b)) for b in batches]
    # Not plain: a request id is looked up in the transaction that creates the task.
    keyed = asyncio.ensure_future(tq.stub.CreateTask(create_request(request_id=_uuid(1))))
    refused = asyncio.ensure_future(tq.stub.CreateTask(create_request(prompt=" ")))
    # 33 creates in one wave count as 33 writes waiting, the keyed one as one more.
    await wait_for(writes_waiting(tq, 34), what="34 writes waiting")
    gate.set()
    await held

    made = [(await call).task for call in single_calls]
    for request, task in zip(singles, made, strict=True):
        assert (task.prompt, task.work_directory, task.priority, list(task.tags)) == (
            request.prompt,
            request.work_directory,
            request.priority,
            list(request.tags),
        )
    for request, call in zip(batches, batch_calls, strict=True):
        tasks = (await call).tasks
        assert [t.prompt for t in tasks] == [r.prompt for r in request.requests]
        made += tasks
    assert len({t.id for t in made}) == 60
    # One insert: one creation time for them all, and each task reads back as it was answered.
    assert len({t.create_time.ToMicroseconds() for t in made}) == 1
    for task in made:
        stored = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task
        assert stored == task
        assert [(e.to_state, e.actor) for e in stored.history] == [
            (task_pb2.TASK_STATE_WAITING, "client")
        ]
    assert (await keyed).task.id not in {t.id for t in made}
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await refused
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 61
    # The writer is free again: the next create is a wave of its own, and later.
    after = (await tq.stub.CreateTask(create_request(prompt="after"))).task
    assert after.create_time.ToMicroseconds() > made[0].create_time.ToMicroseconds()


async def test_a_failed_wave_fails_each_of_its_creates_and_stores_none(
    tq_sqlite: Running,
) -> None:
    tq = tq_sqlite  # the failure is injected with an SQLite trigger

    def refuse_inserts(conn: apsw.Connection) -> None:  # on the writer's connection only
        conn.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.tasks"
            " BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )

    gate, held = await hold_writer(tq, refuse_inserts)
    calls = [
        asyncio.ensure_future(tq.stub.CreateTask(create_request(prompt=f"doomed {i}")))
        for i in range(5)
    ]
    calls.append(
        asyncio.ensure_future(
            tq.stub.BatchCreateTasks(
                pb.BatchCreateTasksRequest(requests=[create_request(prompt="doomed too")] * 4)
            )
        )
    )
    await wait_for(writes_waiting(tq, 6), what="6 writes waiting")
    gate.set()
    await held
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        err = rich_error(info.value)
        assert err.code == grpc.StatusCode.INTERNAL
        assert err.metadata["sqlite_error"] == "ConstraintError"
    assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 0

    await tq.server.db.write(lambda tx: tx.conn.execute("DROP TRIGGER temp.refuse"))
    task = (await tq.stub.CreateTask(create_request(prompt="fine now"))).task
    assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task.prompt == "fine now"
    assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 1


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"
