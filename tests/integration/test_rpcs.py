"""Every RPC's success path and every refusal, against a real server.

A refused call must change nothing: each refusal test compares a digest of the database.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import grpc
import pytest
from google.protobuf import duration_pb2, struct_pb2
from support import PROMPT, Running, create_request, digest, refused, rich_error
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

Duration = duration_pb2.Duration
HIGH, MEDIUM, LOW = task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_MEDIUM, task_pb2.PRIORITY_LOW
WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
COMPLETED, FAILED = task_pb2.TASK_STATE_COMPLETED, task_pb2.TASK_STATE_FAILED


async def claimed(tq: Running, **fields: object) -> pb.ClaimTaskResponse:
    await tq.stub.CreateTask(create_request(**fields))
    response = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="worker-1"))
    assert response.HasField("task")
    return response


# -- CreateTask ----------------------------------------------------------------------------


async def test_create_returns_a_waiting_task_with_its_first_event(tq: Running) -> None:
    response = await tq.stub.CreateTask(
        create_request(priority=HIGH, tags=["performance", "perf:cpu", "performance"])
    )
    task = response.task
    assert uuid.UUID(task.id).version == 4
    assert task.state == WAITING
    assert task.priority == HIGH
    assert list(task.tags) == ["performance", "perf:cpu"]
    assert task.prompt == PROMPT and task.work_directory == "/home/user/project"
    assert task.create_time.seconds > 0
    assert [(e.from_state, e.to_state, e.reason) for e in task.history] == [
        (task_pb2.TASK_STATE_UNSPECIFIED, WAITING, "created")
    ]
    fetched = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task
    assert fetched == task


async def test_create_defaults_to_medium_and_normalises_the_directory(tq: Running) -> None:
    task = (await tq.stub.CreateTask(create_request(work_directory="//srv/./app/../web/"))).task
    assert task.priority == MEDIUM
    assert task.work_directory == "/srv/web"


async def test_create_keeps_unicode_prompts_exactly(tq: Running) -> None:
    prompt = "  Überprüfe 日本語 ✓ \n\t and emoji 🚀  "
    task = (await tq.stub.CreateTask(create_request(prompt=prompt, work_directory="/tmp/ü"))).task
    assert task.prompt == prompt
    assert task.work_directory == "/tmp/ü"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"work_directory": ""}, ["work_directory"]),
        ({"work_directory": "relative/path"}, ["work_directory"]),
        ({"work_directory": "/a/b\x00c"}, ["work_directory"]),
        ({"work_directory": "/a/\x1bb"}, ["work_directory"]),
        ({"work_directory": "/" + "a" * 4096}, ["work_directory"]),
        ({"prompt": ""}, ["prompt"]),
        ({"prompt": " \n\t "}, ["prompt"]),
        ({"prompt": "x" * (64 * 1024 + 1)}, ["prompt"]),
        ({"priority": 7}, ["priority"]),
        ({"tags": ["ok", "no spaces"]}, ["tags[1]"]),
        ({"tags": [""]}, ["tags[0]"]),
        ({"tags": ["x" * 65]}, ["tags[0]"]),
        ({"tags": [f"t{i}" for i in range(21)]}, ["tags"]),
        ({"work_directory": "", "prompt": ""}, ["work_directory", "prompt"]),
    ],
)
async def test_create_refuses_bad_input_naming_each_field(
    tq: Running, fields: dict[str, object], bad: list[str]
) -> None:
    await refused(
        tq,
        tq.stub.CreateTask(create_request(**fields)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        *bad,
    )


async def test_create_accepts_limits_exactly(tq: Running) -> None:
    task = (
        await tq.stub.CreateTask(
            create_request(prompt="x" * 64 * 1024, tags=[f"t{i}" for i in range(20)])
        )
    ).task
    assert len(task.prompt) == 64 * 1024 and len(task.tags) == 20


# -- GetTask -------------------------------------------------------------------------------


async def test_get_unknown_id_is_not_found(tq: Running) -> None:
    err = await refused(
        tq,
        tq.stub.GetTask(pb.GetTaskRequest(task_id=str(uuid.uuid4()))),
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    assert "task_id" in err.metadata


@pytest.mark.parametrize("task_id", ["", "nope", "1234", "'; DROP TABLE tasks; --", "é" * 40])
async def test_get_malformed_id_is_invalid_argument(tq: Running, task_id: str) -> None:
    await refused(
        tq,
        tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "task_id",
    )


async def test_get_accepts_an_upper_case_id(tq: Running) -> None:
    task = (await tq.stub.CreateTask(create_request())).task
    fetched = await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id.upper()))
    assert fetched.task.id == task.id


# -- ClaimTask -----------------------------------------------------------------------------


async def test_claim_marks_working_with_lease_and_history(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request())).task
    lease = duration_pb2.Duration()
    lease.FromTimedelta(timedelta(seconds=30))
    response = await tq.stub.ClaimTask(
        pb.ClaimTaskRequest(worker_id="worker-1", lease_duration=lease)
    )
    task = response.task
    assert task.id == created.id and task.state == WORKING
    assert task.worker_id == "worker-1" and task.attempt == 1
    assert response.lease_token
    expire = response.lease_expire_time.ToDatetime() - task.start_time.ToDatetime()
    assert expire == timedelta(seconds=30)
    assert task.lease_expire_time == response.lease_expire_time
    assert [e.reason for e in task.history] == ["created", "claimed"]
    assert task.history[-1].actor == "worker-1"
    fetched = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task
    assert fetched.state == WORKING and fetched.worker_id == "worker-1"
    assert fetched.lease_expire_time == response.lease_expire_time


async def test_claim_with_nothing_waiting_is_an_empty_response(tq: Running) -> None:
    response = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="worker-1"))
    assert not response.HasField("task") and not response.lease_token


@pytest.mark.parametrize(
    ("request_fields", "bad"),
    [
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "w\x00"}, "worker_id"),
        ({"worker_id": "w" * 257}, "worker_id"),
        ({"worker_id": "w", "work_directory": "not/absolute"}, "work_directory"),
        ({"worker_id": "w", "lease_duration": Duration(nanos=999_999_999)}, "lease_duration"),
        ({"worker_id": "w", "lease_duration": Duration(seconds=24 * 3600 + 1)}, "lease_duration"),
        ({"worker_id": "w", "lease_duration": Duration(seconds=-5)}, "lease_duration"),
    ],
)
async def test_claim_refuses_bad_input(
    tq: Running, request_fields: dict[str, object], bad: str
) -> None:
    await tq.stub.CreateTask(create_request())
    await refused(
        tq,
        tq.stub.ClaimTask(pb.ClaimTaskRequest(**request_fields)),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        bad,
    )


async def test_claim_accepts_lease_bounds(tq: Running) -> None:
    for seconds in (1, 24 * 3600):
        await tq.stub.CreateTask(create_request())
        response = await tq.stub.ClaimTask(
            pb.ClaimTaskRequest(
                worker_id="w", lease_duration=duration_pb2.Duration(seconds=seconds)
            )
        )
        assert response.HasField("task")


# -- Heartbeat -----------------------------------------------------------------------------


async def test_heartbeat_extends_the_lease(tq: Running) -> None:
    first = await claimed(tq)
    response = await tq.stub.Heartbeat(
        pb.HeartbeatRequest(task_id=first.task.id, lease_token=first.lease_token)
    )
    assert response.lease_expire_time.ToDatetime() >= first.lease_expire_time.ToDatetime()
    fetched = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=first.task.id))).task
    assert fetched.lease_expire_time == response.lease_expire_time


async def test_heartbeat_with_a_wrong_token_is_lease_lost(tq: Running) -> None:
    first = await claimed(tq)
    await refused(
        tq,
        tq.stub.Heartbeat(pb.HeartbeatRequest(task_id=first.task.id, lease_token="forged")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEASE_LOST",
    )


async def test_heartbeat_after_completion_is_lease_lost(tq: Running) -> None:
    first = await claimed(tq)
    await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=first.task.id, lease_token=first.lease_token)
    )
    await refused(
        tq,
        tq.stub.Heartbeat(
            pb.HeartbeatRequest(task_id=first.task.id, lease_token=first.lease_token)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEASE_LOST",
    )


async def test_heartbeat_needs_a_token_and_a_known_task(tq: Running) -> None:
    first = await claimed(tq)
    await refused(
        tq,
        tq.stub.Heartbeat(pb.HeartbeatRequest(task_id=first.task.id)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "lease_token",
    )
    await refused(
        tq,
        tq.stub.Heartbeat(pb.HeartbeatRequest(task_id=str(uuid.uuid4()), lease_token="x")),
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
    )


# -- CompleteTask --------------------------------------------------------------------------


async def test_complete_with_lease_prompt_and_result(tq: Running) -> None:
    first = await claimed(tq)
    result = struct_pb2.Struct()
    result.update({"status": "success", "output": "3 problems found", "n": 3, "ok": True})
    response = await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(
            task_id=first.task.id,
            lease_token=first.lease_token,
            original_prompt="  Analyse the performance\nproblems in this codebase ",
            result=result,
        )
    )
    task = response.task
    assert task.state == COMPLETED
    assert task.result == result
    assert task.complete_time.ToDatetime() >= task.start_time.ToDatetime()
    assert not task.HasField("lease_expire_time")
    assert [(e.to_state, e.actor) for e in task.history][-1] == (COMPLETED, "worker-1")
    assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task.id))).task == task


async def test_complete_without_token_is_allowed_for_a_working_task(tq: Running) -> None:
    first = await claimed(tq)
    task = (await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=first.task.id))).task
    assert task.state == COMPLETED and task.history[-1].actor == "client"
    assert not task.HasField("result")


async def test_complete_tolerates_small_prompt_differences(tq: Running) -> None:
    first = await claimed(tq)
    task = (
        await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(
                task_id=first.task.id,
                lease_token=first.lease_token,
                original_prompt="Analyse the performance problem in this codebase.",
            )
        )
    ).task
    assert task.state == COMPLETED


async def test_complete_with_a_different_prompt_is_prompt_mismatch(tq: Running) -> None:
    first = await claimed(tq)
    err = await refused(
        tq,
        tq.stub.CompleteTask(
            pb.CompleteTaskRequest(
                task_id=first.task.id,
                lease_token=first.lease_token,
                original_prompt="Write the release notes for version 2",
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "PROMPT_MISMATCH",
    )
    assert float(err.metadata["score"]) < 90 and err.metadata["threshold"] == "90"


async def test_complete_with_a_forged_token_is_lease_lost(tq: Running) -> None:
    first = await claimed(tq)
    await refused(
        tq,
        tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=first.task.id, lease_token="forged")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEASE_LOST",
    )


async def test_complete_a_waiting_task_is_task_not_working(tq: Running) -> None:
    task = (await tq.stub.CreateTask(create_request())).task
    err = await refused(
        tq,
        tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=task.id)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "TASK_NOT_WORKING",
    )
    assert err.metadata["state"] == "TASK_STATE_WAITING"


async def test_complete_twice_is_task_not_working(tq: Running) -> None:
    first = await claimed(tq)
    request = pb.CompleteTaskRequest(task_id=first.task.id, lease_token=first.lease_token)
    await tq.stub.CompleteTask(request)
    err = await refused(
        tq, tq.stub.CompleteTask(request), grpc.StatusCode.FAILED_PRECONDITION, "TASK_NOT_WORKING"
    )
    assert err.metadata["state"] == "TASK_STATE_COMPLETED"


async def test_complete_unknown_and_malformed_ids(tq: Running) -> None:
    await refused(
        tq,
        tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=str(uuid.uuid4()))),
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    await refused(
        tq,
        tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id="x")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "task_id",
    )


async def test_complete_refuses_a_result_over_one_mebibyte(tq: Running) -> None:
    first = await claimed(tq)
    result = struct_pb2.Struct()
    result.update({"output": "x" * (1024 * 1024)})
    await refused(
        tq,
        tq.stub.CompleteTask(
            pb.CompleteTaskRequest(
                task_id=first.task.id, lease_token=first.lease_token, result=result
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "result",
    )


# -- FailTask ------------------------------------------------------------------------------


async def test_fail_keeps_the_error_on_the_task_and_in_history(tq: Running) -> None:
    first = await claimed(tq)
    task = (
        await tq.stub.FailTask(
            pb.FailTaskRequest(
                task_id=first.task.id,
                lease_token=first.lease_token,
                original_prompt=PROMPT,
                error="compiler exploded: ✗",
            )
        )
    ).task
    assert task.state == FAILED and task.error == "compiler exploded: ✗"
    assert task.fail_time.seconds > 0
    assert task.history[-1].to_state == FAILED
    assert "compiler exploded: ✗" in task.history[-1].reason


async def test_fail_refusals(tq: Running) -> None:
    first = await claimed(tq)
    await refused(
        tq,
        tq.stub.FailTask(
            pb.FailTaskRequest(task_id=first.task.id, lease_token="forged", error="e")
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "LEASE_LOST",
    )
    await refused(
        tq,
        tq.stub.FailTask(pb.FailTaskRequest(task_id=first.task.id, error="e" * (64 * 1024 + 1))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "error",
    )
    await refused(
        tq,
        tq.stub.FailTask(
            pb.FailTaskRequest(
                task_id=first.task.id, original_prompt="something else entirely", error="e"
            )
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "PROMPT_MISMATCH",
    )
    waiting = (await tq.stub.CreateTask(create_request())).task
    await refused(
        tq,
        tq.stub.FailTask(pb.FailTaskRequest(task_id=waiting.id, error="e")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "TASK_NOT_WORKING",
    )


# -- WatchNext -----------------------------------------------------------------------------


async def test_watch_pushes_a_task_created_after_it_parked(tq: Running) -> None:
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="watcher-1"))
    # Let the watcher claim once and park before the task exists.
    await tq.stub.CreateTask(create_request(prompt="first"))
    first = await stream.read()
    assert first.task.prompt == "first" and first.lease_token
    await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=first.task.id, lease_token=first.lease_token)
    )
    created = (await tq.stub.CreateTask(create_request(prompt="second"))).task
    second = await stream.read()
    assert second.task.id == created.id and second.task.state == WORKING
    assert second.task.worker_id == "watcher-1"
    stream.cancel()


async def test_watch_respects_capacity_until_a_task_is_finished(tq: Running) -> None:
    for i in range(3):
        await tq.stub.CreateTask(create_request(prompt=f"task {i}"))
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="w", max_in_flight=2))
    got = [await stream.read(), await stream.read()]
    # Capacity is full: the third task stays waiting until one is finished.
    waiting = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="probe"))
    assert waiting.task.prompt == "task 2"
    await tq.stub.FailTask(
        pb.FailTaskRequest(task_id=waiting.task.id, lease_token=waiting.lease_token, error="x")
    )
    await tq.stub.CreateTask(create_request(prompt="task 3"))
    await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=got[0].task.id, lease_token=got[0].lease_token)
    )
    third = await stream.read()
    assert third.task.prompt == "task 3"
    stream.cancel()


async def test_watch_filters_by_directory(tq: Running) -> None:
    stream = tq.stub.WatchNext(pb.WatchNextRequest(worker_id="w", work_directory="/srv/b/"))
    await tq.stub.CreateTask(create_request(work_directory="/srv/a", prompt="a"))
    await tq.stub.CreateTask(create_request(work_directory="/srv/b", prompt="b"))
    got = await stream.read()
    assert got.task.prompt == "b"
    other = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="x"))
    assert other.task.prompt == "a"
    stream.cancel()


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "w", "max_in_flight": -1}, "max_in_flight"),
        ({"worker_id": "w", "max_in_flight": 1001}, "max_in_flight"),
        ({"worker_id": "w", "work_directory": "rel"}, "work_directory"),
        ({"worker_id": "w", "lease_duration": duration_pb2.Duration()}, "lease_duration"),
    ],
)
async def test_watch_refuses_bad_input(tq: Running, fields: dict[str, object], bad: str) -> None:
    await tq.stub.CreateTask(create_request())
    before = digest(tq)
    stream = tq.stub.WatchNext(pb.WatchNextRequest(**fields))  # type: ignore[arg-type]
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stream.read()
    err = rich_error(info.value)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.fields == [bad]
    assert digest(tq) == before


# -- Health --------------------------------------------------------------------------------


async def test_health_turns_not_serving_on_shutdown(tq: Running) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(tq.channel)
    for service in ("", "taskqueue.v1.TaskQueueService"):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    watch = health.Watch(health_pb2.HealthCheckRequest(service="taskqueue.v1.TaskQueueService"))
    assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
    stopping = asyncio.ensure_future(tq.server.stop(1))
    assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
    await stopping
