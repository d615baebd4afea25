"""The MCP server: tools, a task resource and a prompt, over one gRPC channel per process.

The shim holds no state of its own: every tool call is one gRPC call (get_stats and
server_health included), and every answer comes from the taskqueue server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, cast

import grpc
from google.protobuf import duration_pb2, struct_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

from taskqueue_mcp import __version__
from taskqueue_mcp.errors import tool_error
from taskqueue_mcp.models import (
    PRIORITIES,
    STATES,
    Health,
    LeaseInfo,
    NextTask,
    PriorityName,
    State,
    Stats,
    Task,
    TaskPage,
)

SERVICE = "taskqueue.v1.TaskQueueService"
DEADLINE_S = 30.0

WorkDirectory = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="Absolute path of the directory the work is done in, e.g. /home/me/project",
    ),
]
TaskId = Annotated[str, Field(min_length=36, max_length=36, description="The task's UUID")]
WorkerId = Annotated[
    str, Field(min_length=1, max_length=256, description="A stable name for you, e.g. agent-1")
]
LeaseToken = Annotated[
    str, Field(min_length=1, max_length=128, description="The lease_token get_next_task gave")
]
Reason = Annotated[str, Field(min_length=1, max_length=1024)]


@dataclass(frozen=True, kw_only=True)
class Config:
    """Where the taskqueue server is and how to reach it."""

    server: str = "127.0.0.1:50051"
    token: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    channel_options: tuple[tuple[str, Any], ...] = field(
        default=(
            # Reconnect quickly after the server comes back, not after grpc's 2-minute backoff.
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.min_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2000),
        )
    )


@dataclass
class Backend:
    """What the tools share: the channel's stubs and the call metadata."""

    config: Config
    stub: pb_grpc.TaskQueueServiceStub
    health: health_pb2_grpc.HealthStub
    metadata: tuple[tuple[str, str], ...]

    async def call(self, method: Callable[..., Any], request: Any) -> Any:
        """One unary call with the deadline and credentials; failures become ToolErrors.

        (The generated stubs are typed for the synchronous API, hence Any here.)
        """
        try:
            return await method(request, timeout=DEADLINE_S, metadata=self.metadata)
        except grpc.aio.AioRpcError as exc:
            raise tool_error(exc, self.config.server) from exc


def _read(path: str) -> bytes | None:
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()


def open_channel(config: Config) -> grpc.aio.Channel:
    if config.tls_ca or config.tls_cert:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(config.tls_ca),
            private_key=_read(config.tls_key),
            certificate_chain=_read(config.tls_cert),
        )
        return grpc.aio.secure_channel(config.server, credentials, options=config.channel_options)
    return grpc.aio.insecure_channel(config.server, options=config.channel_options)


def reads(title: str) -> ToolAnnotations:
    """Annotations of a tool that only looks: read-only, so safe to repeat."""
    return ToolAnnotations(
        title=title, read_only_hint=True, idempotent_hint=True, open_world_hint=False
    )


def writes(title: str, *, destructive: bool = False, idempotent: bool = False) -> ToolAnnotations:
    """Annotations of a tool that changes the queue."""
    return ToolAnnotations(
        title=title,
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )


