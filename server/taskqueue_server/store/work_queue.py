"""The queues between the event loop and an adapter's threads: taking a batch, settling
the callers' futures."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable
from typing import Any, Final

STOP: Final = object()
WAKE: Final = object()
"""Queued to wake a writer without an operation (SQLite: for a copy, which waits in
Database._new_copies)."""

Pending = tuple[Callable[[Any], Any], "asyncio.Future[Any]"]
"""An operation (or a read) and the future its caller awaits."""
Answer = tuple["asyncio.Future[Any]", bool, Any]  # future, succeeded, value or exception


def take(
    pending: queue.SimpleQueue[Any], limit: int, *, wait: bool = True
) -> tuple[list[Any], bool]:
    """Waits for one operation (unless told not to), then takes what else is pending, up to
    `limit` in all; says whether the stop sign came (what was taken before it still runs).
    Wake-ups (WAKE) are dropped: they only end the wait."""
    try:
        first = pending.get(block=wait)
    except queue.Empty:
        return [], False
    if first is STOP:
        return [], True
    batch = [] if first is WAKE else [first]
    while len(batch) < limit:
        try:
            item = pending.get_nowait()
        except queue.Empty:
            break
        if item is STOP:
            return batch, True
        if item is not WAKE:
            batch.append(item)
    return batch, False


def settle(answers: list[Answer]) -> None:
    for fut, ok, value in answers:
        if fut.done():  # the caller gave up (cancelled RPC); the write stands regardless
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)
