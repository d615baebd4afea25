"""gRPC failures as ToolErrors an agent can act on: status, reason, what to do next."""

from __future__ import annotations

from typing import Final

import grpc
from mcp.server.mcpserver.exceptions import ToolError
from taskqueue_client.errors import from_rpc_error

HINTS: Final = {
    "LEASE_LOST": "another worker now holds this task or your lease expired; fetch a new task"
    " with get_next_task and do not report on this one again",
    "PROMPT_MISMATCH": "original_prompt must be the exact prompt of the task you worked on;"
    " check that task_id is the task you were given",
    "TASK_NOT_WORKING": "the task is not being worked on, so there is nothing to complete or"
    " fail; look at it with get_task",
    "TASK_NOT_WAITING": "only a waiting task can be cancelled or re-prioritised; look at it"
    " with get_task",
    "TASK_NOT_FAILED": "only a failed task can be retried",
    "RETRY_LIMIT_REACHED": "this task was retried as often as allowed; create a new task instead",
    "TASK_NOT_FOUND": "no task has this id; list_tasks shows the tasks that exist",
    "REQUEST_ID_REUSED": "this request_id was used for a different task; use a new request_id",
    "INVALID_ARGUMENT": "fix the fields named above and call again",
}


def tool_error(exc: grpc.aio.AioRpcError, server: str) -> ToolError:
    """The ToolError for a failed call: "CODE REASON: details (fields). What to do." The
    rich status is read by the Python client's decoder (one decoder for both)."""
    error = from_rpc_error(exc)
    if error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and (
        not error.reason
    ):
        return ToolError(
            f"{error.code.name}: the taskqueue server at {server} cannot be reached"
            f" ({error.message}); it may be restarting: try again in a few seconds"
        )
    text = str(error)
    if error.violations:
        text += " [" + "; ".join(f"{v.field}: {v.description}" for v in error.violations) + "]"
    if error.metadata:
        text += " (" + ", ".join(f"{k}={v}" for k, v in sorted(error.metadata.items())) + ")"
    hint = HINTS.get(error.reason)
    return ToolError(f"{text}. {hint}." if hint else text)
