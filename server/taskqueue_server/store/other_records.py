"""Rows beside tasks as every store adapter reads them back: task counts from (state,
priority, count) rows, API keys from their columns (`KEY_COLUMNS`, in this order)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from taskqueue_server.model import Counts, Priority, StoredKey, TaskState

KEY_COLUMNS: Final = "key_id, name, role, salt, hash, create_time, expire_time, revoke_time"


def counts_of(rows: Iterable[tuple[int, int, int]], scheduled: int) -> Counts:
    """Task counts by state, by priority, and of waiting tasks by priority, from (state,
    priority, count) rows."""
    by_state: dict[TaskState, int] = {}
    by_priority: dict[Priority, int] = {}
    waiting: dict[Priority, int] = {}
    for state, priority, n in rows:
        s, p = TaskState(state), Priority(priority)
        by_state[s] = by_state.get(s, 0) + n
        by_priority[p] = by_priority.get(p, 0) + n
        if s is TaskState.WAITING:
            waiting[p] = n
    return Counts(
        by_state=by_state, by_priority=by_priority, waiting_by_priority=waiting,
        scheduled=scheduled,
    )  # fmt: skip


def key_of(row: tuple[Any, ...]) -> StoredKey:
    """An API key from its `KEY_COLUMNS`."""
    key_id, name, role, salt, digest, create, expire, revoke = row
    return StoredKey(
        key_id=str(key_id),
        name=str(name),
        role=str(role),
        salt=bytes(salt),
        hash=bytes(digest),
        create_time=int(create),
        expire_time=None if expire is None else int(expire),
        revoke_time=None if revoke is None else int(revoke),
    )
