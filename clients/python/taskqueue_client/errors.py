"""One exception for every refused call, carrying what the server said: the gRPC code, the
ErrorInfo reason and metadata, and the BadRequest field violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    """One invalid field: its path and what to do about it."""

    field: str
    description: str


@dataclass(kw_only=True)
class TaskQueueClientError(Exception):
    """A call the server (or the network) refused."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.code.name} {self.reason}".strip()
        return f"{head}: {self.message}"


class InvalidArgument(TaskQueueClientError):
    """The request was wrong; `violations` names each field."""


class NotFound(TaskQueueClientError):
    """No task has this id."""


class FailedPrecondition(TaskQueueClientError):
    """The task is not in a state that allows the call; `reason` says which rule."""


class LeaseLost(FailedPrecondition):
    """The lease shown is no longer the task's: another worker has it, or it ran out."""


class PromptMismatch(FailedPrecondition):
    """The reported prompt is not the task's prompt."""


class Unavailable(TaskQueueClientError):
    """The server or its storage cannot be reached now; safe calls were retried already."""


class Unauthenticated(TaskQueueClientError):
    """No credentials, or credentials the server does not accept (`reason` says why)."""


class PermissionDenied(TaskQueueClientError):
    """The credentials are good but their role may not make this call."""


class RateLimited(TaskQueueClientError):
    """Over a rate limit; the call was not executed. Retry after `retry_after` seconds."""

    retry_after: float = 0.0


_BY_REASON: dict[str, type[TaskQueueClientError]] = {
    "LEASE_LOST": LeaseLost,
    "PROMPT_MISMATCH": PromptMismatch,
}
_BY_CODE: dict[grpc.StatusCode, type[TaskQueueClientError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.RESOURCE_EXHAUSTED: RateLimited,
}


def from_rpc_error(exc: Any) -> TaskQueueClientError:
    """The client error for a failed call (a grpc.RpcError with code(), details() and
    trailing_metadata()), with the rich status details it carried."""
    code: grpc.StatusCode = exc.code()
    message: str = exc.details() or ""
    reason, metadata, violations = "", {}, []
    retry_after = 0.0
    try:
        status = rpc_status.from_call(exc)
    except (ValueError, AttributeError, TypeError):
        status = None
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations = [
                    Violation(field=v.field, description=v.description)
                    for v in bad.field_violations
                ]
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                info_retry = error_details_pb2.RetryInfo()
                detail.Unpack(info_retry)
                retry_after = info_retry.retry_delay.ToNanoseconds() / 1e9
    kind = _BY_REASON.get(reason) or _BY_CODE.get(code, TaskQueueClientError)
    error = kind(
        code=code, message=message, reason=reason, metadata=metadata, violations=violations
    )
    if isinstance(error, RateLimited):
        error.retry_after = retry_after
    return error


def from_outcome(code: int, reason: str, message: str) -> TaskQueueClientError:
    """The client error for one refused item of a batch (CompleteTasks)."""
    status = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    kind = _BY_REASON.get(reason) or _BY_CODE.get(status, TaskQueueClientError)
    return kind(code=status, message=message, reason=reason)
