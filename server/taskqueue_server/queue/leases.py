"""Lease rules: fencing tokens, and who may finish or renew a task."""

from __future__ import annotations

import secrets

from taskqueue_server import errors
from taskqueue_server.model import TaskState
from taskqueue_server.store.tasks import TaskRow


def new_tokens(count: int) -> list[str]:
    """Opaque, unguessable fencing tokens for `count` claims: 128 bits each in hex, so none
    starts with "-" (a base64 token sometimes did, and a command line then read it as an
    option: `taskqueue complete ID --lease-token -x…` failed about one time in 64). One read
    of the system's random source for all (a claim makes up to 64: 74 -> 13 µs)."""
    random = secrets.token_hex(16 * count)
    return [random[i : i + 32] for i in range(0, 32 * count, 32)]


def check_current(lease: TaskRow, token: str, now: int) -> None:
    """Refuses a complete or fail on a task that the caller may not finish.

    With a token, the caller must hold the task's current, unexpired lease. Without one, any
    caller may finish a working task.
    """
    if lease.state is TaskState.WORKING:
        if token and (token != lease.lease_token or (lease.lease_expire_time or 0) <= now):
            raise _lease_lost(lease)
        return
    if token and lease.attempt > 0 and token != lease.lease_token:
        raise _lease_lost(lease)
    raise errors.TransitionRefused(
        f"the task is {lease.state.name.lower()}, not working: only a working task can be"
        " completed or failed",
        reason="TASK_NOT_WORKING",
        metadata={"state": f"TASK_STATE_{lease.state.name}"},
    )


def check_renewable(lease: TaskRow, token: str, now: int) -> None:
    """Refuses a heartbeat unless `token` is the task's current, unexpired lease."""
    if (
        lease.state is not TaskState.WORKING
        or token != lease.lease_token
        or (lease.lease_expire_time or 0) <= now
    ):
        raise _lease_lost(lease)


def _lease_lost(lease: TaskRow) -> errors.LeaseLost:
    return errors.LeaseLost(
        "this lease is no longer the task's current lease: it expired or another worker holds"
        " the task now; fetch a new task",
        metadata={"state": f"TASK_STATE_{lease.state.name}", "attempt": str(lease.attempt)},
    )
