"""Steering tasks that are not being worked on: cancel, batch cancel, retry, re-prioritise.

Each decision is taken inside the writer's transaction on the row as it is then, so a cancel
racing a claim sees either the waiting task (and wins) or the working one (and is refused).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from taskqueue_server import lifecycle
from taskqueue_server.config import Settings
from taskqueue_server.model import Priority, Task, TaskQuery, TaskState
from taskqueue_server.queue import validation
from taskqueue_server.queue.listing import FilterInput, parse_filter
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Store, Transaction

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


class Control:
    """Cancel, retry and re-prioritise; wakes watchers when a task becomes claimable."""

    def __init__(
        self, store: Store, hub: WatcherHub, settings: Settings, clock: Callable[[], int]
    ) -> None:
        self._store = store
        self._hub = hub
        self._settings = settings
        self._clock = clock

    async def cancel(self, *, task_id: str, reason: str, actor: str = "client") -> Task:
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        why = _reason(reason, v, required=True)
        v.raise_if_any()
        now = self._clock()

        def op(tx: Transaction) -> Task:
            facts = lifecycle.found(tx.task_facts(key), key)
            lifecycle.require_waiting(facts, "cancelled")
            return tx.cancel(
                facts, cancel_reason=why, now=now, actor=actor, reason=lifecycle.cancelled(why)
            )

        return await self._store.write(op)

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

        def op(tx: Transaction) -> BatchCancelResult:
            more = False
            if query is not None:
                rows, more = tx.list_page(query)
                targets = [t.id for _, t in rows]
            else:
                targets = keys
            outcomes = []
            for key in targets:
                facts = tx.task_facts(key)
                if facts is None:
                    outcomes.append(
                        CancelOutcome(
                            task_id=key,
                            cancelled=False,
                            reason="TASK_NOT_FOUND",
                            message=f"no task with id {key}",
                        )
                    )
                elif facts.state is not TaskState.WAITING:
                    refused = lifecycle.not_waiting(facts, "cancelled")
                    outcomes.append(
                        CancelOutcome(
                            task_id=key,
                            cancelled=False,
                            reason=refused.reason,
                            message=refused.message,
                        )
                    )
                else:
                    tx.cancel(
                        facts,
                        cancel_reason=why,
                        now=now,
                        actor=actor,
                        reason=lifecycle.cancelled(why),
                    )
                    outcomes.append(CancelOutcome(task_id=key, cancelled=True))
            return BatchCancelResult(outcomes=outcomes, has_more=more)

        return await self._store.write(op)

    async def retry(self, *, task_id: str, reason: str = "", actor: str = "client") -> Task:
        """Puts a failed task back to waiting, up to the configured number of retries."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        why = _reason(reason, v, required=False)
        v.raise_if_any()
        now = self._clock()
        limit = self._settings.max_retries

        def op(tx: Transaction) -> Task:
            facts = lifecycle.found(tx.task_facts(key), key)
            lifecycle.require_retryable(facts, limit)
            return tx.retry(facts, now=now, actor=actor, reason=lifecycle.retried(facts, why))

        task = await self._store.write(op)
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

        def op(tx: Transaction) -> Task:
            facts = lifecycle.found(tx.task_facts(key), key)
            lifecycle.require_waiting(facts, "re-prioritised")
            return tx.set_priority(
                facts,
                priority=level,
                now=now,
                actor=actor,
                reason=lifecycle.reprioritised(facts.priority, level),
            )

        return await self._store.write(op)
