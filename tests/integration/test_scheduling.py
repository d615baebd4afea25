"""Delays, automatic retries, dead tasks, per-directory limits and tag claims, against a real
server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import duration_pb2, timestamp_pb2
from support import Running, create_request, digest, rich_error, running_server, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
FAILED, COMPLETED = task_pb2.TASK_STATE_FAILED, task_pb2.TASK_STATE_COMPLETED


def seconds(value: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(value * 1e9))
    return d


async def claim(tq: Running, **fields: object) -> pb.ClaimTaskResponse:
    return await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w", **fields))  # type: ignore[arg-type]


# -- delayed and scheduled tasks -----------------------------------------------------------


async def test_delayed_task_is_not_claimable_before_its_time_then_pushed(tq: Running) -> None:
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="watcher"))
    created = (await tq.stub.CreateTask(create_request(delay=seconds(0.6)))).task
    due = created.schedule_time.ToNanoseconds() / 1e9
    assert created.state == WAITING and created.HasField("schedule_time")
    assert "scheduled" in created.history[0].reason
    assert not (await claim(tq)).HasField("task")
    got = await asyncio.wait_for(stream.read(), 5)
    arrived = time.time()
    assert got.task.id == created.id
    # Delivered after its time, and promptly (100 ms is the bound; allow a loaded machine).
    assert due - 0.01 <= arrived <= due + 0.5, arrived - due
    stream.cancel()


async def test_schedule_time_in_the_past_means_now(tq: Running) -> None:
    past = timestamp_pb2.Timestamp(seconds=int(time.time()) - 3600)
    created = (await tq.stub.CreateTask(create_request(schedule_time=past))).task
    assert not created.HasField("schedule_time")
    assert (await claim(tq)).task.id == created.id


async def test_scheduled_tasks_survive_a_restart_and_become_due(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    async with running_server(db) as tq:
        created = (await tq.stub.CreateTask(create_request(delay=seconds(1.0)))).task
    async with running_server(db) as tq:
        stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="after-restart"))
        got = await asyncio.wait_for(stream.read(), 5)
        assert got.task.id == created.id
        stream.cancel()


async def test_list_filters_due_and_scheduled(tq: Running) -> None:
    now_task = (await tq.stub.CreateTask(create_request(prompt="now"))).task
    later = (await tq.stub.CreateTask(create_request(prompt="later", delay=seconds(3600)))).task
    due = await tq.stub.ListTasks(pb.ListTasksRequest(due=pb.DUE_FILTER_DUE))
    scheduled = await tq.stub.ListTasks(pb.ListTasksRequest(due=pb.DUE_FILTER_SCHEDULED))
    assert [t.id for t in due.tasks] == [now_task.id]
    assert [t.id for t in scheduled.tasks] == [later.id]
    stats = await tq.stub.GetStats(pb.GetStatsRequest())
    assert (stats.tasks_by_state.waiting, stats.tasks_by_state.scheduled) == (2, 1)
    # A scheduled task can still be cancelled and re-prioritised.
    await tq.stub.SetTaskPriority(
        pb.SetTaskPriorityRequest(task_id=later.id, priority=task_pb2.PRIORITY_HIGH)
    )
    await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=later.id, reason="changed my mind"))


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"delay": seconds(-1)}, "delay"),
        ({"delay": seconds(366 * 86400)}, "delay"),
        ({"delay": seconds(1), "schedule_time": timestamp_pb2.Timestamp(seconds=1)}, "delay"),
        ({"schedule_time": timestamp_pb2.Timestamp(seconds=int(time.time()) + 400 * 86400)},
         "schedule_time"),
        ({"max_working_in_directory": -1}, "max_working_in_directory"),
        ({"retry_policy": task_pb2.RetryPolicy(max_attempts=101)}, "retry_policy.max_attempts"),
        ({"retry_policy": task_pb2.RetryPolicy(backoff_multiplier=0.5)},
         "retry_policy.backoff_multiplier"),
    ],
)  # fmt: skip
async def test_create_refuses_bad_schedules_and_policies(
    tq: Running, fields: dict[str, object], bad: str
) -> None:
    before = digest(tq)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.CreateTask(create_request(**fields))
    err = rich_error(info.value)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.fields == [bad], err
    assert digest(tq) == before


# -- automatic retries ---------------------------------------------------------------------

POLICY = task_pb2.RetryPolicy(
    max_attempts=3, initial_backoff=seconds(0.2), max_backoff=seconds(1), backoff_multiplier=2
)


async def test_failed_attempts_retry_with_backoff_then_the_task_dies(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request(retry_policy=POLICY))).task
    assert created.retry_policy.max_attempts == 3
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="retrier"))
    delays = []
    for attempt in range(1, 4):
        got = await asyncio.wait_for(stream.read(), 5)
        assert got.task.id == created.id and got.task.attempt == attempt
        failed = (
            await tq.stub.FailTask(
                pb.FailTaskRequest(
                    task_id=created.id, lease_token=got.lease_token, error=f"boom {attempt}"
                )
            )
        ).task
        if attempt < 3:
            assert failed.state == WAITING and failed.HasField("schedule_time")
            delays.append(
                failed.schedule_time.ToNanoseconds() / 1e9
                - failed.update_time.ToNanoseconds() / 1e9
            )
            assert f"boom {attempt}" in failed.history[-1].reason
            assert f"attempt {attempt} of 3" in failed.history[-1].reason
    assert failed.state == FAILED and failed.error == "boom 3"
    assert 0.16 <= delays[0] <= 0.24 and 0.32 <= delays[1] <= 0.48
    stats = await tq.stub.GetStats(pb.GetStatsRequest())
    assert stats.tasks_by_state.dead == 1
    dead = await tq.stub.ListTasks(pb.ListTasksRequest(states=[FAILED]))
    assert [t.id for t in dead.tasks] == [created.id]
    revived = (await tq.stub.RetryTask(pb.RetryTaskRequest(task_id=created.id))).task
    assert revived.state == WAITING and revived.retry_count == 1
    stream.cancel()


async def test_not_retryable_failure_stops_retries_at_once(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request(retry_policy=POLICY))).task
    got = await claim(tq)
    failed = (
        await tq.stub.FailTask(
            pb.FailTaskRequest(
                task_id=created.id, lease_token=got.lease_token, error="bad input",
                retryable=False,
            )
        )
    ).task  # fmt: skip
    assert failed.state == FAILED and "not retryable" not in failed.error
    assert failed.attempt == 1


async def test_lease_expiry_counts_as_an_attempt(tq: Running) -> None:
    policy = task_pb2.RetryPolicy(max_attempts=2, initial_backoff=seconds(0.1))
    created = (await tq.stub.CreateTask(create_request(retry_policy=policy))).task
    for _ in range(2):
        stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="vanishing",
                                                       lease_duration=seconds(1)))  # fmt: skip
        await asyncio.wait_for(stream.read(), 5)
        stream.cancel()  # the worker vanishes; its lease runs out

    async def dead() -> bool:
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        return task.state == FAILED

    await wait_for(dead, deadline_s=5, what="the second expiry to fail the task")
    task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
    assert task.attempt == 2 and task.lease_expiries == 2
    assert "lease expired" in task.error


async def test_poison_task_fails_with_lease_expired_too_often(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", max_lease_expiries=1) as tq:
        created = (await tq.stub.CreateTask(create_request())).task
        for _ in range(2):
            stream = tq.stub.WatchNext(
                pb.WatchNextRequest(worker_id="crashing", lease_duration=seconds(1))
            )
            await asyncio.wait_for(stream.read(), 5)
            stream.cancel()

        async def dead() -> bool:
            task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
            return task.state == FAILED

        await wait_for(dead, deadline_s=5, what="the poison task to fail")
        task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))).task
        assert task.error.startswith("LEASE_EXPIRED_TOO_OFTEN")
        assert task.lease_expiries == 2


# -- one agent per directory ---------------------------------------------------------------


async def test_directory_limit_skips_busy_directories_and_keeps_their_place(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path / "t.db", max_working_per_directory=1) as tq:
        for prompt, directory in [("a1", "/a"), ("a2", "/a"), ("b1", "/b"), ("a3", "/a")]:
            await tq.stub.CreateTask(create_request(prompt=prompt, work_directory=directory))
        first = await claim(tq)
        second = await claim(tq)
        assert (first.task.prompt, second.task.prompt) == ("a1", "b1")
        assert not (await claim(tq)).HasField("task")
        stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="waiting-for-a"))
        await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=first.task.id))
        got = await asyncio.wait_for(stream.read(), 5)
        assert got.task.prompt == "a2"  # kept its place ahead of a3
        stream.cancel()


async def test_per_task_directory_override(tq: Running) -> None:
    for prompt in ("solo-1", "solo-2"):
        await tq.stub.CreateTask(
            create_request(prompt=prompt, work_directory="/solo", max_working_in_directory=1)
        )
    await tq.stub.CreateTask(create_request(prompt="free", work_directory="/solo"))
    assert (await claim(tq)).task.prompt == "solo-1"
    assert (await claim(tq)).task.prompt == "free"  # no limit of its own
    assert not (await claim(tq)).HasField("task")


@pytest.mark.slow
async def test_racing_workers_never_exceed_the_directory_limit(tmp_path: Path) -> None:
    async with running_server(tmp_path / "t.db", max_working_per_directory=1) as tq:
        directories = [f"/race/{i}" for i in range(4)]
        requests = [create_request(prompt=f"{d}#{n}", work_directory=d)
                    for n in range(10) for d in directories]  # fmt: skip
        await tq.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=requests))
        busy: set[str] = set()
        done: list[str] = []

        async def worker(n: int) -> None:
            while len(done) < len(requests):
                got = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id=f"w{n}"))
                if not got.HasField("task"):
                    await asyncio.sleep(0.005)  # pacing an idle poller, not synchronisation
                    continue
                directory = got.task.work_directory
                assert directory not in busy, "two tasks of one directory were working"
                busy.add(directory)
                # "Work": a real round trip while holding the task, so other claims land now.
                await tq.stub.GetTask(pb.GetTaskRequest(task_id=got.task.id))
                busy.discard(directory)  # before the complete is even sent
                await tq.stub.CompleteTask(
                    pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token)
                )
                done.append(got.task.prompt)

        await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(8))), 60)
        assert sorted(done) == sorted(r.prompt for r in requests)  # nothing starved


# -- claim by tags -------------------------------------------------------------------------


async def test_claim_and_watch_by_tags(tq: Running) -> None:
    await tq.stub.CreateTask(create_request(prompt="cpu"))
    await tq.stub.CreateTask(create_request(prompt="gpu-small", tags=["gpu"]))
    await tq.stub.CreateTask(create_request(prompt="gpu-big", tags=["gpu", "big"]))
    assert (await claim(tq, tags=["gpu", "big"])).task.prompt == "gpu-big"
    assert (await claim(tq, tags=["gpu"])).task.prompt == "gpu-small"
    assert not (await claim(tq, tags=["gpu"])).HasField("task")
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="gpu-worker", tags=["gpu"]))
    await tq.stub.CreateTask(create_request(prompt="cpu-2"))
    await tq.stub.CreateTask(create_request(prompt="gpu-2", tags=["x", "gpu"]))
    got = await asyncio.wait_for(stream.read(), 5)
    assert got.task.prompt == "gpu-2"
    assert (await claim(tq)).task.prompt == "cpu"
    stream.cancel()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await claim(tq, tags=["bad tag"])
    assert rich_error(info.value).fields == ["tags[0]"]
