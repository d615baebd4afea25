"""Hypothesis throws hostile requests at every RPC of a real server: unicode, control
characters and NUL bytes, huge and negative numbers, unknown enum values, malformed ids and
page tokens, paths with "..", relative paths, very long tags. Every answer must be OK or a
client error; nothing refused may change the database; the server must keep serving."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import STORES
from google.protobuf import duration_pb2, timestamp_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ServerProcess, process_digest, store_process
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

pytestmark = [
    pytest.mark.slow,
    # Huge prompts make Hypothesis warn about long reprs; that is the point of them.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning"),
]

CLIENT_ERRORS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.RESOURCE_EXHAUSTED,  # over the message size limit
}
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    # Huge prompts and batches are the point here, so the size checks are off.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

int32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
enum = st.integers(min_value=-3, max_value=12)
text = st.text(max_size=300)
paths = st.one_of(
    text,
    st.sampled_from(["", "/", "..", "/a/../..", "rel/x", "//x//y/", "/a/./b", "/\x00", "/é/日本"]),
    st.text(min_size=4000, max_size=4200).map(lambda t: "/" + t),
)
ids = st.one_of(st.uuids().map(str), text, st.sampled_from(["", "0" * 36, "../etc/passwd"]))
tags = st.lists(st.one_of(text, st.text(min_size=60, max_size=70)), max_size=25)
durations = st.builds(
    duration_pb2.Duration,
    seconds=st.integers(min_value=-(10**9), max_value=10**9),
    nanos=st.integers(min_value=-999_999_999, max_value=999_999_999),
)
timestamps = st.builds(
    timestamp_pb2.Timestamp,
    seconds=st.integers(min_value=-62135596800, max_value=253402300799),
    nanos=st.integers(min_value=0, max_value=999_999_999),
)
policies = st.builds(
    task_pb2.RetryPolicy,
    max_attempts=int32,
    initial_backoff=durations,
    max_backoff=durations,
    backoff_multiplier=st.floats(allow_nan=True, allow_infinity=True),
)
creates = st.builds(
    pb.CreateTaskRequest,
    work_directory=paths,
    prompt=st.one_of(text, st.text(min_size=1, max_size=5).map(lambda t: t * 20000)),
    priority=enum,
    tags=tags,
    request_id=ids,
    delay=st.one_of(st.none(), durations),
    retry_policy=st.one_of(st.none(), policies),
    max_working_in_directory=int32,
)
REQUESTS: dict[str, st.SearchStrategy[Any]] = {
    "CreateTask": creates,
    "BatchCreateTasks": st.builds(pb.BatchCreateTasksRequest,
                                  requests=st.lists(creates, max_size=5)),
    "GetTask": st.builds(pb.GetTaskRequest, task_id=ids),
    "ListTasks": st.builds(
        pb.ListTasksRequest, states=st.lists(enum, max_size=4),
        priorities=st.lists(enum, max_size=4), work_directory=paths, tags=tags, worker_id=text,
        created_after=st.one_of(st.none(), timestamps),
        order_by=st.one_of(text, st.sampled_from(["priority", "create_time desc", "PRIORITY"])),
        page_size=int32, page_token=st.one_of(text, st.binary().map(lambda b: b.hex())), view=enum,
        due=enum,
    ),
    "ClaimTask": st.builds(pb.ClaimTaskRequest, worker_id=text, work_directory=paths,
                           lease_duration=st.one_of(st.none(), durations), tags=tags),
    "Heartbeat": st.builds(pb.HeartbeatRequest, task_id=ids, lease_token=text),
    "CompleteTask": st.builds(pb.CompleteTaskRequest, task_id=ids, lease_token=text,
                              original_prompt=text),
    "FailTask": st.builds(pb.FailTaskRequest, task_id=ids, lease_token=text, error=text,
                          retryable=st.booleans()),
    "CancelTask": st.builds(pb.CancelTaskRequest, task_id=ids, reason=text),
    "BatchCancelTasks": st.builds(pb.BatchCancelTasksRequest, task_ids=st.lists(ids, max_size=5),
                                  reason=text),
    "RetryTask": st.builds(pb.RetryTaskRequest, task_id=ids, reason=text),
    "SetTaskPriority": st.builds(pb.SetTaskPriorityRequest, task_id=ids, priority=enum),
    "GetStats": st.just(pb.GetStatsRequest()),
    "ListBackups": st.just(pb.ListBackupsRequest()),
    "GetServerStatus": st.just(pb.GetServerStatusRequest()),
    "GetConfig": st.just(pb.GetConfigRequest()),
    "ListConfigRevisions": st.builds(pb.ListConfigRevisionsRequest, page_size=int32,
                                     page_token=text),
    "CompleteTasks": st.builds(pb.CompleteTasksRequest, requests=st.lists(
        st.builds(pb.CompleteTaskRequest, task_id=ids, lease_token=text, original_prompt=text),
        max_size=5)),
    "CreateApiKey": st.builds(pb.CreateApiKeyRequest, name=text, role=enum,
                              ttl=st.one_of(st.none(), durations)),
    "ListApiKeys": st.builds(pb.ListApiKeysRequest, show_inactive=st.booleans()),
    "RevokeApiKey": st.builds(pb.RevokeApiKeyRequest, key=text),
    "ListAuditEvents": st.builds(pb.ListAuditEventsRequest, page_size=int32, page_token=text,
                                 principal=text, failures_only=st.booleans()),
}  # fmt: skip


@pytest.fixture(scope="module", params=STORES)
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    with store_process(request, request.param, tmp_path_factory.mktemp("hostile")) as proc:
        yield proc


@pytest.fixture(scope="module")
def stub(server: ServerProcess) -> Iterator[pb_grpc.TaskQueueServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield pb_grpc.TaskQueueServiceStub(channel)


def test_every_rpc_is_covered() -> None:
    service = pb.DESCRIPTOR.services_by_name["TaskQueueService"]
    # WatchNext has its own test below (Work shares its validation and CompleteTasks');
    # CreateBackup takes no input to be hostile with;
    # UpdateConfig has its own tests (a random valid update would reconfigure this server).
    special = {"WatchNext", "CreateBackup", "UpdateConfig", "Work"}
    assert set(REQUESTS) | special == {m.name for m in service.methods}


@pytest.mark.parametrize("rpc", sorted(REQUESTS))
def test_hostile_requests_get_ok_or_a_client_error(
    rpc: str, server: ServerProcess, stub: pb_grpc.TaskQueueServiceStub
) -> None:
    call: Callable[..., Any] = getattr(stub, rpc)

    @EXAMPLES
    @given(request=REQUESTS[rpc])
    def check(request: Any) -> None:
        before = process_digest(server)
        refused: grpc.RpcError | None = None
        try:
            call(request, timeout=10)
        except grpc.RpcError as exc:
            refused = exc
        if refused is not None:
            code = refused.code()  # type: ignore[attr-defined]
            assert code in CLIENT_ERRORS, (code, refused.details(), request)  # type: ignore[attr-defined]
            assert process_digest(server) == before, f"refused {rpc} changed the database"

    check()
    assert server.proc is not None and server.proc.poll() is None, "the server died"


@EXAMPLES
@given(request=st.builds(pb.WatchNextRequest, worker_id=text, work_directory=paths,
                         max_in_flight=int32, lease_duration=st.one_of(st.none(), durations),
                         tags=tags))  # fmt: skip
def test_hostile_watch_requests(request: pb.WatchNextRequest, stub: Any) -> None:
    stream = stub.WatchNext(request, timeout=0.3)
    code = grpc.StatusCode.OK
    try:
        for _ in stream:
            break
    except grpc.RpcError as exc:
        code = exc.code()  # type: ignore[attr-defined]
    finally:
        stream.cancel()
    assert code in CLIENT_ERRORS | {grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED}


def test_still_serving_after_all_that(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert server.postgres or Path(server.db_path).exists()
