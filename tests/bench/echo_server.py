"""The ceiling: a grpc.aio server built like taskqueue's (same options, health, reflection
and event loop) whose TaskQueueService answers every call at once with a canned response of
the same size, touching no storage. What Python gRPC alone can do on this machine.

With `--accept`, it also keeps taskqueue's extra pending requests per method
(taskqueue_server/api/accept.py): the same ceiling for a server that accepts calls as
taskqueue does.

Run: python tests/bench/echo_server.py --listen 127.0.0.1:0 [--accept]
(prints "listening on HOST:PORT").
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import uuid
from typing import Any

import grpc
from grpc_reflection.v1alpha import reflection
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc
from taskqueue_server.api import accept
from taskqueue_server.main import GRPC_OPTIONS, SERVICE_NAME, run


def _task(request: pb.CreateTaskRequest) -> task_pb2.Task:
    task = task_pb2.Task(
        id=str(uuid.uuid4()),
        work_directory=request.work_directory,
        prompt=request.prompt,
        priority=request.priority or task_pb2.PRIORITY_MEDIUM,
        tags=request.tags,
        state=task_pb2.TASK_STATE_WAITING,
    )
    task.create_time.GetCurrentTime()
    task.update_time.CopyFrom(task.create_time)
    task.history.add(to_state=task_pb2.TASK_STATE_WAITING, actor="client", reason="created")
    task.history[0].time.CopyFrom(task.create_time)
    return task


class Echo(pb_grpc.TaskQueueServiceServicer):
    """Answers without doing the work: same message shapes, no storage, no rules."""

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: Any
    ) -> pb.CreateTaskResponse:
        return pb.CreateTaskResponse(task=_task(request))

    async def BatchCreateTasks(
        self, request: pb.BatchCreateTasksRequest, context: Any
    ) -> pb.BatchCreateTasksResponse:
        """Each task a copy of the first with its own id, directory and prompt, as taskqueue
        builds a batch's response (convert.add_tasks)."""
        response = pb.BatchCreateTasksResponse()
        first = _task(request.requests[0]) if request.requests else None
        for r in request.requests:
            task = response.tasks.add()
            task.CopyFrom(first)
            task.id = str(uuid.uuid4())
            task.work_directory = r.work_directory
            task.prompt = r.prompt
        return response

    async def GetTask(self, request: pb.GetTaskRequest, context: Any) -> pb.GetTaskResponse:
        task = _task(pb.CreateTaskRequest(work_directory="/home/user/project", prompt="read me"))
        task.id = request.task_id
        return pb.GetTaskResponse(task=task)

    async def ClaimTask(self, request: pb.ClaimTaskRequest, context: Any) -> pb.ClaimTaskResponse:
        task = _task(pb.CreateTaskRequest(work_directory="/w", prompt="p"))
        task.state = task_pb2.TASK_STATE_WORKING
        task.worker_id = request.worker_id
        return pb.ClaimTaskResponse(task=task, lease_token="x" * 24)

    async def CompleteTask(
        self, request: pb.CompleteTaskRequest, context: Any
    ) -> pb.CompleteTaskResponse:
        task = _task(pb.CreateTaskRequest(work_directory="/w", prompt="p"))
        task.id = request.task_id
        task.state = task_pb2.TASK_STATE_COMPLETED
        return pb.CompleteTaskResponse(task=task)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--accept", action="store_true", help="taskqueue's extra acceptors")
    args = parser.parse_args()
    server = grpc.aio.server(options=GRPC_OPTIONS)
    echo = Echo()
    pb_grpc.add_TaskQueueServiceServicer_to_server(echo, server)
    reflection.enable_server_reflection((SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(args.listen)
    await server.start()
    if args.accept:
        handlers = accept.method_handlers(pb_grpc.add_TaskQueueServiceServicer_to_server, echo)
        acceptors = accept.Acceptors(server, ())
        if not acceptors.start(handlers):
            raise SystemExit("--accept: this grpc lacks what the acceptors need")
    print(f"listening on {args.listen.rsplit(':', 1)[0]}:{port}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    await done.wait()
    await server.stop(0)


if __name__ == "__main__":
    run(main())  # on the event loop taskqueue's server runs on
