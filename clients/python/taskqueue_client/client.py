"""`TaskQueueClient` (asyncio) and `SyncTaskQueueClient`: typed calls over the generated
stubs with default deadlines, credentials, TLS, and retries only where they are safe."""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

from taskqueue_client import retry
from taskqueue_client.errors import from_rpc_error

DEFAULT_TARGET = "127.0.0.1:50051"
PRIORITIES = {"high": 1, "medium": 2, "low": 3}
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
)


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """How to reach a server: a bearer token and/or TLS (PEM file paths)."""

    token: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()

    def channel_credentials(self) -> grpc.ChannelCredentials | None:
        if not (self.tls_ca or self.tls_cert):
            return None

        def read(path: str) -> bytes | None:
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()

        return grpc.ssl_channel_credentials(
            root_certificates=read(self.tls_ca),
            private_key=read(self.tls_key),
            certificate_chain=read(self.tls_cert),
        )


def complete_request(
    task_id: str, lease_token: str, original_prompt: str, result: Mapping[str, Any] | None
) -> pb.CompleteTaskRequest:
    """One completion, as CompleteTask and CompleteTasks take it."""
    return _complete(task_id, lease_token, original_prompt, result)


def _priority(value: int | str) -> int:
    return PRIORITIES[value.lower()] if isinstance(value, str) else value


def _duration(seconds: float | None) -> duration_pb2.Duration | None:
    if seconds is None:
        return None
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def _create(
    work_directory: str,
    prompt: str,
    priority: int | str,
    tags: Sequence[str],
    request_id: str,
    delay_seconds: float | None,
) -> pb.CreateTaskRequest:
    return pb.CreateTaskRequest(
        work_directory=work_directory,
        prompt=prompt,
        priority=_priority(priority),  # type: ignore[arg-type]
        tags=list(tags),
        request_id=request_id,
        delay=_duration(delay_seconds),
    )


def _complete(
    task_id: str, lease_token: str, original_prompt: str, result: Mapping[str, Any] | None
) -> pb.CompleteTaskRequest:
    request = pb.CompleteTaskRequest(
        task_id=task_id, lease_token=lease_token, original_prompt=original_prompt
    )
    if result is not None:
        s = struct_pb2.Struct()
        s.update(dict(result))
        request.result.CopyFrom(s)
    return request


def _fail(
    task_id: str, lease_token: str, error: str, original_prompt: str, retryable: bool
) -> pb.FailTaskRequest:
    return pb.FailTaskRequest(
        task_id=task_id,
        lease_token=lease_token,
        error=error,
        original_prompt=original_prompt,
        retryable=retryable,
    )


def _claim(
    worker_id: str, work_directory: str, tags: Sequence[str], lease_seconds: float | None
) -> pb.ClaimTaskRequest:
    return pb.ClaimTaskRequest(
        worker_id=worker_id,
        work_directory=work_directory,
        tags=list(tags),
        lease_duration=_duration(lease_seconds),
    )


