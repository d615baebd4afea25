"""The one error hierarchy of the server.

Every layer below the api raises these; only the api layer turns them into gRPC statuses
(`taskqueue_server.api.errors`). Each carries a machine-readable UPPER_SNAKE `reason` and
`metadata` with the dynamic values, so callers can act without parsing the message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class FieldViolation:
    """One invalid field of a request: its path and what a person can do about it."""

    field: str
    description: str


class TaskQueueError(Exception):
    """Root of every error the server reports to callers."""

    reason: str = "INTERNAL"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})


class InvalidArgument(TaskQueueError):
    """The request itself is wrong; nothing was changed."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        text = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(f"invalid request: {text}")
        self.violations = list(violations)


class NotFound(TaskQueueError):
    """The named task does not exist."""

    reason = "TASK_NOT_FOUND"


class AlreadyExists(TaskQueueError):
    """A request id was used before with a different request."""

    reason = "REQUEST_ID_REUSED"


class TransitionRefused(TaskQueueError):
    """The task is not in a state that allows the request (lifecycle.py names each rule)."""

    reason = "TRANSITION_REFUSED"


class LeaseLost(TransitionRefused):
    """The caller's lease is no longer the task's current lease."""

    reason = "LEASE_LOST"


class PromptMismatch(TransitionRefused):
    """The prompt the worker reports is not the task's prompt."""

    reason = "PROMPT_MISMATCH"


class Unsupported(TaskQueueError):
    """What was asked needs something this server or its store does not have (say which)."""

    reason = "UNSUPPORTED"


class StorageFull(TaskQueueError):
    """The disk under the database is full; reads still work."""

    reason = "STORAGE_FULL"


class StorageUnavailable(TaskQueueError):
    """The database cannot be written or read right now."""

    reason = "STORAGE_UNAVAILABLE"


class ShuttingDown(TaskQueueError):
    """The server is stopping and takes no new work."""

    reason = "SHUTTING_DOWN"


class Unauthenticated(TaskQueueError):
    """No credentials, or credentials that do not prove who the caller is."""

    reason = "MISSING_CREDENTIALS"


class PermissionDenied(TaskQueueError):
    """A known principal called a method outside its role."""

    reason = "ROLE_NOT_ALLOWED"


class RateLimited(TaskQueueError):
    """Over a rate limit; the call was not executed. Come back after `retry_after_s`."""

    reason = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_s: float, metadata: dict[str, str]) -> None:
        super().__init__(message, metadata=metadata)
        self.retry_after_s = retry_after_s
