"""The task state machine: every transition, every refusal with its reason, and the words
of each history event. The queue decides with these rules; the store records what they
say (it writes these reasons, never words of its own).

    WAITING -> WORKING        claimed
    WORKING -> COMPLETED      completed
    WORKING -> FAILED         failed (by the worker, or a lease that ran out once too often)
    WORKING -> WAITING        a lease ran out, a retry policy backs off, a claim was abandoned
    WAITING -> CANCELLED      cancelled
    FAILED  -> WAITING        retried
    WAITING -> WAITING        re-prioritised (the history says from what to what)

Anything else is refused with `FAILED_PRECONDITION` and an ErrorInfo reason from here.
"""

from __future__ import annotations

from typing import Final

from taskqueue_server import errors
from taskqueue_server.model import Priority, TaskFacts, TaskState

TRANSITIONS: Final = frozenset(
    {
        (None, TaskState.WAITING),
        (TaskState.WAITING, TaskState.WORKING),
        (TaskState.WORKING, TaskState.COMPLETED),
        (TaskState.WORKING, TaskState.FAILED),
        (TaskState.WORKING, TaskState.WAITING),
        (TaskState.WAITING, TaskState.CANCELLED),
        (TaskState.FAILED, TaskState.WAITING),
        (TaskState.WAITING, TaskState.WAITING),
    }
)
"""Every (from, to) a task's history may hold; None is the creation event."""

# -- the words of history events ----------------------------------------------------------

CREATED: Final = "created"
CREATED_SCHEDULED: Final = "created, scheduled"
CLAIMED: Final = "claimed"
COMPLETED: Final = "completed"
ABANDONED: Final = "claim abandoned: the caller went away before receiving the task"


def created(due_time: int | None) -> str:
    """The reason of a new task's creation event."""
    return CREATED if due_time is None else CREATED_SCHEDULED


def failed(error: str) -> str:
    return f"failed: {error}" if error else "failed"


def cancelled(reason: str) -> str:
    return f"cancelled: {reason}"


def retried(facts: TaskFacts, reason: str) -> str:
    """A failed task put back to waiting by hand: its retry number and why."""
    return f"retry {facts.retry_count + 1}" + (f": {reason}" if reason else "")


def reprioritised(old: Priority, new: Priority) -> str:
    return f"priority {old.name} -> {new.name}"


def backing_off(outcome_reason: str, error: str) -> str:
    """A failure that a retry policy turns into another attempt later."""
    return f"{outcome_reason}: {error}" if error else outcome_reason


def lease_ran_out(outcome_reason: str, worker_id: str) -> str:
    return f"{outcome_reason} (lease of {worker_id})"


# -- refusals -------------------------------------------------------------------------------


def state_name(state: TaskState) -> str:
    """The state as the contract names it (`TASK_STATE_WAITING`), for error metadata."""
    return f"TASK_STATE_{state.name}"


def not_found(task_id: str) -> errors.NotFound:
    return errors.NotFound(f"no task with id {task_id}", metadata={"task_id": task_id})


def found(facts: TaskFacts | None, task_id: str) -> TaskFacts:
    """The facts of the task `task_id`, refusing an unknown one."""
    if facts is None:
        raise not_found(task_id)
    return facts


def not_waiting(facts: TaskFacts, what: str) -> errors.TransitionRefused:
    return errors.TransitionRefused(
        f"the task is {facts.state.name.lower()}: only a waiting task can be {what}",
        reason="TASK_NOT_WAITING",
        metadata={"state": state_name(facts.state)},
    )


def require_waiting(facts: TaskFacts, what: str) -> None:
    """Refuses a cancel or a new priority unless the task waits."""
    if facts.state is not TaskState.WAITING:
        raise not_waiting(facts, what)


def require_retryable(facts: TaskFacts, max_retries: int) -> None:
    """Refuses a retry unless the task failed and has retries left."""
    if facts.state is not TaskState.FAILED:
        raise errors.TransitionRefused(
            f"the task is {facts.state.name.lower()}: only a failed task can be retried",
            reason="TASK_NOT_FAILED",
            metadata={"state": state_name(facts.state)},
        )
    if facts.retry_count >= max_retries:
        raise errors.TransitionRefused(
            f"the task was retried {facts.retry_count} times already; the limit is {max_retries}",
            reason="RETRY_LIMIT_REACHED",
            metadata={"retry_count": str(facts.retry_count), "max_retries": str(max_retries)},
        )


def check_current(facts: TaskFacts, token: str, now: int) -> None:
    """Refuses a complete or fail on a task that the caller may not finish.

    With a token, the caller must hold the task's current, unexpired lease. Without one, any
    caller may finish a working task.
    """
    if facts.state is TaskState.WORKING:
        if token and (token != facts.lease_token or (facts.lease_expire_time or 0) <= now):
            raise lease_lost(facts)
        return
    if token and facts.attempt > 0 and token != facts.lease_token:
        raise lease_lost(facts)
    raise errors.TransitionRefused(
        f"the task is {facts.state.name.lower()}, not working: only a working task can be"
        " completed or failed",
        reason="TASK_NOT_WORKING",
        metadata={"state": state_name(facts.state)},
    )


def check_renewable(facts: TaskFacts, token: str, now: int) -> None:
    """Refuses a heartbeat unless `token` is the task's current, unexpired lease."""
    if (
        facts.state is not TaskState.WORKING
        or token != facts.lease_token
        or (facts.lease_expire_time or 0) <= now
    ):
        raise lease_lost(facts)


def lease_lost(facts: TaskFacts) -> errors.LeaseLost:
    return errors.LeaseLost(
        "this lease is no longer the task's current lease: it expired or another worker holds"
        " the task now; fetch a new task",
        metadata={"state": state_name(facts.state), "attempt": str(facts.attempt)},
    )
