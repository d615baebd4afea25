"""CompleteTasks: many completions in one call, each judged on its own; and WatchNext
claiming several tasks per transaction without overshooting a stream's capacity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from support import PROMPT, Running, create_request, digest, rich_error, running_server
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio


async def claimed(tq: Running, n: int) -> list[pb.ClaimTaskResponse]:
    out = []
    for _ in range(n):
        await tq.stub.CreateTask(create_request())
        out.append(await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w")))
    return out


async def test_each_completion_of_a_batch_is_judged_alone(tq: Running) -> None:
    a, b, c, d = await claimed(tq, 4)
    response = await tq.stub.CompleteTasks(
        pb.CompleteTasksRequest(
            requests=[
                pb.CompleteTaskRequest(
                    task_id=a.task.id, lease_token=a.lease_token, original_prompt=PROMPT
                ),
                pb.CompleteTaskRequest(task_id=b.task.id, lease_token="wrong-token"),
                pb.CompleteTaskRequest(task_id="00000000-0000-4000-8000-000000000000"),
                pb.CompleteTaskRequest(task_id="not-an-id"),
                pb.CompleteTaskRequest(
                    task_id=c.task.id,
                    lease_token=c.lease_token,
                    original_prompt="Paint the fence green",
                ),
                pb.CompleteTaskRequest(task_id=d.task.id, lease_token=d.lease_token),
                pb.CompleteTaskRequest(task_id=d.task.id, lease_token=d.lease_token),
            ]
        )
    )
    got = [(o.task_id, grpc.StatusCode(next(s for s in grpc.StatusCode if s.value[0] == o.code)),
            o.reason) for o in response.outcomes]  # fmt: skip
    assert got == [
        (a.task.id, grpc.StatusCode.OK, ""),
        (b.task.id, grpc.StatusCode.FAILED_PRECONDITION, "LEASE_LOST"),
        ("00000000-0000-4000-8000-000000000000", grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND"),
        ("not-an-id", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
        (c.task.id, grpc.StatusCode.FAILED_PRECONDITION, "PROMPT_MISMATCH"),
        (d.task.id, grpc.StatusCode.OK, ""),
        (d.task.id, grpc.StatusCode.FAILED_PRECONDITION, "TASK_NOT_WORKING"),
    ]
    assert response.outcomes[3].message
    states = {}
    for r in (a, b, c, d):
        states[r.task.id] = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=r.task.id))).task.state
    assert states == {
        a.task.id: task_pb2.TASK_STATE_COMPLETED,
        b.task.id: task_pb2.TASK_STATE_WORKING,
        c.task.id: task_pb2.TASK_STATE_WORKING,
        d.task.id: task_pb2.TASK_STATE_COMPLETED,
    }


async def test_a_batch_stores_each_result_and_history_and_frees_each_directory(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path / "t.db", max_working_per_directory=2) as tq:
        for directory in ("/srv/a", "/srv/b"):
            for i in range(4):
                await tq.stub.CreateTask(create_request(work_directory=directory, prompt=f"{i}"))
        held = [await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id=f"w{i}")) for i in range(4)]
        assert sorted(h.task.work_directory for h in held) == ["/srv/a"] * 2 + ["/srv/b"] * 2
        # Each directory is at its limit of 2 working tasks.
        assert not (await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))).HasField("task")
        requests = [
            pb.CompleteTaskRequest(task_id=h.task.id, lease_token=h.lease_token) for h in held[:3]
        ] + [pb.CompleteTaskRequest(task_id=held[3].task.id)]  # no token: any caller, "client"
        for n, request in enumerate(requests):
            request.result.update({"n": n, "note": f"résultat {n}"})
        outcomes = (
            await tq.stub.CompleteTasks(pb.CompleteTasksRequest(requests=requests))
        ).outcomes
        assert [o.code for o in outcomes] == [0, 0, 0, 0]
        for n, h in enumerate(held):
            task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=h.task.id))).task
            assert task.state == task_pb2.TASK_STATE_COMPLETED
            assert dict(task.result) == {"n": n, "note": f"résultat {n}"}
            assert task.complete_time == task.update_time and task.complete_time.seconds > 0
            last = task.history[-1]
            assert (last.from_state, last.to_state, last.reason, last.attempt) == (
                task_pb2.TASK_STATE_WORKING,
                task_pb2.TASK_STATE_COMPLETED,
                "completed",
                1,
            )
            assert last.actor == (f"w{n}" if n < 3 else "client")
            assert last.time == task.complete_time
        # Both places of each directory are free again: the other four tasks can be claimed.
        again = [await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w")) for _ in range(4)]
        assert sorted(a.task.work_directory for a in again) == ["/srv/a"] * 2 + ["/srv/b"] * 2


@pytest.mark.parametrize("size", [0, 1001])
async def test_an_empty_or_oversized_batch_is_refused_whole(tq: Running, size: int) -> None:
    (one,) = await claimed(tq, 1)
    before = digest(tq)
    request = pb.CompleteTasksRequest(
        requests=[pb.CompleteTaskRequest(task_id=one.task.id, lease_token=one.lease_token)] * size
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await tq.stub.CompleteTasks(request)
    error = rich_error(caught.value)
    assert (error.code, error.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["requests"])
    assert digest(tq) == before


async def test_watch_claims_in_batches_but_never_beyond_capacity(tq: Running) -> None:
    await tq.stub.BatchCreateTasks(
        pb.BatchCreateTasksRequest(requests=[create_request(prompt=f"t{i}") for i in range(25)])
    )
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="batcher", max_in_flight=10))
    first = [await stream.read() for _ in range(10)]
    assert [p.task.prompt for p in first] == [f"t{i}" for i in range(10)], "claim order kept"
    working = await tq.stub.ListTasks(
        pb.ListTasksRequest(states=[task_pb2.TASK_STATE_WORKING], page_size=1)
    )
    assert working.total_size == 10, "no more claimed than the stream may hold"
    done = await tq.stub.CompleteTasks(
        pb.CompleteTasksRequest(
            requests=[
                pb.CompleteTaskRequest(task_id=p.task.id, lease_token=p.lease_token)
                for p in first[:4]
            ]
        )
    )
    assert [o.code for o in done.outcomes] == [0, 0, 0, 0]
    more = [await stream.read() for _ in range(4)]
    assert [p.task.prompt for p in more] == [f"t{i}" for i in range(10, 14)]
    stream.cancel()


async def test_work_stream_delivers_in_batches_and_takes_reports(tq: Running) -> None:
    await tq.stub.BatchCreateTasks(
        pb.BatchCreateTasksRequest(requests=[create_request(prompt=f"w{i}") for i in range(30)])
    )
    outbox: asyncio.Queue[pb.WorkRequest | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[pb.WorkRequest]:
        yield pb.WorkRequest(subscribe=pb.WatchNextRequest(worker_id="wk", max_in_flight=8))
        while (request := await outbox.get()) is not None:
            yield request

    call = tq.stub.Work(requests())
    first = await call.read()
    assert [t.task.prompt for t in first.tasks] == [f"w{i}" for i in range(8)]
    assert all(t.lease_token and t.task.state == task_pb2.TASK_STATE_WORKING for t in first.tasks)
    done, failed, stranger = first.tasks[:6], first.tasks[6], first.tasks[7]
    outbox.put_nowait(
        pb.WorkRequest(
            completions=[
                *(pb.CompleteTaskRequest(task_id=t.task.id, lease_token=t.lease_token,
                                         original_prompt=t.task.prompt) for t in done),
                pb.CompleteTaskRequest(task_id=stranger.task.id, lease_token="not-mine"),
            ],
            failures=[pb.FailTaskRequest(task_id=failed.task.id, lease_token=failed.lease_token,
                                         error="boom", retryable=False)],
        )
    )  # fmt: skip
    outcomes: list[pb.CompleteTaskOutcome] = []
    more: list[str] = []
    while not outcomes or len(more) < 7:
        response = await call.read()
        outcomes += response.outcomes
        more += [t.task.prompt for t in response.tasks]
    assert [(o.code, o.reason) for o in outcomes] == [(0, "")] * 6 + [
        (grpc.StatusCode.FAILED_PRECONDITION.value[0], "LEASE_LOST"),
        (0, ""),
    ]
    assert more[:7] == [f"w{i}" for i in range(8, 15)], "capacity freed by the reports refilled"
    got = await tq.stub.GetTask(pb.GetTaskRequest(task_id=failed.task.id))
    assert (got.task.state, got.task.error) == (task_pb2.TASK_STATE_FAILED, "boom")
    outbox.put_nowait(None)  # the worker closes its side: the stream ends
    async with asyncio.timeout(10):
        while await call.read() is not grpc.aio.EOF:
            pass


async def test_work_stream_needs_a_subscription_first(tq: Running) -> None:
    async def requests() -> AsyncIterator[pb.WorkRequest]:
        yield pb.WorkRequest(completions=[pb.CompleteTaskRequest(task_id="x")])

    call = tq.stub.Work(requests())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    error = rich_error(caught.value)
    assert (error.code, error.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["subscribe"])
