"""What workers report, as the api layer carries it: completions and failures from
CompleteTask(s), FailTask and the Work stream, and the wait and run times they end."""

from __future__ import annotations

from collections.abc import Sequence

from taskqueue.v1 import taskqueue_service_pb2 as pb

from taskqueue_server import errors
from taskqueue_server.api import convert, responses
from taskqueue_server.model import CompleteInput, Lease, Task
from taskqueue_server.ops.metrics import Metrics
from taskqueue_server.queue.services import TaskQueue


class Reporting:
    """Reports of workers to the queue's `reports`, and the metrics they feed."""

    def __init__(self, queue: TaskQueue, metrics: Metrics) -> None:
        self._queue = queue
        self._metrics = metrics

    def observe_wait(self, lease: Lease) -> None:
        """A task was handed out: how long it waited."""
        if lease.task.start_time is not None:
            self._metrics.wait_seconds.observe(
                (lease.task.start_time - lease.task.create_time) / 1e6
            )

    def observe_run(self, start_time: int | None, complete_time: int | None) -> None:
        """A task was completed: how long it ran."""
        if start_time is not None and complete_time is not None:
            self._metrics.run_seconds.observe((complete_time - start_time) / 1e6)

    async def fail(self, request: pb.FailTaskRequest) -> Task:
        return await self._queue.reports.fail(
            task_id=request.task_id,
            lease_token=request.lease_token,
            original_prompt=request.original_prompt,
            error=request.error,
            retryable=request.retryable if request.HasField("retryable") else True,
        )

    async def complete_many(
        self, requests: Sequence[pb.CompleteTaskRequest]
    ) -> list[pb.CompleteTaskOutcome]:
        """CompleteTasks and Work's completions: one outcome per request, in order."""
        answers = await self._queue.reports.complete_many(
            [
                CompleteInput(
                    task_id=r.task_id,
                    lease_token=r.lease_token,
                    original_prompt=r.original_prompt,
                    result=convert.struct_to_dict(r.result) if r.HasField("result") else None,
                )
                for r in requests
            ]
        )
        outcomes = []
        for r, answer in zip(requests, answers, strict=True):
            if isinstance(answer, errors.TaskQueueError):
                outcomes.append(responses.outcome(r.task_id, answer))
            else:
                self.observe_run(answer.start_time, answer.complete_time)
                outcomes.append(responses.outcome(r.task_id))
        return outcomes

    async def of_work_request(self, request: pb.WorkRequest) -> list[pb.CompleteTaskOutcome]:
        """The outcomes of a Work request's completions, then of its failures."""
        outcomes: list[pb.CompleteTaskOutcome] = []
        if request.completions:
            try:
                outcomes += await self.complete_many(request.completions)
            except errors.InvalidArgument as exc:  # too many in one request
                outcomes += [responses.outcome(r.task_id, exc) for r in request.completions]
        for f in request.failures:
            try:
                await self.fail(f)
            except errors.TaskQueueError as exc:
                outcomes.append(responses.outcome(f.task_id, exc))
            else:
                outcomes.append(responses.outcome(f.task_id))
        return outcomes
