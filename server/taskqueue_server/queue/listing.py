"""Reading tasks: GetTask, and ListTasks (the filter and order from a request, pages in
keyset order under page tokens bound to them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from taskqueue_server import lifecycle
from taskqueue_server.model import ListOrder, Priority, Task, TaskFilter, TaskQuery, TaskState
from taskqueue_server.queue import page_tokens, validation
from taskqueue_server.queue.page_tokens import PageTokens
from taskqueue_server.store.port import Snapshot, Store

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 1000


@dataclass(frozen=True, kw_only=True, slots=True)
class FilterInput:
    """A filter as callers send it, before validation. Times are microseconds."""

    states: Sequence[int] = ()
    priorities: Sequence[int] = ()
    work_directory: str = ""
    tags: Sequence[str] = ()
    worker_id: str = ""
    created_after: int | None = None
    created_before: int | None = None
    due: bool | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Page:
    tasks: list[Task]
    next_page_token: str
    total_size: int


def parse_filter(raw: FilterInput, v: validation.Violations, prefix: str = "") -> TaskFilter:
    """A validated filter; violations name fields under `prefix`."""
    states = []
    for i, value in enumerate(raw.states):
        try:
            states.append(TaskState(value))
        except ValueError:
            v.add(f"{prefix}states[{i}]", f"unknown task state {value}")
    priorities = []
    for i, value in enumerate(raw.priorities):
        try:
            priorities.append(Priority(value))
        except ValueError:
            v.add(f"{prefix}priorities[{i}]", f"unknown priority {value}")
    inner = validation.Violations()
    directory = validation.work_directory(raw.work_directory, inner) if raw.work_directory else None
    tags = validation.tags(raw.tags, inner)
    worker = validation.worker_id(raw.worker_id, inner) if raw.worker_id else None
    for item in inner.items:
        v.add(prefix + item.field, item.description)
    return TaskFilter(
        states=tuple(dict.fromkeys(states)),
        priorities=tuple(dict.fromkeys(priorities)),
        work_directory=directory,
        tags=tags,
        worker_id=worker,
        created_after=raw.created_after,
        created_before=raw.created_before,
        due=raw.due,
    )


def parse_order(order_by: str, v: validation.Violations) -> ListOrder:
    text = " ".join(order_by.lower().split())
    if text in ("", "create_time asc"):
        return ListOrder.CREATE_TIME
    try:
        return ListOrder(text)
    except ValueError:
        choices = ", ".join(repr(o.value) for o in ListOrder)
        v.add("order_by", f"unknown order {order_by[:80]!r}: use one of {choices}")
        return ListOrder.CREATE_TIME


def parse_page_size(size: int, v: validation.Violations) -> int:
    return page_tokens.page_size(size, v, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)


def _scope(f: TaskFilter, order: ListOrder) -> str:
    return page_tokens.scope(
        "tasks",
        order.value,
        [int(s) for s in f.states],
        [int(p) for p in f.priorities],
        f.work_directory,
        list(f.tags),
        f.worker_id,
        f.created_after,
        f.created_before,
        f.due,
    )


class Lister:
    """GetTask and ListTasks, on snapshots of the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._tokens: PageTokens | None = None

    async def start(self) -> None:
        self._tokens = await PageTokens.of(self._store)

    async def get(self, task_id: str) -> Task:
        """The whole task with its history."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        v.raise_if_any()
        task = await self._store.read(lambda s: s.get_task(key), quick=True)
        if task is None:
            raise lifecycle.not_found(key)
        return task

    async def list(
        self,
        raw: FilterInput,
        *,
        order_by: str = "",
        page_size: int = 0,
        page_token: str = "",
        full: bool = False,
    ) -> Page:
        """One page of matching tasks, the token of the next one, and the total count."""
        assert self._tokens is not None, "Lister.start() was not awaited"
        v = validation.Violations()
        f = parse_filter(raw, v)
        order = parse_order(order_by, v)
        size = parse_page_size(page_size, v)
        v.raise_if_any()
        after = self._tokens.decode(
            page_token, _scope(f, order), v, length=2 if order is ListOrder.PRIORITY else 1
        )
        v.raise_if_any()
        query = TaskQuery(filter=f, order=order, after=after, limit=size, full=full)

        def run(s: Snapshot) -> tuple[list[tuple[int, Task]], bool, int]:
            rows, more = s.list_page(query)
            return rows, more, s.count(f)

        rows, more, total = await self._store.read(run)
        token = ""
        if more and rows:
            seq, last = rows[-1]
            key = (int(last.priority), seq) if order is ListOrder.PRIORITY else (seq,)
            token = self._tokens.encode(_scope(f, order), key)
        return Page(tasks=[t for _, t in rows], next_page_token=token, total_size=total)
