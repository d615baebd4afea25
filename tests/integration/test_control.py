"""Cancel, batch cancel, retry, set priority, idempotent and batch creates."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import grpc
import pytest
from support import Running, create_request, refused, rich_error, running_server
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

HIGH, MEDIUM, LOW = task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_MEDIUM, task_pb2.PRIORITY_LOW
WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
FAILED, CANCELLED = task_pb2.TASK_STATE_FAILED, task_pb2.TASK_STATE_CANCELLED
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT


async def failed_task(tq: Running) -> task_pb2.Task:
    created = (await tq.stub.CreateTask(create_request(priority=HIGH))).task
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    assert claim.task.id == created.id
    return (await tq.stub.FailTask(pb.FailTaskRequest(task_id=created.id, error="boom"))).task


# -- CancelTask ----------------------------------------------------------------------------


async def test_cancel_a_waiting_task(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    task = (
        await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=created.id, reason="duplicate ✓"))
    ).task
    assert task.state == CANCELLED and task.cancel_reason == "duplicate ✓"
    assert task.cancel_time.seconds > 0
    assert task.history[-1].to_state == CANCELLED and "duplicate ✓" in task.history[-1].reason
    assert not (await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))).HasField("task")


async def test_cancel_refusals(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    for reason in ("", "   ", "x" * 1025):
        await refused(
            tq,
            tq.stub.CancelTask(pb.CancelTaskRequest(task_id=created.id, reason=reason)),
            INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
            "reason",
        )
    await refused(
        tq,
        tq.stub.CancelTask(pb.CancelTaskRequest(task_id=str(uuid.uuid4()), reason="r")),
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    err = await refused(
        tq,
        tq.stub.CancelTask(pb.CancelTaskRequest(task_id=created.id, reason="r")),
        FAILED_PRECONDITION,
        "TASK_NOT_WAITING",
    )
    assert err.metadata["state"] == "TASK_STATE_WORKING"


@pytest.mark.slow
async def test_cancel_racing_claim_never_both(tq: Running) -> None:
    outcomes = set()
    for n in range(200):
        created = (await tq.stub.CreateTask(create_request())).task
        cancel = tq.stub.CancelTask(pb.CancelTaskRequest(task_id=created.id, reason="race"))
        claim = tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="racer"))
        if n % 2:  # alternate which call is sent first
            claimed, cancelled = await asyncio.gather(claim, cancel, return_exceptions=True)
        else:
            cancelled, claimed = await asyncio.gather(cancel, claim, return_exceptions=True)
        outcomes.add(isinstance(cancelled, grpc.aio.AioRpcError))
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        states = [e.to_state for e in task.history]
        if isinstance(cancelled, grpc.aio.AioRpcError):
            assert rich_error(cancelled).reason == "TASK_NOT_WAITING"
            assert claimed.task.id == created.id  # type: ignore[union-attr]
            assert task.state == WORKING and states == [WAITING, WORKING]
        else:
            assert not claimed.HasField("task")  # type: ignore[union-attr]
            assert task.state == CANCELLED and states == [WAITING, CANCELLED]
    assert outcomes == {True, False}, "the race always went the same way"


# -- BatchCancelTasks ----------------------------------------------------------------------


async def test_batch_cancel_by_ids_answers_per_task(tq: Running) -> None:
    a = (await tq.stub.CreateTask(create_request(prompt="a"))).task
    b = (await tq.stub.CreateTask(create_request(prompt="b"))).task
    await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))  # takes a
    unknown = str(uuid.uuid4())
    response = await tq.stub.BatchCancelTasks(
        pb.BatchCancelTasksRequest(task_ids=[a.id, b.id, unknown], reason="cleanup")
    )
    assert [(r.task_id, r.cancelled, r.reason) for r in response.results] == [
        (a.id, False, "TASK_NOT_WAITING"),
        (b.id, True, ""),
        (unknown, False, "TASK_NOT_FOUND"),
    ]
    assert response.cancelled_count == 1
    got = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=b.id))).task
    assert got.state == CANCELLED and got.cancel_reason == "cleanup"


async def test_batch_cancel_by_filter_cancels_only_matching_waiting_tasks(tq: Running) -> None:
    for i in range(3):
        await tq.stub.CreateTask(create_request(prompt=f"a{i}", work_directory="/a", tags=["x"]))
    await tq.stub.CreateTask(create_request(prompt="b", work_directory="/b", tags=["x"]))
    await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w", work_directory="/a"))  # a0
    response = await tq.stub.BatchCancelTasks(
        pb.BatchCancelTasksRequest(
            filter=pb.TaskFilter(work_directory="/a", tags=["x"]), reason="dir gone"
        )
    )
    assert response.cancelled_count == 2 and not response.has_more
    page = await tq.stub.ListTasks(pb.ListTasksRequest(order_by="create_time"))
    assert [(t.prompt, t.state) for t in page.tasks] == [
        ("a0", WORKING),
        ("a1", CANCELLED),
        ("a2", CANCELLED),
        ("b", WAITING),
    ]


async def test_batch_cancel_refusals(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    cases = [
        (pb.BatchCancelTasksRequest(reason="r"), ["task_ids"]),
        (pb.BatchCancelTasksRequest(task_ids=[created.id]), ["reason"]),
        (pb.BatchCancelTasksRequest(task_ids=[created.id, "bad"], reason="r"), ["task_ids[1]"]),
        (
            pb.BatchCancelTasksRequest(task_ids=[created.id], filter=pb.TaskFilter(), reason="r"),
            ["filter"],
        ),
        (pb.BatchCancelTasksRequest(task_ids=[created.id] * 1001, reason="r"), ["task_ids"]),
        (
            pb.BatchCancelTasksRequest(filter=pb.TaskFilter(work_directory="rel"), reason="r"),
            ["filter.work_directory"],
        ),
    ]
    for request, fields in cases:
        await refused(
            tq, tq.stub.BatchCancelTasks(request), INVALID_ARGUMENT, "INVALID_ARGUMENT", *fields
        )


# -- RetryTask -----------------------------------------------------------------------------


async def test_retry_up_to_the_limit_then_refused(tq: Running) -> None:
    task = await failed_task(tq)
    later = (await tq.stub.CreateTask(create_request(prompt="later", priority=HIGH))).task
    for n in range(1, 4):
        retried = (
            await tq.stub.RetryTask(pb.RetryTaskRequest(task_id=task.id, reason=f"try {n}"))
        ).task
        assert retried.state == WAITING and retried.retry_count == n
        assert retried.priority == HIGH and retried.create_time == task.create_time
        assert f"try {n}" in retried.history[-1].reason
        # It kept its age: claimed before the later task of the same priority.
        claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id=f"w{n}"))
        assert claim.task.id == task.id and claim.task.attempt == n + 1
        await tq.stub.FailTask(pb.FailTaskRequest(task_id=task.id, error=f"boom {n}"))
    err = await refused(
        tq,
        tq.stub.RetryTask(pb.RetryTaskRequest(task_id=task.id)),
        FAILED_PRECONDITION,
        "RETRY_LIMIT_REACHED",
    )
    assert err.metadata == {"retry_count": "3", "max_retries": "3"}
    history = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task.history
    errors = [e.reason for e in history if e.to_state == FAILED]
    assert errors == ["failed: boom", "failed: boom 1", "failed: boom 2", "failed: boom 3"]
    assert later.state == WAITING


async def test_retry_refusals(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    err = await refused(
        tq,
        tq.stub.RetryTask(pb.RetryTaskRequest(task_id=created.id)),
        FAILED_PRECONDITION,
        "TASK_NOT_FAILED",
    )
    assert err.metadata["state"] == "TASK_STATE_WAITING"
    await refused(
        tq,
        tq.stub.RetryTask(pb.RetryTaskRequest(task_id=str(uuid.uuid4()))),
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
    )


async def test_retry_wakes_a_parked_watcher(tq: Running) -> None:
    task = await failed_task(tq)
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="watcher"))
    await tq.stub.RetryTask(pb.RetryTaskRequest(task_id=task.id))
    got = await asyncio.wait_for(stream.read(), 5)
    assert got.task.id == task.id
    stream.cancel()


async def test_retry_limit_comes_from_settings(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", max_retries=0) as tq:
        task = await failed_task(tq)
        await refused(
            tq,
            tq.stub.RetryTask(pb.RetryTaskRequest(task_id=task.id)),
            FAILED_PRECONDITION,
            "RETRY_LIMIT_REACHED",
        )


# -- SetTaskPriority -----------------------------------------------------------------------


async def test_priority_change_decides_the_next_claim(tq: Running) -> None:
    first = (await tq.stub.CreateTask(create_request(prompt="first", priority=MEDIUM))).task
    low = (await tq.stub.CreateTask(create_request(prompt="low", priority=LOW))).task
    task = (
        await tq.stub.SetTaskPriority(pb.SetTaskPriorityRequest(task_id=low.id, priority=HIGH))
    ).task
    assert task.priority == HIGH and "LOW -> HIGH" in task.history[-1].reason
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    assert claim.task.id == low.id
    assert (await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))).task.id == first.id


async def test_priority_refusals(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    for priority in (task_pb2.PRIORITY_UNSPECIFIED, 17):
        await refused(
            tq,
            tq.stub.SetTaskPriority(
                pb.SetTaskPriorityRequest(task_id=created.id, priority=priority)  # type: ignore[arg-type]
            ),
            INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
            "priority",
        )
    await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    await refused(
        tq,
        tq.stub.SetTaskPriority(pb.SetTaskPriorityRequest(task_id=created.id, priority=LOW)),
        FAILED_PRECONDITION,
        "TASK_NOT_WAITING",
    )


# -- request_id and BatchCreateTasks -------------------------------------------------------


async def test_request_id_replays_across_a_restart(tmp_path: Path) -> None:
    request_id = str(uuid.uuid4())
    request = create_request(request_id=request_id, tags=["a"])
    async with running_server(tmp_path / "t.db") as tq:
        first = (await tq.stub.CreateTask(request)).task
        again = (await tq.stub.CreateTask(request)).task
        assert again == first
        await refused(
            tq,
            tq.stub.CreateTask(create_request(request_id=request_id, prompt="other")),
            grpc.StatusCode.ALREADY_EXISTS,
            "REQUEST_ID_REUSED",
        )
    async with running_server(tmp_path / "t.db") as tq:
        replay = (await tq.stub.CreateTask(request)).task
        assert replay.id == first.id
        page = await tq.stub.ListTasks(pb.ListTasksRequest())
        assert page.total_size == 1
        await refused(
            tq,
            tq.stub.CreateTask(create_request(request_id="not-a-uuid")),
            INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
            "request_id",
        )


async def test_batch_create_all_in_order(tq: Running) -> None:
    requests = [create_request(prompt=f"t{i}", priority=1 + i % 3) for i in range(1000)]
    created = (await tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=requests))).tasks
    assert [t.prompt for t in created] == [f"t{i}" for i in range(1000)]
    assert len({t.id for t in created}) == 1000
    assert (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size == 1000


async def test_batch_create_refuses_all_when_any_is_invalid(tq: Running) -> None:
    requests = [
        create_request(prompt="ok"),
        create_request(prompt=""),
        create_request(work_directory="rel", tags=["bad tag"]),
    ]
    await refused(
        tq,
        tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=requests)),
        INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "requests[1].prompt",
        "requests[2].work_directory",
        "requests[2].tags[0]",
    )
    for bad in ([], [create_request()] * 1001):
        await refused(
            tq,
            tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=bad)),
            INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
            "requests",
        )


async def test_batch_create_with_a_reused_request_id_creates_nothing(tq: Running) -> None:
    request_id = str(uuid.uuid4())
    await tq.stub.CreateTask(create_request(request_id=request_id))
    batch = [create_request(prompt="fresh"), create_request(request_id=request_id, prompt="x")]
    await refused(
        tq,
        tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=batch)),
        grpc.StatusCode.ALREADY_EXISTS,
        "REQUEST_ID_REUSED",
    )


async def test_stats_count_by_state_and_priority(tq: Running) -> None:
    for priority in (HIGH, HIGH, LOW):
        await tq.stub.CreateTask(create_request(priority=priority))
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=claim.task.id))
    stats = await tq.stub.GetStats(pb.GetStatsRequest())
    assert stats.total_tasks == 3
    assert (stats.tasks_by_state.waiting, stats.tasks_by_state.completed) == (2, 1)
    assert (stats.tasks_by_priority.high, stats.tasks_by_priority.low) == (2, 1)
    assert (stats.waiting_by_priority.high, stats.waiting_by_priority.low) == (1, 1)


async def test_stats_totals_stay_exact_through_every_kind_of_change(tq: Running) -> None:
    """After creates, claims, completions, failures with and without a retry, a cancel, a
    retry, a re-prioritisation and a refused call, GetStats' totals equal what ListTasks
    counts, state by state and priority by priority."""
    retrying = task_pb2.RetryPolicy(max_attempts=3)
    ids = [t.id for t in (await tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=[
        create_request(priority=p) for p in (HIGH, HIGH, MEDIUM, LOW, LOW, LOW)
    ]))).tasks]  # fmt: skip
    ids.append((await tq.stub.CreateTask(create_request(retry_policy=retrying))).task.id)
    claimed = []
    for _ in range(4):  # claim order: HIGH, HIGH, MEDIUM, MEDIUM (the retrying one)
        claimed.append((await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))).task.id)
    await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=claimed[0]))
    await tq.stub.FailTask(pb.FailTaskRequest(task_id=claimed[1], error="boom"))
    await tq.stub.FailTask(pb.FailTaskRequest(task_id=claimed[3], error="again"))  # waits
    await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=ids[3], reason="not needed"))
    await tq.stub.RetryTask(pb.RetryTaskRequest(task_id=claimed[1], reason="fixed"))
    await tq.stub.SetTaskPriority(pb.SetTaskPriorityRequest(task_id=ids[4], priority=HIGH))
    with pytest.raises(grpc.aio.AioRpcError):  # refused: nothing changes
        await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=ids[3]))

    stats = await tq.stub.GetStats(pb.GetStatsRequest())

    async def listed(**query: object) -> int:
        return (await tq.stub.ListTasks(pb.ListTasksRequest(page_size=1, **query))).total_size

    by_state = stats.tasks_by_state
    totals = [by_state.waiting, by_state.working, by_state.completed, by_state.failed,
              by_state.cancelled]  # fmt: skip
    # waiting: the retried, the re-prioritised, one LOW and the one backing off; working: one
    assert totals == [4, 1, 1, 0, 1]
    for state, n in zip(range(1, 6), totals, strict=True):
        assert await listed(states=[state]) == n, state
    for field, priority in (("high", HIGH), ("medium", MEDIUM), ("low", LOW)):
        assert getattr(stats.tasks_by_priority, field) == await listed(priorities=[priority])
        assert getattr(stats.waiting_by_priority, field) == await listed(
            states=[WAITING], priorities=[priority]
        )
    assert stats.total_tasks == len(ids) == await listed()
    assert by_state.scheduled == 1  # the retrying task, backing off


async def test_stats_window_and_trend_through_the_api(tq: Running) -> None:
    await tq.stub.CreateTask(create_request())
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=claim.task.id))
    stats = await tq.stub.GetStats(pb.GetStatsRequest(bucket=pb.STATS_BUCKET_HOUR))
    assert (stats.window.created, stats.window.started, stats.window.completed) == (1, 1, 1)
    assert len(stats.trend) == 24 and sum(b.counts.created for b in stats.trend) == 1
    high = next(d for d in stats.durations if d.priority == task_pb2.PRIORITY_MEDIUM)
    assert high.wait.count == 1 and high.run.count == 1
    minutes = await tq.stub.GetStats(
        pb.GetStatsRequest(
            bucket=pb.STATS_BUCKET_MINUTE, start_time=stats.start_time, end_time=stats.end_time
        )
    )
    assert len(minutes.trend) == 1440
    for bad in (
        pb.GetStatsRequest(bucket=7),  # type: ignore[arg-type]
        pb.GetStatsRequest(start_time=stats.end_time, end_time=stats.start_time),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await tq.stub.GetStats(bad)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
