"""`taskqueue.v1.TaskQueueService` on grpc.aio: each method converts, calls the domain and
converts back. Domain errors become rich statuses in one place (`_guard`)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

from taskqueue_server import errors
from taskqueue_server.api import convert
from taskqueue_server.api import errors as api_errors
from taskqueue_server.model import Lease
from taskqueue_server.queue.service import TaskQueue

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext[Req, Resp]], Awaitable[Resp]]


def _guard(method: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Turns a domain error raised by `method` into the call's status."""

    @functools.wraps(method)
    async def guarded(
        self: Any, request: Req, context: grpc.aio.ServicerContext[Req, Resp]
    ) -> Resp:
        try:
            return await method(self, request, context)
        except errors.TaskQueueError as exc:
            status = api_errors.to_status(exc)
        except Exception as exc:
            status = api_errors.internal_status(exc)
        await context.abort(status.code, status.details, status.trailing_metadata)
        raise AssertionError("unreachable: abort raises")

    return guarded


def _lease_duration(request: pb.ClaimTaskRequest | pb.WatchNextRequest) -> int | None:
    if not request.HasField("lease_duration"):
        return None
    return convert.duration_us(request.lease_duration)


class TaskQueueServicer(pb_grpc.TaskQueueServiceServicer):
    """The service, backed by one `TaskQueue`."""

    def __init__(self, queue: TaskQueue) -> None:
        self._queue = queue

    @_guard
    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateTaskResponse:
        task = await self._queue.create(
            work_directory=request.work_directory,
            prompt=request.prompt,
            priority=request.priority,
            tags=request.tags,
        )
        return pb.CreateTaskResponse(task=convert.task(task))

    @_guard
    async def GetTask(
        self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetTaskResponse:
        return pb.GetTaskResponse(task=convert.task(await self._queue.get(request.task_id)))

    @_guard
    async def ClaimTask(
        self, request: pb.ClaimTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ClaimTaskResponse:
        lease = await self._queue.claim(
            worker_id=request.worker_id,
            work_directory=request.work_directory,
            lease_duration_us=_lease_duration(request),
        )
        if lease is None:
            return pb.ClaimTaskResponse()
        return pb.ClaimTaskResponse(
            task=convert.task(lease.task),
            lease_token=lease.token,
            lease_expire_time=convert.timestamp(lease.expire_time),
        )

    async def WatchNext(
        self, request: pb.WatchNextRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.WatchNextResponse]:
        status: grpc.Status | None = None
        try:
            leases = await self._queue.watch(
                worker_id=request.worker_id,
                work_directory=request.work_directory,
                max_in_flight=request.max_in_flight,
                lease_duration_us=_lease_duration(request),
            )
            async with contextlib.aclosing(leases):
                async for lease in leases:
                    yield _pushed(lease)
        except errors.TaskQueueError as exc:
            status = api_errors.to_status(exc)
        except Exception as exc:
            status = api_errors.internal_status(exc)
        if status is not None:
            await context.abort(status.code, status.details, status.trailing_metadata)

    @_guard
    async def Heartbeat(
        self, request: pb.HeartbeatRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.HeartbeatResponse:
        expire = await self._queue.heartbeat(
            task_id=request.task_id, lease_token=request.lease_token
        )
        return pb.HeartbeatResponse(lease_expire_time=convert.timestamp(expire))

    @_guard
    async def CompleteTask(
        self, request: pb.CompleteTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CompleteTaskResponse:
        task = await self._queue.complete(
            task_id=request.task_id,
            lease_token=request.lease_token,
            original_prompt=request.original_prompt,
            result=convert.struct_to_dict(request.result) if request.HasField("result") else None,
        )
        return pb.CompleteTaskResponse(task=convert.task(task))

    @_guard
    async def FailTask(
        self, request: pb.FailTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.FailTaskResponse:
        task = await self._queue.fail(
            task_id=request.task_id,
            lease_token=request.lease_token,
            original_prompt=request.original_prompt,
            error=request.error,
        )
        return pb.FailTaskResponse(task=convert.task(task))


def _pushed(lease: Lease) -> pb.WatchNextResponse:
    return pb.WatchNextResponse(
        task=convert.task(lease.task),
        lease_token=lease.token,
        lease_expire_time=convert.timestamp(lease.expire_time),
    )