class TaskQueueClient:
    """The asyncio client. Use as `async with TaskQueueClient(target) as client:`.

    Args:
        target: HOST:PORT of the server.
        credentials: token and TLS, if the server asks for them.
        deadline: seconds each unary call may take.
        retry_policy: backoff for the calls that are safe to repeat.
        channel: an existing channel to use instead of opening one.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: Credentials | None = None,
        deadline: float = 10.0,
        retry_policy: retry.RetryPolicy | None = None,
        channel: grpc.aio.Channel | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._credentials = credentials or Credentials()
        secure = self._credentials.channel_credentials()
        if channel is None:
            channel = (
                grpc.aio.secure_channel(target, secure, options=CHANNEL_OPTIONS)
                if secure
                else grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
            )
        self._channel = channel
        self._stub = pb_grpc.TaskQueueServiceStub(channel)
        self._deadline = deadline
        self._policy = retry_policy or retry.RetryPolicy()
        self._rng = rng or random.Random()

    async def __aenter__(self) -> TaskQueueClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close(None)

    async def _call(self, method: str, request: Any, *, has_request_id: bool = False) -> Any:
        stub_method: Callable[..., Any] = getattr(self._stub, method)

        async def send() -> Any:
            return await stub_method(
                request, timeout=self._deadline, metadata=self._credentials.metadata
            )

        return await retry.acall(
            send, method=method, has_request_id=has_request_id, policy=self._policy, rng=self._rng
        )

    async def create_task(
        self,
        work_directory: str,
        prompt: str,
        *,
        priority: int | str = "medium",
        tags: Sequence[str] = (),
        request_id: str = "",
        delay_seconds: float | None = None,
    ) -> task_pb2.Task:
        """Queues a task; with a request_id the call is retried safely when unavailable."""
        request = _create(work_directory, prompt, priority, tags, request_id, delay_seconds)
        response = await self._call("CreateTask", request, has_request_id=bool(request_id))
        return response.task  # type: ignore[no-any-return]

    async def get_task(self, task_id: str) -> task_pb2.Task:
        response = await self._call("GetTask", pb.GetTaskRequest(task_id=task_id))
        return response.task  # type: ignore[no-any-return]

    async def list_tasks(self, **fields: Any) -> pb.ListTasksResponse:
        """One page; fields as in ListTasksRequest (states, tags, order_by, page_token, ...)."""
        return await self._call("ListTasks", pb.ListTasksRequest(**fields))  # type: ignore[no-any-return]

    async def claim_task(
        self,
        worker_id: str,
        *,
        work_directory: str = "",
        tags: Sequence[str] = (),
        lease_seconds: float | None = None,
    ) -> pb.ClaimTaskResponse:
        request = _claim(worker_id, work_directory, tags, lease_seconds)
        return await self._call("ClaimTask", request)  # type: ignore[no-any-return]

    async def watch_next(
        self,
        worker_id: str,
        *,
        work_directory: str = "",
        tags: Sequence[str] = (),
        max_in_flight: int = 1,
        lease_seconds: float | None = None,
    ) -> AsyncGenerator[pb.WatchNextResponse, None]:
        """Tasks pushed as they come, while the stream is open; no deadline."""
        request = pb.WatchNextRequest(
            worker_id=worker_id,
            work_directory=work_directory,
            tags=list(tags),
            max_in_flight=max_in_flight,
            lease_duration=_duration(lease_seconds),
        )
        stream = self._stub.WatchNext(request, metadata=self._credentials.metadata)
        try:
            async for pushed in stream:
                yield pushed
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from exc
        finally:
            stream.cancel()

    async def heartbeat(self, task_id: str, lease_token: str) -> timestamp_pb2.Timestamp:
        request = pb.HeartbeatRequest(task_id=task_id, lease_token=lease_token)
        response = await self._call("Heartbeat", request)
        return response.lease_expire_time  # type: ignore[no-any-return]

    async def complete_task(
        self,
        task_id: str,
        *,
        lease_token: str = "",
        original_prompt: str = "",
        result: Mapping[str, Any] | None = None,
    ) -> task_pb2.Task:
        request = _complete(task_id, lease_token, original_prompt, result)
        return (await self._call("CompleteTask", request)).task  # type: ignore[no-any-return]

    async def complete_tasks(
        self, requests: Sequence[pb.CompleteTaskRequest]
    ) -> list[pb.CompleteTaskOutcome]:
        """Completes up to 1,000 tasks in one call; one outcome per request, in order (code 0:
        completed; otherwise the code and reason CompleteTask would have given)."""
        response = await self._call("CompleteTasks", pb.CompleteTasksRequest(requests=requests))
        return list(response.outcomes)

    async def fail_task(
        self,
        task_id: str,
        *,
        lease_token: str = "",
        error: str = "",
        original_prompt: str = "",
        retryable: bool = True,
    ) -> task_pb2.Task:
        request = _fail(task_id, lease_token, error, original_prompt, retryable)
        return (await self._call("FailTask", request)).task  # type: ignore[no-any-return]

    async def cancel_task(self, task_id: str, reason: str) -> task_pb2.Task:
        request = pb.CancelTaskRequest(task_id=task_id, reason=reason)
        return (await self._call("CancelTask", request)).task  # type: ignore[no-any-return]

    async def get_stats(self, **fields: Any) -> pb.GetStatsResponse:
        return await self._call("GetStats", pb.GetStatsRequest(**fields))  # type: ignore[no-any-return]


class SyncTaskQueueClient:
    """A small blocking facade for scripts: the calls scripts use most, same retries and
    errors as the asyncio client. `channel` may be any grpc.Channel (tests pass
    grpc_testing's)."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: Credentials | None = None,
        deadline: float = 10.0,
        retry_policy: retry.RetryPolicy | None = None,
        channel: grpc.Channel | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self._credentials = credentials or Credentials()
        secure = self._credentials.channel_credentials()
        if channel is None:
            channel = (
                grpc.secure_channel(target, secure, options=CHANNEL_OPTIONS)
                if secure
                else grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
            )
        self._channel = channel
        self._stub = pb_grpc.TaskQueueServiceStub(channel)
        self._deadline = deadline
        self._policy = retry_policy or retry.RetryPolicy()
        self._rng = rng or random.Random()
        self._sleep = sleep

    def __enter__(self) -> SyncTaskQueueClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._channel.close()

    def _call(self, method: str, request: Any, *, has_request_id: bool = False) -> Any:
        stub_method: Callable[..., Any] = getattr(self._stub, method)

        def send() -> Any:
            return stub_method(request, timeout=self._deadline, metadata=self._credentials.metadata)

        extra = {"sleep": self._sleep} if self._sleep is not None else {}
        return retry.call(
            send,
            method=method,
            has_request_id=has_request_id,
            policy=self._policy,
            rng=self._rng,
            **extra,
        )

    def create_task(
        self,
        work_directory: str,
        prompt: str,
        *,
        priority: int | str = "medium",
        tags: Sequence[str] = (),
        request_id: str = "",
        delay_seconds: float | None = None,
    ) -> task_pb2.Task:
        request = _create(work_directory, prompt, priority, tags, request_id, delay_seconds)
        return self._call("CreateTask", request, has_request_id=bool(request_id)).task  # type: ignore[no-any-return]

    def get_task(self, task_id: str) -> task_pb2.Task:
        return self._call("GetTask", pb.GetTaskRequest(task_id=task_id)).task  # type: ignore[no-any-return]

    def list_tasks(self, **fields: Any) -> pb.ListTasksResponse:
        return self._call("ListTasks", pb.ListTasksRequest(**fields))  # type: ignore[no-any-return]

    def claim_task(
        self,
        worker_id: str,
        *,
        work_directory: str = "",
        tags: Sequence[str] = (),
        lease_seconds: float | None = None,
    ) -> pb.ClaimTaskResponse:
        request = _claim(worker_id, work_directory, tags, lease_seconds)
        return self._call("ClaimTask", request)  # type: ignore[no-any-return]

    def watch_next(
        self,
        worker_id: str,
        *,
        work_directory: str = "",
        max_in_flight: int = 1,
        lease_seconds: float | None = None,
    ) -> Iterator[pb.WatchNextResponse]:
        request = pb.WatchNextRequest(
            worker_id=worker_id,
            work_directory=work_directory,
            max_in_flight=max_in_flight,
            lease_duration=_duration(lease_seconds),
        )
        stream: Any = self._stub.WatchNext(request, metadata=self._credentials.metadata)
        try:
            yield from stream
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from exc
        finally:
            stream.cancel()

    def complete_task(
        self,
        task_id: str,
        *,
        lease_token: str = "",
        original_prompt: str = "",
        result: Mapping[str, Any] | None = None,
    ) -> task_pb2.Task:
        request = _complete(task_id, lease_token, original_prompt, result)
        return self._call("CompleteTask", request).task  # type: ignore[no-any-return]

    def fail_task(
        self,
        task_id: str,
        *,
        lease_token: str = "",
        error: str = "",
        original_prompt: str = "",
        retryable: bool = True,
    ) -> task_pb2.Task:
        request = _fail(task_id, lease_token, error, original_prompt, retryable)
        return self._call("FailTask", request).task  # type: ignore[no-any-return]

    def cancel_task(self, task_id: str, reason: str) -> task_pb2.Task:
        request = pb.CancelTaskRequest(task_id=task_id, reason=reason)
        return self._call("CancelTask", request).task  # type: ignore[no-any-return]

    def retry_task(self, task_id: str, reason: str = "") -> task_pb2.Task:
        request = pb.RetryTaskRequest(task_id=task_id, reason=reason)
        return self._call("RetryTask", request).task  # type: ignore[no-any-return]

    def set_priority(self, task_id: str, priority: int | str) -> task_pb2.Task:
        request = pb.SetTaskPriorityRequest(task_id=task_id, priority=_priority(priority))  # type: ignore[arg-type]
        return self._call("SetTaskPriority", request).task  # type: ignore[no-any-return]

    def get_stats(self, **fields: Any) -> pb.GetStatsResponse:
        return self._call("GetStats", pb.GetStatsRequest(**fields))  # type: ignore[no-any-return]

    def health(self) -> int:
        """The server's overall health status (grpc.health.v1)."""
        reply = health_pb2_grpc.HealthStub(self._channel).Check(
            health_pb2.HealthCheckRequest(), timeout=self._deadline
        )
        return int(reply.status)
