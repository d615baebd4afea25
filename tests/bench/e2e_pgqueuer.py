"""The pgqueuer peer of tests/bench/e2e.py: the same shape (one submitter process, N worker
processes, BACKLOG tasks ahead at most) on pgqueuer over asyncpg, each process with its own
connection. The submitter enqueues batches of 100 (pgqueuer's batch enqueue); each worker is
pgqueuer's own consumer (QueueManager.run) with batch_size 100, its documented setting, and
a no-op entrypoint. Tables are pgqueuer's `durable` installation (all logged); the server's
fsync and synchronous_commit are on.

What is counted is completions *committed*: a pgqueuer job leaves its queue table only when
its worker's status-log flush commits, so the submitter, between two of its own enqueues on
its own connection, reads `enqueued - rows still queued` at the start and at the end of the
measuring window. (The workers' own count, taken when the entrypoint returns, only keeps the
backlog bounded.)
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

BATCH = 100
ENTRYPOINT = "bench"


def pq_submitter(url: str, shared: Any) -> None:
    import asyncpg
    from e2e import BACKLOG, PROMPT, _wait_start
    from pgqueuer.db import AsyncpgDriver
    from pgqueuer.queries import Queries

    payload = f'{{"work_directory": "/srv/bench", "prompt": "{PROMPT}"}}'.encode()

    async def run() -> None:
        conn = await asyncpg.connect(url)
        queries = Queries(AsyncpgDriver(conn))
        if await queries.schema_is_installed():
            await queries.uninstall()
        await queries.install()  # before the barrier: workers verify it when they start
        _wait_start(shared)
        enqueued = 0

        async def done() -> tuple[float, int]:
            queued = await conn.fetchval("SELECT count(*) FROM pgqueuer")
            return time.time(), enqueued - int(queued)

        start: tuple[float, int] | None = None
        while True:
            now = time.time()
            if start is None and now >= shared.measure_from:
                start = await done()
            if now >= shared.end:
                break
            if shared.ahead() > BACKLOG:
                await asyncio.sleep(0.001)
                continue
            await queries.enqueue([ENTRYPOINT] * BATCH, [payload] * BATCH, [0] * BATCH)
            enqueued += BATCH
            with shared.submitted.get_lock():
                shared.submitted.value += BATCH
        end = await done()
        assert start is not None
        with shared.measured.get_lock():
            shared.measured.value = end[1] - start[1]
        shared.report_seconds(end[0] - start[0])
        await conn.close()

    asyncio.run(run())


def pq_worker(url: str, shared: Any, n: int) -> None:
    import asyncpg
    from e2e import _wait_start
    from pgqueuer.db import AsyncpgDriver
    from pgqueuer.models import Job
    from pgqueuer.qm import QueueManager
    from pgqueuer.queries import Queries

    async def run() -> None:
        conn = await asyncpg.connect(url)
        qm = QueueManager(Queries(AsyncpgDriver(conn)))

        @qm.entrypoint(ENTRYPOINT)
        async def work(job: Job) -> None:
            with shared.completed.get_lock():
                shared.completed.value += 1

        _wait_start(shared)

        async def stop() -> None:
            await asyncio.sleep(max(0.0, shared.end - time.time()))
            qm.shutdown.set()

        stopper = asyncio.create_task(stop())
        await qm.run(batch_size=BATCH, dequeue_timeout=timedelta(seconds=1))
        await stopper
        await conn.close()

    asyncio.run(run())
