"""ListTasks: the filter and order from a request, and opaque page tokens bound to them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from taskqueue_server.model import ListOrder, Priority, Task, TaskFilter, TaskQuery, TaskState
from taskqueue_server.queue import validation
from taskqueue_server.store import listing
from taskqueue_server.store.db import Connection, Database

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 1000
_SIGNATURE_BYTES: Final = 16


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
    if size < 0:
        v.add("page_size", f"must not be negative, got {size}")
    if size == 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def _digest(f: TaskFilter, order: ListOrder) -> str:
    canonical = json.dumps(
        [
            order.value,
            [int(s) for s in f.states],
            [int(p) for p in f.priorities],
            f.work_directory,
            list(f.tags),
            f.worker_id,
            f.created_after,
            f.created_before,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class PageTokens:
    """Signs the keyset position with the query it belongs to; refuses anything else."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, f: TaskFilter, order: ListOrder, after: tuple[int, ...]) -> str:
        payload = json.dumps({"q": _digest(f, order), "k": list(after)}, separators=(",", ":"))
        raw = payload.encode()
        signature = hmac.digest(self._key, raw, "sha256")[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(raw + signature).decode().rstrip("=")

    def decode(
        self, token: str, f: TaskFilter, order: ListOrder, v: validation.Violations
    ) -> tuple[int, ...] | None:
        if not token:
            return None
        try:
            blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            blob = b""
        raw, signature = blob[:-_SIGNATURE_BYTES], blob[-_SIGNATURE_BYTES:]
        expected = hmac.digest(self._key, raw, "sha256")[:_SIGNATURE_BYTES]
        if len(blob) <= _SIGNATURE_BYTES or not hmac.compare_digest(signature, expected):
            v.add("page_token", "not a page token this server issued (altered or truncated)")
            return None
        payload = json.loads(raw)
        if payload["q"] != _digest(f, order):
            v.add(
                "page_token",
                "this page token belongs to a different query: repeat the filters and order_by"
                " of the request that returned it",
            )
            return None
        return tuple(int(k) for k in payload["k"])


class Lister:
    """Runs ListTasks queries on a reader connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._tokens: PageTokens | None = None

    async def start(self) -> None:
        self._tokens = PageTokens(await self._db.read(listing.page_token_key))

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
        after = self._tokens.decode(page_token, f, order, v)
        v.raise_if_any()
        query = TaskQuery(filter=f, order=order, after=after, limit=size, full=full)

        def run(conn: Connection) -> tuple[list[tuple[int, Task]], bool, int]:
            rows, more = listing.page(conn, query)
            return rows, more, listing.count(conn, f)

        rows, more, total = await self._db.read(run)
        token = ""
        if more and rows:
            seq, last = rows[-1]
            key = (int(last.priority), seq) if order is ListOrder.PRIORITY else (seq,)
            token = self._tokens.encode(f, order, key)
        return Page(tasks=[t for _, t in rows], next_page_token=token, total_size=total)
