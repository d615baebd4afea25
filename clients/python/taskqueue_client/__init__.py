"""Python client for taskqueue: typed calls, deadlines, credentials, TLS, safe retries."""

from __future__ import annotations

from taskqueue_client.client import Credentials, SyncTaskQueueClient, TaskQueueClient
from taskqueue_client.errors import (
    FailedPrecondition,
    InvalidArgument,
    LeaseLost,
    NotFound,
    PromptMismatch,
    TaskQueueClientError,
    Unavailable,
    Violation,
)
from taskqueue_client.retry import RetryPolicy
from taskqueue_client.worker import Worker

__all__ = [
    "Credentials",
    "FailedPrecondition",
    "InvalidArgument",
    "LeaseLost",
    "NotFound",
    "PromptMismatch",
    "RetryPolicy",
    "SyncTaskQueueClient",
    "TaskQueueClient",
    "TaskQueueClientError",
    "Unavailable",
    "Violation",
    "Worker",
]
