"""The Python client's retries and error mapping, scripted with grpc_testing: the test plays
the server, answering each call with UNAVAILABLE, a deadline, or a rich error."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import grpc_testing
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_client import (
    InvalidArgument,
    LeaseLost,
    NotFound,
    RetryPolicy,
    SyncTaskQueueClient,
    TaskQueueClientError,
    Unavailable,
)

SERVICE = pb.DESCRIPTOR.services_by_name["TaskQueueService"]
TASK = task_pb2.Task(id="11111111-1111-4111-8111-111111111111", prompt="p")


class Scripted:
    """A client on a grpc_testing channel, and the server side of each call it makes."""

    def __init__(self) -> None:
        self.channel = grpc_testing.channel([SERVICE], grpc_testing.strict_real_time())
        self.slept: list[float] = []
        self.client = SyncTaskQueueClient(
            channel=self.channel, retry_policy=RetryPolicy(max_attempts=4),
            rng=random.Random(1), sleep=self.slept.append,
        )  # fmt: skip
        self.pool = ThreadPoolExecutor(1)

    def start(self, call: str, *args: Any, **kwargs: Any) -> Any:
        return self.pool.submit(getattr(self.client, call), *args, **kwargs)

    def answer(self, method: str, response: Any = None, code: grpc.StatusCode = grpc.StatusCode.OK,
               details: str = "", status: status_pb2.Status | None = None) -> Any:  # fmt: skip
        _, request, rpc = self.channel.take_unary_unary(SERVICE.methods_by_name[method])
        trailing = (("grpc-status-details-bin", status.SerializeToString()),) if status else ()
        rpc.terminate(response, trailing, code, details)
        return request


def rich(code: int, reason: str, *details: Any) -> status_pb2.Status:
    packed = []
    for d in (error_details_pb2.ErrorInfo(reason=reason, domain="taskqueue.v1",
                                          metadata={"k": "v"}), *details):  # fmt: skip
        a = any_pb2.Any()
        a.Pack(d)
        packed.append(a)
    return status_pb2.Status(code=code, message="refused", details=packed)


def test_idempotent_read_is_retried_on_unavailable_with_backoff() -> None:
    s = Scripted()
    future = s.start("get_task", TASK.id)
    s.answer("GetTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    s.answer("GetTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    s.answer("GetTask", pb.GetTaskResponse(task=TASK))
    assert future.result(5) == TASK
    assert len(s.slept) == 2 and 0.08 <= s.slept[0] <= 0.12 and 0.16 <= s.slept[1] <= 0.24


def test_gives_up_after_the_last_attempt() -> None:
    s = Scripted()
    future = s.start("get_task", TASK.id)
    for _ in range(4):
        s.answer("GetTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    with pytest.raises(Unavailable):
        future.result(5)
    assert len(s.slept) == 3


def test_create_without_request_id_is_not_retried() -> None:
    s = Scripted()
    future = s.start("create_task", "/w", "p")
    s.answer("CreateTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    with pytest.raises(Unavailable):
        future.result(5)
    assert s.slept == []


def test_create_with_request_id_is_retried_with_the_same_request() -> None:
    s = Scripted()
    future = s.start("create_task", "/w", "p", request_id="6f1c1f4e-3f5e-4c1e-9a51-0f2d7c9a1b23")
    first = s.answer("CreateTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    second = s.answer("CreateTask", pb.CreateTaskResponse(task=TASK))
    assert future.result(5) == TASK and first == second and len(s.slept) == 1


def test_claims_and_deadlines_are_not_retried() -> None:
    s = Scripted()
    future = s.start("claim_task", "w")
    s.answer("ClaimTask", code=grpc.StatusCode.UNAVAILABLE, details="down")
    with pytest.raises(Unavailable):
        future.result(5)
    future = s.start("get_task", TASK.id)
    s.answer("GetTask", code=grpc.StatusCode.DEADLINE_EXCEEDED, details="slow")
    with pytest.raises(TaskQueueClientError) as info:
        future.result(5)
    assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED and s.slept == []


def test_rich_errors_become_typed_exceptions() -> None:
    s = Scripted()
    future = s.start("complete_task", TASK.id, lease_token="t")
    s.answer("CompleteTask", code=grpc.StatusCode.FAILED_PRECONDITION, details="refused",
             status=rich(9, "LEASE_LOST"))  # fmt: skip
    with pytest.raises(LeaseLost) as lost:
        future.result(5)
    assert lost.value.reason == "LEASE_LOST" and lost.value.metadata == {"k": "v"}
    bad = error_details_pb2.BadRequest(
        field_violations=[error_details_pb2.BadRequest.FieldViolation(
            field="work_directory", description="must be absolute")]
    )  # fmt: skip
    future = s.start("create_task", "rel", "p")
    s.answer("CreateTask", code=grpc.StatusCode.INVALID_ARGUMENT, details="refused",
             status=rich(3, "INVALID_ARGUMENT", bad))  # fmt: skip
    with pytest.raises(InvalidArgument) as invalid:
        future.result(5)
    assert [(v.field, v.description) for v in invalid.value.violations] == [
        ("work_directory", "must be absolute")
    ]
    future = s.start("get_task", TASK.id)
    s.answer("GetTask", code=grpc.StatusCode.NOT_FOUND, details="no task")
    with pytest.raises(NotFound) as missing:
        future.result(5)
    assert str(missing.value) == "NOT_FOUND: no task"
