"""psycopg 3 against asyncpg for the PostgreSQL store's shape of work (issue 25: measure
before choosing): one connection, statements one after another as a writer thread issues
them, on the same throwaway PostgreSQL. Cases: a round trip (SELECT 1); a claim-sized
statement (a CTE updating 50 rows and returning them); the batch insert of 100 rows from one
JSON parameter, each in its own committed transaction. Per case, the median of 5 runs:
calls per second and the client's CPU per call.

Measured here (2 cores, fsync on; 2026-12-08): the same calls per second (7,845 vs 7,654
round trips/s; 935 vs 959 inserts of 100/s; 187 vs 173 claims of 50/s) and less client CPU
with psycopg (76 vs 86 us a round trip, 207 vs 272 an insert, 381 vs 467 a claim): psycopg's
sync connections in the writer and reader threads, as the store uses them, cost the server's
one busy core less than asyncpg's would.

  python tests/bench/pg_drivers.py            (starts and stops its own cluster)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import postgres_cluster  # the tests' throwaway cluster

N = 2000
SETUP = """
DROP TABLE IF EXISTS bench; CREATE TABLE bench (id BIGSERIAL PRIMARY KEY, state INT NOT NULL,
  body TEXT NOT NULL, token TEXT);
CREATE INDEX bench_waiting ON bench (id) WHERE state = 1;
"""
ROWS = json.dumps([[f"prompt {i}", i] for i in range(100)])
INSERT = "INSERT INTO bench (state, body) SELECT 1, r->>0 FROM json_array_elements({}::json) r"
CLAIM = (
    "WITH c AS (SELECT id FROM bench WHERE state = 1 ORDER BY id LIMIT 50 FOR UPDATE SKIP"
    " LOCKED) UPDATE bench SET state = 2, token = 't' FROM c WHERE bench.id = c.id"
    " RETURNING bench.id, bench.body"
)


def timed(run: Callable[[], None], count: int) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"per_s": count / wall, "cpu_us": cpu / count * 1e6}


def with_psycopg(url: str) -> dict[str, dict[str, float]]:
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET jit TO off")
    conn.execute(SETUP)
    out = {}

    def ping() -> None:
        for _ in range(N):
            conn.execute("SELECT 1").fetchone()

    def insert() -> None:
        for _ in range(N // 10):
            with conn.transaction():
                conn.execute(INSERT.format("%s"), (ROWS,))

    def claim() -> None:
        for _ in range(N // 10):
            with conn.transaction():
                conn.execute(CLAIM).fetchall()

    out["round trip"] = timed(ping, N)
    out["insert 100"] = timed(insert, N // 10)
    out["claim 50"] = timed(claim, N // 10)
    conn.close()
    return out


def with_asyncpg(url: str) -> dict[str, dict[str, float]]:
    import asyncpg

    async def run() -> dict[str, dict[str, float]]:
        conn = await asyncpg.connect(url)
        await conn.execute("SET jit TO off")
        await conn.execute(SETUP)
        out = {}

        async def measure(body: Callable[[], Any], count: int) -> dict[str, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            await body()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            return {"per_s": count / wall, "cpu_us": cpu / count * 1e6}

        async def ping() -> None:
            for _ in range(N):
                await conn.fetchval("SELECT 1")

        async def insert() -> None:
            for _ in range(N // 10):
                async with conn.transaction():
                    await conn.execute(INSERT.format("$1"), ROWS)

        async def claim() -> None:
            for _ in range(N // 10):
                async with conn.transaction():
                    await conn.fetch(CLAIM)

        out["round trip"] = await measure(ping, N)
        out["insert 100"] = await measure(insert, N // 10)
        out["claim 50"] = await measure(claim, N // 10)
        await conn.close()
        return out

    return asyncio.run(run())


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="tq-drivers-"))
    url = postgres_cluster.start(directory, fsync=True)
    try:
        results: dict[str, dict[str, list[dict[str, float]]]] = {}
        for _ in range(5):  # alternating, so drift hits both alike
            for name, run in (("psycopg", with_psycopg), ("asyncpg", with_asyncpg)):
                for case, got in run(url).items():
                    results.setdefault(case, {}).setdefault(name, []).append(got)
        print(f"{'case':14}{'driver':10}{'calls/s':>10}{'client CPU us/call':>20}")
        for case, drivers in results.items():
            for name, runs in drivers.items():
                per_s = statistics.median(r["per_s"] for r in runs)
                cpu = statistics.median(r["cpu_us"] for r in runs)
                print(f"{case:14}{name:10}{per_s:>10,.0f}{cpu:>20,.1f}")
    finally:
        postgres_cluster.stop(directory)


if __name__ == "__main__":
    main()
