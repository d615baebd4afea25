"""Domain errors to `google.rpc.Status` with ErrorInfo, BadRequest and friends: the one
mapping from the error hierarchy (errors.py) to gRPC codes."""

from __future__ import annotations

import logging
from typing import Any, Final, NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from taskqueue_server import errors

log = logging.getLogger(__name__)

DOMAIN: Final = "taskqueue.v1"

_CODES: Final[list[tuple[type[errors.TaskQueueError], grpc.StatusCode]]] = [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (errors.TransitionRefused, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.Unsupported, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.StorageFull, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.StorageUnavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.ShuttingDown, grpc.StatusCode.UNAVAILABLE),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),
]


def code_of(exc: errors.TaskQueueError) -> grpc.StatusCode:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.INTERNAL


def code_name(exc: BaseException) -> str:
    """The name of the code a failure ends its call with (for metrics)."""
    if isinstance(exc, errors.TaskQueueError):
        return code_of(exc).name
    return grpc.StatusCode.INTERNAL.name


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_status(exc: errors.TaskQueueError) -> grpc.Status:
    """The rich status of a domain error: ErrorInfo always, BadRequest for invalid input."""
    code = code_of(exc)
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=exc.reason, domain=DOMAIN, metadata=exc.metadata))
    ]
    if isinstance(exc, errors.InvalidArgument):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=v.field, description=v.description
                        )
                        for v in exc.violations
                    ]
                )
            )
        )
    if isinstance(exc, errors.RateLimited):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(1_000_000, round(exc.retry_after_s * 1e9)))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    status = status_pb2.Status(code=code.value[0], message=exc.message, details=details)
    return rpc_status.to_status(status)


def internal_status(exc: BaseException) -> grpc.Status:
    """A status for an unexpected failure: logged in full, reported without internals."""
    log.exception("unexpected error", exc_info=exc)
    status = status_pb2.Status(
        code=code_pb2.INTERNAL,
        message="internal error; the server log has the details",
        details=[_pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=DOMAIN))],
    )
    return rpc_status.to_status(status)


async def abort(context: grpc.aio.ServicerContext[Any, Any], exc: BaseException) -> NoReturn:
    """Ends the call with the status of `exc`: its rich status for a domain error, INTERNAL
    (logged in full) for anything else. Every handler and interceptor ends a call so."""
    status = to_status(exc) if isinstance(exc, errors.TaskQueueError) else internal_status(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)
    raise AssertionError("unreachable: abort raises")
