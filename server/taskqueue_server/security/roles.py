"""Roles and the one table of which role may call which method."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

SUBMITTER: Final = "submitter"
WORKER: Final = "worker"
MONITOR: Final = "monitor"
ADMIN: Final = "admin"
ROLES: Final = (SUBMITTER, WORKER, MONITOR, ADMIN)

METHOD_ROLES: Final[Mapping[str, frozenset[str]]] = {
    # submitters: create, get, list, cancel, set priority
    "CreateTask": frozenset({SUBMITTER, ADMIN}),
    "BatchCreateTasks": frozenset({SUBMITTER, ADMIN}),
    "GetTask": frozenset({SUBMITTER, WORKER, MONITOR, ADMIN}),
    "ListTasks": frozenset({SUBMITTER, MONITOR, ADMIN}),
    "CancelTask": frozenset({SUBMITTER, ADMIN}),
    "BatchCancelTasks": frozenset({SUBMITTER, ADMIN}),
    "SetTaskPriority": frozenset({SUBMITTER, ADMIN}),
    # reviving a failed task overrides the retry rules: admin only
    "RetryTask": frozenset({ADMIN}),
    # workers: claim, watch, heartbeat, complete, fail (and get, above)
    "ClaimTask": frozenset({WORKER, ADMIN}),
    "WatchNext": frozenset({WORKER, ADMIN}),
    "Work": frozenset({WORKER, ADMIN}),
    "Heartbeat": frozenset({WORKER, ADMIN}),
    "CompleteTask": frozenset({WORKER, ADMIN}),
    "CompleteTasks": frozenset({WORKER, ADMIN}),
    "FailTask": frozenset({WORKER, ADMIN}),
    # monitors: get, list (above), stats, server status
    "GetStats": frozenset({MONITOR, ADMIN}),
    "GetServerStatus": frozenset({MONITOR, ADMIN}),
    # admin: config, backups, keys, the auth log
    "GetConfig": frozenset({ADMIN}),
    "UpdateConfig": frozenset({ADMIN}),
    "ListConfigRevisions": frozenset({ADMIN}),
    "CreateBackup": frozenset({ADMIN}),
    "ListBackups": frozenset({ADMIN}),
    "CreateApiKey": frozenset({ADMIN}),
    "ListApiKeys": frozenset({ADMIN}),
    "RevokeApiKey": frozenset({ADMIN}),
    "ListAuditEvents": frozenset({ADMIN}),
}
"""Every method of taskqueue.v1.TaskQueueService and the roles that may call it. A method
missing here is refused to everyone (and a test fails)."""


def allowed(roles: Iterable[str], method: str) -> bool:
    permitted = METHOD_ROLES.get(method, frozenset())
    return any(role in permitted for role in roles)


def roles_of(method: str) -> list[str]:
    """The roles that may call `method`, in ROLES order."""
    permitted = METHOD_ROLES.get(method, frozenset())
    return [role for role in ROLES if role in permitted]
