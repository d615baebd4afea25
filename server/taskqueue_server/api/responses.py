"""Domain results to responses: stats, state counts, pushed tasks, batch outcomes."""

from __future__ import annotations

from taskqueue.v1 import taskqueue_service_pb2 as pb

from taskqueue_server import errors
from taskqueue_server.api import convert, statuses
from taskqueue_server.model import Counts, Lease, Priority, TaskState
from taskqueue_server.ops import stats as ops_stats


def outcome(task_id: str, error: errors.TaskQueueError | None = None) -> pb.CompleteTaskOutcome:
    """One item of a batch: OK, or the code and reason its own call would have answered."""
    if error is None:
        return pb.CompleteTaskOutcome(task_id=task_id)
    return pb.CompleteTaskOutcome(
        task_id=task_id,
        code=statuses.code_of(error).value[0],
        reason=error.reason,
        message=error.message,
    )


def _transitions(c: ops_stats.TransitionCounts) -> pb.TransitionCounts:
    return pb.TransitionCounts(
        created=c.created,
        started=c.started,
        completed=c.completed,
        failed=c.failed,
        cancelled=c.cancelled,
        retried=c.retried,
    )


def _durations(d: ops_stats.DurationStats) -> pb.DurationStats:
    return pb.DurationStats(
        count=d.count,
        p50=convert.duration(d.p50),
        p95=convert.duration(d.p95),
        p99=convert.duration(d.p99),
        mean=convert.duration(d.mean),
    )


def state_counts(counts: Counts) -> pb.StateCounts:
    return pb.StateCounts(
        **{s.name.lower(): counts.by_state.get(s, 0) for s in TaskState},
        scheduled=counts.scheduled,
        dead=counts.by_state.get(TaskState.FAILED, 0),
    )


def stats(report: ops_stats.Report) -> pb.GetStatsResponse:
    counts = report.counts

    def by_priority(values: dict[Priority, int]) -> pb.PriorityCounts:
        return pb.PriorityCounts(**{p.name.lower(): values.get(p, 0) for p in Priority})

    return pb.GetStatsResponse(
        tasks_by_state=state_counts(counts),
        tasks_by_priority=by_priority(counts.by_priority),
        waiting_by_priority=by_priority(counts.waiting_by_priority),
        total_tasks=sum(counts.by_state.values()),
        start_time=convert.timestamp(report.start),
        end_time=convert.timestamp(report.end),
        window=_transitions(report.window),
        durations=[
            pb.PriorityDurations(
                priority=int(p),  # type: ignore[arg-type]
                wait=_durations(report.waits[p]),
                run=_durations(report.runs[p]),
            )
            for p in Priority
        ],
        trend=[
            pb.TrendBucket(
                start_time=convert.timestamp(report.start + i * report.width),
                counts=_transitions(c),
            )
            for i, c in enumerate(report.trend)
        ],
    )


def pushed(lease: Lease) -> pb.WatchNextResponse:
    return pb.WatchNextResponse(
        task=convert.task(lease.task),
        lease_token=lease.token,
        lease_expire_time=convert.timestamp(lease.expire_time),
    )
