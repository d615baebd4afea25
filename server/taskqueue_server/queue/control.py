"""Steering tasks that are not being worked on: cancel, batch cancel, retry, re-prioritise.

Each decision is taken inside the writer's transaction on the row as it is then, so a cancel
racing a claim sees either the waiting task (and wins) or the working one (and is refused).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import Priority, Task, TaskQuery, TaskState
from taskqueue_server.queue import validation
from taskqueue_server.queue.listing import FilterInput, parse_filter
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store import listing, tasks
from taskqueue_server.store.db import Connection, Database

MAX_BATCH_CANCEL: Final = 1000
MAX_REASON_CHARS: Final = 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class CancelOutcome:
    """What a batch cancel did to one task."""

    task_id: str
    cancelled: bool
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchCancelResult:
    outcomes: list[CancelOutcome]
    has_more: bool

    @property
    def cancelled_count(self) -> int:
        return sum(1 for o in self.outcomes if o.cancelled)


def _reason(value: str, v: validation.Violations, *, required: bool) -> str:
    if not value.strip():
        if required:
            v.add("reason", "required: say why, in 1 to 1024 characters")
    elif len(value) > MAX_REASON_CHARS:
        v.add("reason", f"too long: at most {MAX_REASON_CHARS} characters")
    elif "\x00" in value:
        v.add("reason", "must not contain NUL characters")
    return value


def _row(conn: Connection, task_id: str) -> tasks.TaskRow:
    row = tasks.task_row(conn, task_id)
    if row is None:
        raise errors.NotFound(f"no task with id {task_id}", metadata={"task_id": task_id})
    return row


def _not_waiting(row: tasks.TaskRow, what: str) -> errors.TransitionRefused:
    return errors.TransitionRefused(
        f"the task is {row.state.name.lower()}: only a waiting task can be {what}",
        reason="TASK_NOT_WAITING",
        metadata={"state": f"TASK_STATE_{row.state.name}"},
    )


class Control:
    """Cancel, retry and re-prioritise; wakes watchers when a task becomes claimable."""

    def __init__(
        self, db: Database, hub: WatcherHub, settings: Settings, clock: Callable[[], int]
    ) -> None:
        self._db = db
        self._hub = hub
        self._settings = settings
        self._clock = clock

    async def cancel(self, *, task_id: str, reason: str, actor: str = "client") -> Task:
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        why = _reason(reason, v, required=True)
        v.raise_if_any()
        now = self._clock()

        def op(conn: Connection) -> Task:
            row = _row(conn, key)
            if row.state is not TaskState.WAITING:
                raise _not_waiting(row, "cancelled")
            return tasks.cancel(conn, row, reason=why, now=now, actor=actor)

        return await self._db.write(op)

    async def batch_cancel(
        self,
        *,
        task_ids: Sequence[str],
        filter: FilterInput | None,
        reason: str,
        actor: str = "client",
    ) -> BatchCancelResult:
        """Cancels tasks named by id, or the waiting tasks a filter selects (oldest first,
        at most 1,000 per call), in one transaction; says per task what happened."""
        v = validation.Violations()
        why = _reason(reason, v, required=True)
        if task_ids and filter is not None:
            v.add("filter", "give either task_ids or filter, not both")
        elif not task_ids and filter is None:
            v.add("task_ids", "required: up to 1000 task ids, or a filter instead")
        if len(task_ids) > MAX_BATCH_CANCEL:
            v.add("task_ids", f"too many: {len(task_ids)}, at most {MAX_BATCH_CANCEL}")
        keys = [validation.task_id(t, v, f"task_ids[{i}]") for i, t in enumerate(task_ids)]
        query = None
        if filter is not None:
            parsed = parse_filter(filter, v, prefix="filter.")
            query = TaskQuery(
                filter=replace(parsed, states=(TaskState.WAITING,)), limit=MAX_BATCH_CANCEL
            )
        v.raise_if_any()
        now = self._clock()

        def op(conn: Connection) -> BatchCancelResult:
            more = False
            if query is not None:
                rows, more = listing.page(conn, query)
                targets = [t.id for _, t in rows]
            else:
                targets = keys
            outcomes = []
            for key in targets:
                row = tasks.task_row(conn, key)
                if row is None:
                    outcomes.append(
                        CancelOutcome(
                            task_id=key,
                            cancelled=False,
                            reason="TASK_NOT_FOUND",
                            message=f"no task with id {key}",
                        )
                    )
                elif row.state is not TaskState.WAITING:
                    refused = _not_waiting(row, "cancelled")
                    outcomes.append(
                        CancelOutcome(
                            task_id=key,
                            cancelled=False,
                            reason=refused.reason,
                            message=refused.message,
                        )
                    )
                else:
                    tasks.cancel(conn, row, reason=why, now=now, actor=actor)
                    outcomes.append(CancelOutcome(task_id=key, cancelled=True))
            return BatchCancelResult(outcomes=outcomes, has_more=more)

        return await self._db.write(op)

    async def retry(self, *, task_id: str, reason: str = "", actor: str = "client") -> Task:
        """Puts a failed task back to waiting, up to the configured number of retries."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        why = _reason(reason, v, required=False)
        v.raise_if_any()
        now = self._clock()
        limit = self._settings.max_retries

        def op(conn: Connection) -> Task:
            row = _row(conn, key)
            if row.state is not TaskState.FAILED:
                raise errors.TransitionRefused(
                    f"the task is {row.state.name.lower()}: only a failed task can be retried",
                    reason="TASK_NOT_FAILED",
                    metadata={"state": f"TASK_STATE_{row.state.name}"},
                )
            if row.retry_count >= limit:
                raise errors.TransitionRefused(
                    f"the task was retried {row.retry_count} times already; the limit is {limit}",
                    reason="RETRY_LIMIT_REACHED",
                    metadata={"retry_count": str(row.retry_count), "max_retries": str(limit)},
                )
            return tasks.retry(conn, row, reason=why, now=now, actor=actor)

        task = await self._db.write(op)
        self._hub.notify(task.work_directory)
        return task

    async def set_priority(self, *, task_id: str, priority: int, actor: str = "client") -> Task:
        """Changes a waiting task's priority; the next claim obeys it."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        if priority == 0:
            v.add("priority", "required: PRIORITY_HIGH, PRIORITY_MEDIUM or PRIORITY_LOW")
            level = Priority.MEDIUM
        else:
            level = validation.priority(priority, v)
        v.raise_if_any()
        now = self._clock()

        def op(conn: Connection) -> Task:
            row = _row(conn, key)
            if row.state is not TaskState.WAITING:
                raise _not_waiting(row, "re-prioritised")
            return tasks.set_priority(conn, row, priority=level, now=now, actor=actor)

        return await self._db.write(op)
