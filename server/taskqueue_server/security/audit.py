"""The auth log: every authentication failure, refusal and admin call, as a structured log
line (logger `taskqueue.audit`) and a row in the database that admins page through."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from taskqueue_server.model import AuditEvent

log = logging.getLogger("taskqueue.audit")

MAX_PENDING: Final = 10_000


class AuditLog:
    """Buffers entries and appends them in one write at a time: under a flood of refusals
    the entries of many calls share a transaction.

    Args:
        append: stores a batch of entries.
        clock: microseconds since the epoch.
    """

    def __init__(
        self,
        append: Callable[[list[AuditEvent]], Awaitable[None]],
        clock: Callable[[], int],
    ) -> None:
        self._append = append
        self._clock = clock
        self._pending: list[AuditEvent] = []
        self._flushing: asyncio.Task[None] | None = None
        self.dropped = 0
        """Entries not stored because MAX_PENDING were already waiting (they were logged)."""

    def record(
        self, *, peer: str, principal: str, method: str, outcome: str, reason: str = ""
    ) -> None:
        now = self._clock()
        event = AuditEvent(
            seq=0,
            time=now,
            peer=peer,
            principal=principal,
            method=method,
            outcome=outcome,
            reason=reason,
        )
        log.info(
            json.dumps(
                {
                    "event": "auth",
                    "time_us": now,
                    "peer": peer,
                    "principal": principal,
                    "method": method,
                    "outcome": outcome,
                    "reason": reason,
                }
            )
        )
        if len(self._pending) >= MAX_PENDING:
            self.dropped += 1
            return
        self._pending.append(event)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._append(batch)
            except Exception:
                log.exception("could not store %d auth-log entries", len(batch))

    async def flush(self) -> None:
        """Returns once every entry recorded so far is stored (or failed to be)."""
        while self._flushing is not None and not self._flushing.done():
            await asyncio.shield(self._flushing)
