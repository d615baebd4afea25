"""Helpers that drive a `Store` through its port only, as the queue does: no SQL here, so
the same tests hold every adapter to the same promises."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Final

from taskqueue_server.model import (
    Priority,
    Task,
    TaskFacts,
    TaskFilter,
    TaskKey,
    TaskQuery,
    ValidTask,
)
from taskqueue_server.queue import fencing
from taskqueue_server.store.port import Snapshot, Store, Transaction
from taskqueue_server.task_ids import TaskIds

START: Final = 1_700_000_000_000_000
"""The harness's clock starts here (microseconds since the epoch) and moves only when told."""
LEASE: Final = 30_000_000
ACTOR: Final = "contract"


def new(
    prompt: str = "p",
    *,
    directory: str = "/w",
    priority: Priority = Priority.MEDIUM,
    tags: Sequence[str] = (),
    request_id: str | None = None,
    due_time: int | None = None,
    max_working: int = 0,
) -> ValidTask:
    """A valid new task, as the queue would hand it to the store."""
    return ValidTask(
        work_directory=directory,
        prompt=prompt,
        priority=priority,
        tags=tuple(tags),
        request_id=request_id,
        request_hash=None if request_id is None else f"hash-of-{request_id}",
        due_time=due_time,
        max_working=max_working,
    )


class Harness:
    """One store under test, a clock the test moves, and the task keys the queue would give."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.now = START
        self._ids: TaskIds | None = None
        self._next_key = 0

    async def start(self) -> None:
        self._ids, self._next_key = await self.store.read(
            lambda s: (TaskIds(s.task_id_secret()), s.next_task_key())
        )

    def tick(self, us: int = 1) -> int:
        """Moves the clock on by `us` and returns the new time."""
        self.now += us
        return self.now

    def keys(self, count: int) -> list[TaskKey]:
        """Keys and ids of the next `count` new tasks (the queue's Submitter does the same)."""
        assert self._ids is not None, "start() first"
        first = self._next_key
        self._next_key += count
        return list(zip(range(first, first + count), self._ids.ids(first, count), strict=True))

    async def create(self, *tasks: ValidTask) -> list[str]:
        """Inserts `tasks` (one plain task when none is given) in one operation; their ids."""
        items = list(zip(self.keys(len(tasks) or 1), tasks or (new(),), strict=True))
        now = self.tick()
        await self.store.write(lambda tx: tx.insert_tasks(items, now=now, actor=ACTOR))
        return [task_id for (_, task_id), _ in items]

    def claim_op(
        self,
        tokens: Sequence[str],
        *,
        worker: str = "w",
        directory: str | None = None,
        tags: Sequence[str] = (),
        lease: int = LEASE,
        directory_limit: int = 0,
    ) -> Any:
        now = self.now

        def op(tx: Transaction) -> list[Task]:
            return tx.claim(
                work_directory=directory,
                tags=tuple(tags),
                worker_id=worker,
                tokens=tokens,
                now=now,
                lease_duration=lease,
                directory_limit=directory_limit,
                with_history=True,
            )

        return op

    async def claim(self, count: int = 1, **how: Any) -> list[tuple[Task, str]]:
        """Claims up to `count` tasks in one operation: each with the token it holds."""
        tokens = fencing.new_tokens(count)
        claimed: list[Task] = await self.store.write(self.claim_op(tokens, **how))
        return list(zip(claimed, tokens, strict=False))

    async def claimed_ids(self, count: int = 1, **how: Any) -> list[str]:
        return [task.id for task, _ in await self.claim(count, **how)]

    async def get(self, task_id: str) -> Task:
        task = await self.store.read(lambda s: s.get_task(task_id))
        assert task is not None, f"no task {task_id}"
        return task

    async def facts(self, task_id: str) -> TaskFacts:
        facts = await self.store.read(lambda s: s.task_facts(task_id))
        assert facts is not None, f"no task {task_id}"
        return facts

    async def digest(self) -> str:
        """A digest of everything the port can read: equal digests mean nothing changed."""
        return await self.store.read(_digest)


def facts_in(s: Snapshot, task_id: str) -> TaskFacts:
    """The facts of a task that exists, read inside an operation (as the queue does before
    it decides a transition)."""
    facts = s.task_facts(task_id)
    assert facts is not None, f"no task {task_id}"
    return facts


def _digest(s: Snapshot) -> str:
    h = hashlib.sha256()
    query = TaskQuery(filter=TaskFilter(), limit=10_000, full=True)
    page, more = s.list_page(query)
    assert not more, "the digest reads at most 10,000 tasks"
    for _, listed in page:
        h.update(repr(s.get_task(listed.id)).encode())
        h.update(repr(s.task_facts(listed.id)).encode())
    for part in (
        s.counts(),
        s.next_task_key(),
        s.next_lease_expiry(),
        s.next_due(),
        s.probe_value(),
        s.latest_config(),
        s.config_revisions(before=1 << 62, limit=10_000),
        s.api_keys(),
        s.audit_events(before=1 << 62, limit=10_000, principal="", failures_only=False),
        s.transitions(start=0, end=1 << 62),
        list(s.durations(start=0, end=1 << 62)),
    ):
        h.update(repr(part).encode())
    return h.hexdigest()
