"""Keys for new tasks, in blocks the store reserves (`Transaction.reserve_task_keys`), so
that servers sharing one database never number two tasks alike. The next block is reserved
in the background once less than half of one is left: a create waits for the store only
when a burst took more than that."""

from __future__ import annotations

import asyncio
import collections

from taskqueue_server.store.port import Store


class TaskKeys:
    """The keys this server may give new tasks, in the order it reserved them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._blocks: collections.deque[range] = collections.deque()
        self._left = 0
        self._low = 0
        self._refill: asyncio.Future[None] | None = None

    async def start(self) -> None:
        await self._reserve()

    async def _reserve(self) -> None:
        block = await self._store.write(lambda tx: tx.reserve_task_keys())
        self._blocks.append(block)
        self._left += len(block)
        self._low = len(block) // 2

    def _reserve_soon(self) -> asyncio.Future[None]:
        if self._refill is None or self._refill.done():
            self._refill = asyncio.ensure_future(self._reserve())
            self._refill.add_done_callback(_retrieved)
        return self._refill

    async def take(self, count: int) -> list[range]:
        """`count` keys, as the runs of consecutive keys they come in (usually one)."""
        while self._left < count:
            await asyncio.shield(self._reserve_soon())  # the store's error, if it has one
        runs: list[range] = []
        wanted = count
        while wanted:
            block = self._blocks[0]
            run, rest = block[:wanted], block[wanted:]
            runs.append(run)
            wanted -= len(run)
            if rest:
                self._blocks[0] = rest
            else:
                self._blocks.popleft()
        self._left -= count
        if self._left < self._low:
            self._reserve_soon()
        return runs


def _retrieved(done: asyncio.Future[None]) -> None:
    """A background reservation that failed is tried again by the next create that needs it
    (which then fails with the store's error, UNAVAILABLE): nothing to log twice."""
    if not done.cancelled():
        done.exception()