def build(config: Config) -> MCPServer[Backend]:
    """The MCP server for one taskqueue server."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[Backend]) -> AsyncIterator[Backend]:
        channel = open_channel(config)
        metadata = (("authorization", f"Bearer {config.token}"),) if config.token else ()
        try:
            yield Backend(
                config=config,
                stub=pb_grpc.TaskQueueServiceStub(channel),
                health=health_pb2_grpc.HealthStub(channel),
                metadata=metadata,
            )
        finally:
            await channel.close(None)

    mcp: MCPServer[Backend] = MCPServer(
        "taskqueue",
        version=__version__,
        instructions=(
            "A durable task queue. Submit work with create_task. To work: get_next_task, do the"
            " task's prompt in its work_directory, then complete_task (or fail_task) with the"
            " task_id, the lease_token and the task's prompt as original_prompt. Call heartbeat"
            " on long work so the lease does not run out."
        ),
        lifespan=lifespan,
    )

    def backend(ctx: Context) -> Backend:
        return cast(Backend, ctx.request_context.lifespan_context)

    @mcp.tool(annotations=writes("Create a task"))
    async def create_task(
        work_directory: WorkDirectory,
        prompt: Annotated[str, Field(min_length=1, max_length=65536, description="What to do")],
        ctx: Context,
        priority: PriorityName = "medium",
        tags: Annotated[list[str], Field(max_length=20)] | None = None,
        request_id: Annotated[
            str | None,
            Field(description="Optional UUID: repeating a call with it returns the same task"),
        ] = None,
        delay_seconds: Annotated[
            float | None, Field(ge=0, le=31_536_000, description="Not claimable before this")
        ] = None,
        schedule_time: Annotated[
            str | None,
            Field(description="RFC 3339 time before which it is not claimable (not with delay)"),
        ] = None,
        max_attempts: Annotated[
            int | None, Field(ge=1, le=100, description="Retry failed attempts automatically")
        ] = None,
        initial_backoff_seconds: Annotated[float | None, Field(gt=0, le=3600)] = None,
        max_working_in_directory: Annotated[
            int, Field(ge=0, le=10_000, description="1 = one agent at a time in the directory")
        ] = 0,
    ) -> Task:
        """Queue a new task: a prompt to carry out in a work directory.

        Returns the created task (state 'waiting'). High priority tasks are taken before
        medium and low ones; within a priority, the oldest first. delay_seconds or
        schedule_time hold it back until then; max_attempts retries failed attempts with
        exponential backoff; max_working_in_directory=1 keeps agents from sharing its
        directory. Errors: INVALID_ARGUMENT names each bad field (the path must be absolute;
        tags are 1-64 characters of letters, digits and ._:/-).
        """
        request = pb.CreateTaskRequest(
            work_directory=work_directory,
            prompt=prompt,
            priority=PRIORITIES[priority],  # type: ignore[arg-type]
            tags=tags or [],
            request_id=request_id or "",
            max_working_in_directory=max_working_in_directory,
        )
        if delay_seconds is not None:
            request.delay.FromNanoseconds(int(delay_seconds * 1e9))
        if schedule_time is not None:
            try:
                request.schedule_time.FromJsonString(schedule_time)
            except ValueError as exc:
                raise ToolError(f"schedule_time is not an RFC 3339 time: {exc}") from exc
        if max_attempts is not None:
            request.retry_policy.max_attempts = max_attempts
            if initial_backoff_seconds is not None:
                request.retry_policy.initial_backoff.FromNanoseconds(
                    int(initial_backoff_seconds * 1e9)
                )
        response = await backend(ctx).call(backend(ctx).stub.CreateTask, request)
        return Task.of(response.task)

    @mcp.tool(annotations=writes("Take the next task"))
    async def get_next_task(
        worker_id: WorkerId,
        ctx: Context,
        work_directory: WorkDirectory | None = None,
        lease_seconds: Annotated[int, Field(ge=1, le=86400)] = 300,
        tags: Annotated[
            list[str] | None, Field(max_length=20, description="Only tasks carrying all of these")
        ] = None,
    ) -> NextTask:
        """Take the next waiting task (highest priority, then oldest), optionally only from
        one work directory, and hold it under a lease.

        Returns claimed=true with the task and a lease_token, or claimed=false when nothing is
        waiting. Do the task's prompt, then call complete_task or fail_task with the lease_token
        before lease_expire_time (call heartbeat to extend it). If the lease runs out the task
        goes back to the queue for another worker.
        """
        request = pb.ClaimTaskRequest(
            worker_id=worker_id,
            work_directory=work_directory or "",
            lease_duration=duration_pb2.Duration(seconds=lease_seconds),
            tags=tags or [],
        )
        response = await backend(ctx).call(backend(ctx).stub.ClaimTask, request)
        if not response.HasField("task"):
            return NextTask(claimed=False, message="no task is waiting; try again later")
        return NextTask(
            claimed=True,
            task=Task.of(response.task),
            lease_token=response.lease_token,
            lease_expire_time=response.lease_expire_time.ToJsonString(),
            message="do the task's prompt in its work_directory, then call complete_task",
        )

    @mcp.tool(annotations=writes("Complete a task"))
    async def complete_task(
        task_id: TaskId,
        lease_token: LeaseToken,
        original_prompt: Annotated[
            str, Field(min_length=1, max_length=65536, description="The task's prompt, as given")
        ],
        ctx: Context,
        result: Annotated[
            dict[str, Any] | None, Field(description="A JSON object describing the outcome")
        ] = None,
    ) -> Task:
        """Report a task you took with get_next_task as done, with its result.

        The server checks the lease_token (LEASE_LOST: another worker has the task now; take a
        new one) and compares original_prompt with the task's prompt (PROMPT_MISMATCH: you are
        reporting on the wrong task). Returns the task, now 'completed'.
        """
        request = pb.CompleteTaskRequest(
            task_id=task_id, lease_token=lease_token, original_prompt=original_prompt
        )
        if result is not None:
            request.result.CopyFrom(_struct(result))
        response = await backend(ctx).call(backend(ctx).stub.CompleteTask, request)
        return Task.of(response.task)

    @mcp.tool(annotations=writes("Fail a task"))
    async def fail_task(
        task_id: TaskId,
        lease_token: LeaseToken,
        error: Annotated[str, Field(min_length=1, max_length=65536, description="What failed")],
        ctx: Context,
        original_prompt: Annotated[str, Field(max_length=65536)] = "",
        retryable: Annotated[
            bool, Field(description="false: do not retry automatically, even if attempts remain")
        ] = True,
    ) -> Task:
        """Report that a task you took could not be done, with the reason.

        Returns the task: 'failed', or 'waiting' with a schedule_time when its retry policy
        will try again after a backoff (retryable=false prevents that). A failed task can be
        put back with retry_task. Errors as for complete_task.
        """
        request = pb.FailTaskRequest(
            task_id=task_id,
            lease_token=lease_token,
            error=error,
            original_prompt=original_prompt,
            retryable=retryable,
        )
        response = await backend(ctx).call(backend(ctx).stub.FailTask, request)
        return Task.of(response.task)

    @mcp.tool(annotations=writes("Extend a lease", idempotent=True))
    async def heartbeat(task_id: TaskId, lease_token: LeaseToken, ctx: Context) -> LeaseInfo:
        """Extend the lease on a task you are still working on, by its original length.

        Call it well before lease_expire_time during long work. LEASE_LOST means the task is
        no longer yours: stop working on it.
        """
        request = pb.HeartbeatRequest(task_id=task_id, lease_token=lease_token)
        response = await backend(ctx).call(backend(ctx).stub.Heartbeat, request)
        return LeaseInfo(
            task_id=task_id, lease_expire_time=response.lease_expire_time.ToJsonString()
        )

    @mcp.tool(annotations=reads("Look at a task"))
    async def get_task(task_id: TaskId, ctx: Context) -> Task:
        """Return one task with every field and its full history of state changes.
        TASK_NOT_FOUND when no task has this id."""
        response = await backend(ctx).call(
            backend(ctx).stub.GetTask, pb.GetTaskRequest(task_id=task_id)
        )
        return Task.of(response.task)

    @mcp.tool(annotations=reads("Find tasks"))
    async def list_tasks(
        ctx: Context,
        states: list[State] | None = None,
        priorities: list[PriorityName] | None = None,
        work_directory: WorkDirectory | None = None,
        tags: Annotated[list[str], Field(max_length=20)] | None = None,
        worker_id: str | None = None,
        order_by: Literal["create_time", "create_time desc", "priority"] = "create_time",
        page_size: Annotated[int, Field(ge=1, le=1000)] = 50,
        page_token: str = "",
        full: Annotated[bool, Field(description="Include history and result bodies")] = False,
        due: Annotated[
            Literal["due", "scheduled"] | None,
            Field(description="Waiting tasks claimable now, or those still scheduled"),
        ] = None,
    ) -> TaskPage:
        """Find tasks by state, priority, directory, tags (all of them) or worker, a page at a
        time. Pass next_page_token back as page_token with the same filters for the next page;
        total_size counts every match. Without full=true, prompts are cut to 256 characters and
        history and result are left out.
        """
        request = pb.ListTasksRequest(
            states=[STATES[s] for s in states or []],  # type: ignore[misc]
            priorities=[PRIORITIES[p] for p in priorities or []],  # type: ignore[misc]
            work_directory=work_directory or "",
            tags=tags or [],
            worker_id=worker_id or "",
            order_by=order_by,
            page_size=page_size,
            page_token=page_token,
            view=2 if full else 1,  # type: ignore[arg-type]
            due={"due": pb.DUE_FILTER_DUE, "scheduled": pb.DUE_FILTER_SCHEDULED}.get(due or "", 0),  # type: ignore[arg-type]
        )
        response = await backend(ctx).call(backend(ctx).stub.ListTasks, request)
        return TaskPage(
            tasks=[Task.of(t) for t in response.tasks],
            next_page_token=response.next_page_token,
            total_size=response.total_size,
        )

    @mcp.tool(annotations=writes("Cancel a task", destructive=True))
    async def cancel_task(task_id: TaskId, reason: Reason, ctx: Context) -> Task:
        """Withdraw a task that is still waiting, so no worker takes it. Final: a cancelled
        task cannot come back. TASK_NOT_WAITING when it is already taken or finished."""
        request = pb.CancelTaskRequest(task_id=task_id, reason=reason)
        response = await backend(ctx).call(backend(ctx).stub.CancelTask, request)
        return Task.of(response.task)

    @mcp.tool(annotations=writes("Retry a failed task"))
    async def retry_task(
        task_id: TaskId, ctx: Context, reason: Annotated[str, Field(max_length=1024)] = ""
    ) -> Task:
        """Put a failed task back in the queue, keeping its priority and its place by age.
        TASK_NOT_FAILED for any other state; RETRY_LIMIT_REACHED after the configured number
        of retries."""
        request = pb.RetryTaskRequest(task_id=task_id, reason=reason)
        response = await backend(ctx).call(backend(ctx).stub.RetryTask, request)
        return Task.of(response.task)

    @mcp.tool(annotations=writes("Change a task's priority", idempotent=True))
    async def set_priority(task_id: TaskId, priority: PriorityName, ctx: Context) -> Task:
        """Change the priority of a waiting task; the next worker to ask gets the new order.
        TASK_NOT_WAITING when the task is already taken or finished."""
        request = pb.SetTaskPriorityRequest(task_id=task_id, priority=PRIORITIES[priority])  # type: ignore[arg-type]
        response = await backend(ctx).call(backend(ctx).stub.SetTaskPriority, request)
        return Task.of(response.task)

    @mcp.tool(annotations=reads("Queue statistics"))
    async def get_stats(ctx: Context) -> Stats:
        """How many tasks there are by state and by priority, and the waiting backlog by
        priority."""
        response = await backend(ctx).call(backend(ctx).stub.GetStats, pb.GetStatsRequest())
        return Stats.of(response)

    @mcp.tool(annotations=reads("Server health"))
    async def server_health(ctx: Context) -> Health:
        """Whether the taskqueue server is up and serving. Never fails: an unreachable server
        is reported as status UNREACHABLE."""
        b = backend(ctx)
        try:
            reply = await b.health.Check(
                health_pb2.HealthCheckRequest(service=SERVICE), timeout=5, metadata=b.metadata
            )
        except grpc.aio.AioRpcError as exc:
            status = "UNREACHABLE" if exc.code() == grpc.StatusCode.UNAVAILABLE else exc.code().name
            return Health(server=b.config.server, status=status, service_status=status)
        name = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return Health(server=b.config.server, status=name, service_status=name)

    @mcp.resource(
        "task://{task_id}",
        name="task",
        description="One task with its full history, as JSON",
        mime_type="application/json",
    )
    async def task_resource(task_id: str, ctx: Context) -> str:
        response = await backend(ctx).call(
            backend(ctx).stub.GetTask, pb.GetTaskRequest(task_id=task_id)
        )
        return json.dumps(Task.of(response.task).model_dump(), ensure_ascii=False)

    @mcp.prompt(
        name="work_on_next_task",
        description="Walks an agent through taking one task, doing it and reporting back.",
    )
    def work_on_next_task(worker_id: str, work_directory: str = "") -> str:
        where = f" from {work_directory}" if work_directory else ""
        directory_arg = f', work_directory="{work_directory}"' if work_directory else ""
        return (
            f"You are worker {worker_id!r} of a task queue.\n"
            f'1. Call get_next_task(worker_id="{worker_id}"{directory_arg}) to take the next'
            f" task{where}. If claimed is false, nothing is waiting: stop.\n"
            "2. Do what the task's prompt asks, in the task's work_directory. For long work,"
            " call heartbeat(task_id, lease_token) before lease_expire_time.\n"
            "3. When done, call complete_task(task_id, lease_token, original_prompt=<the task's"
            " prompt exactly>, result={...a JSON object with what you did...}). If you cannot"
            " do it, call fail_task(task_id, lease_token, error=<why>).\n"
            "4. If a call says LEASE_LOST, the task is no longer yours: drop it and go to 1."
        )

    return mcp


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s
