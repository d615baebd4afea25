"""Requests to the domain's inputs: what the servicer hands the queue."""

from __future__ import annotations

from taskqueue.v1 import taskqueue_service_pb2 as pb

from taskqueue_server.api import convert
from taskqueue_server.queue.listing import FilterInput
from taskqueue_server.queue.retries import PolicyInput
from taskqueue_server.queue.submit import NewTask


def lease_duration(request: pb.ClaimTaskRequest | pb.WatchNextRequest) -> int | None:
    if not request.HasField("lease_duration"):
        return None
    return convert.duration_us(request.lease_duration)


def new_task(request: pb.CreateTaskRequest) -> NewTask:
    policy = None
    if request.HasField("retry_policy"):
        p = request.retry_policy
        policy = PolicyInput(
            max_attempts=p.max_attempts,
            initial_backoff_us=convert.duration_us(p.initial_backoff),
            max_backoff_us=convert.duration_us(p.max_backoff),
            multiplier=p.backoff_multiplier,
        )
    return NewTask(
        work_directory=request.work_directory,
        prompt=request.prompt,
        priority=request.priority,
        tags=request.tags,
        request_id=request.request_id,
        schedule_time=(
            convert.timestamp_us(request.schedule_time)
            if request.HasField("schedule_time")
            else None
        ),
        delay=convert.duration_us(request.delay) if request.HasField("delay") else None,
        retry_policy=policy,
        max_working_in_directory=request.max_working_in_directory,
    )


def task_filter(request: pb.ListTasksRequest | pb.TaskFilter) -> FilterInput:
    return FilterInput(
        states=request.states,
        priorities=request.priorities,
        work_directory=request.work_directory,
        tags=request.tags,
        worker_id=request.worker_id,
        created_after=(
            convert.timestamp_us(request.created_after)
            if request.HasField("created_after")
            else None
        ),
        created_before=(
            convert.timestamp_us(request.created_before)
            if request.HasField("created_before")
            else None
        ),
        due={pb.DUE_FILTER_DUE: True, pb.DUE_FILTER_SCHEDULED: False}.get(request.due),
    )
