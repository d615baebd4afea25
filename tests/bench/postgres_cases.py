"""The PostgreSQL section of `make bench`: the same server on a throwaway PostgreSQL (the
system's packages, fsync and synchronous_commit on: durability is what is compared), each
run in a fresh schema, side by side with the SQLite figures of the same run, and one peer on
the same PostgreSQL: pgqueuer (tests/bench/e2e_pgqueuer.py), the fastest durable queue
measured here. The CPU the queue's own processes and PostgreSQL's used during the
end-to-end runs is reported too: PostgreSQL works on the other core while taskqueue's one
process is bound to one.
"""

from __future__ import annotations

import contextlib
import itertools
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pg_waiting
import postgres_cluster  # the tests' throwaway cluster

_schemas = itertools.count(1)


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """A durable throwaway PostgreSQL for the section; its URL."""
    directory = Path(tempfile.mkdtemp(prefix="tq-bench-pg-"))
    try:
        yield postgres_cluster.start(directory, fsync=True)
    finally:
        postgres_cluster.stop(directory)
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def server_on(run: Any, url: str) -> Callable[[], Any]:
    """`run.taskqueue_server` on a fresh schema of the cluster at `url`."""
    return lambda: run.taskqueue_server("--db", url, "--db-schema", f"bench{next(_schemas)}")


class CpuMeter:
    """CPU seconds used by the processes `predicate` picks, sampled every SAMPLE_S by a
    thread into a timeline, so that processes born and gone within the run (pgqueuer's
    connections' backends, the e2e processes) count too, and so that the cores used can be
    read for the measuring window alone (`cores(start, seconds)`), without start-up."""

    SAMPLE_S = 0.1

    def __init__(self, predicate: Callable[[psutil.Process], bool]) -> None:
        self._predicate = predicate
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._timeline: list[tuple[float, float]] = []  # (time.time(), CPU seconds so far)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        before = bool(self._timeline)
        for proc in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if self._predicate(proc):
                    times = proc.cpu_times()
                    used = times.user + times.system
                    self._first.setdefault(proc.pid, 0.0 if before else used)
                    self._last[proc.pid] = used
        total = sum(self._last[p] - self._first[p] for p in self._last)
        self._timeline.append((time.time(), total))

    def _run(self) -> None:
        while not self._stop.wait(self.SAMPLE_S):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _at(self, when: float) -> float:
        points = self._timeline
        for (t0, c0), (t1, c1) in itertools.pairwise(points):
            if t0 <= when <= t1:
                return c0 + (c1 - c0) * (when - t0) / (t1 - t0)
        return points[-1][1] if when > points[-1][0] else points[0][1]

    def cores(self, start: float, seconds: float) -> float:
        """CPU seconds per second of wall time from `start` (time.time()) for `seconds`."""
        return (self._at(start + seconds) - self._at(start)) / seconds


def _is_postgres(proc: psutil.Process) -> bool:
    return (proc.info.get("name") or "").startswith("postgres")


def _is_taskqueue(proc: psutil.Process) -> bool:
    return "taskqueue_server.main" in " ".join(proc.info.get("cmdline") or [])


def _is_e2e_client(proc: psutil.Process) -> bool:
    """A submitter or worker of tests/bench/e2e.py (spawned by multiprocessing)."""
    return "multiprocessing" in " ".join(proc.info.get("cmdline") or [])


def e2e_with_cpu(run: Any, url: str, seconds: float, warmup: float) -> dict[str, float]:
    """End to end over Work on PostgreSQL, with the cores the taskqueue server and
    PostgreSQL used meanwhile (CPU seconds per second of wall time, warm-up included)."""
    with (
        server_on(run, url)() as address,
        CpuMeter(_is_taskqueue) as tq,
        CpuMeter(_is_postgres) as pg,
        CpuMeter(_is_e2e_client) as clients,
    ):
        got = run.e2e("taskqueue", address, seconds, warmup)
    window = (got["window_start"], got["window_seconds"])
    return {
        **got,
        "taskqueue_cores": tq.cores(*window),
        "postgres_cores": pg.cores(*window),
        "client_cores": clients.cores(*window),
    }


def pgqueuer_with_cpu(run: Any, url: str, seconds: float, warmup: float) -> dict[str, float]:
    """pgqueuer end to end on the same PostgreSQL, with the cores its own processes (the
    submitter and the workers: pgqueuer is a library in them) and PostgreSQL used."""
    with CpuMeter(_is_e2e_client) as clients, CpuMeter(_is_postgres) as pg:
        got = run.e2e("pgqueuer", url, seconds, warmup)
    window = (got["window_start"], got["window_seconds"])
    return {**got, "client_cores": clients.cores(*window), "postgres_cores": pg.cores(*window)}


def vacuum(url: str, schema: str) -> None:
    """VACUUM the schema's tasks: the last run's claims leave no dead entries in front of
    the claim index (autovacuum would, in time; a run does not wait for it)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("VACUUM {}.tasks").format(sql.Identifier(schema)))


@contextlib.contextmanager
def waiting_schema(url: str, size: int) -> Iterator[str]:
    """A schema of `size` waiting tasks (tests/bench/pg_waiting.py); its name."""
    name = f"waiting{size}_{next(_schemas)}"
    pg_waiting.build(url, name, size)
    try:
        yield name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def measure(run: Any, record: Callable[..., None], runs: int, seconds: float, quick: bool) -> None:
    """Records the cases `pg ...` into the run's results."""
    keys = ("ops_per_s", "p50_ms", "p95_ms", "p99_ms")
    with cluster() as url:
        server = server_on(run, url)
        record("pg create c=64", run.repeat(runs, server, lambda a: run.loadgen(
            a, 64, seconds, connections=4)), keys)  # fmt: skip
        record("pg batch create 100 c=64", run.repeat(runs, server, lambda a: run.loadgen(
            a, 64, seconds, call="BatchCreateTasks", connections=4)),
            ("tasks_per_s", *keys[1:]))  # fmt: skip
        warmup = 0.5 if quick else 1.0
        samples, peer = [], []
        for _ in range(runs):  # alternating, so drift hits both alike
            samples.append(e2e_with_cpu(run, url, seconds, warmup))
            peer.append(pgqueuer_with_cpu(run, url, seconds, warmup))
        record("pg e2e taskqueue", samples,
               ("tasks_per_s", "taskqueue_cores", "postgres_cores", "client_cores"))  # fmt: skip
        record("pg e2e pgqueuer", peer, ("tasks_per_s", "client_cores", "postgres_cores"))
        watch = run.repeat(runs, server, lambda a: run.e2e("taskqueue-watch", a, seconds, warmup))
        record("pg e2e taskqueue-watch", watch, ("tasks_per_s",))

        # WatchNext delivery at half the WatchNext capacity on PostgreSQL.
        rate = f"{statistics.median(x['tasks_per_s'] for x in watch) * 0.5:.0f}"
        span = str(seconds if quick else max(seconds, 2))
        record("pg delivery 50%", run.repeat(runs, server, lambda a: run.driver(
            "delivery", a, "--rate", rate, "--seconds", span)),
            ("p50_ms", "p99_ms", "achieved_rate"))  # fmt: skip

        # ClaimTask with 1,000 and with many waiting tasks: the large schema is built once
        # (its runs claim 100 of it each), the small one afresh for each run.
        big = 100_000 if quick else 1_000_000
        scale: dict[int, list[dict[str, float]]] = {1_000: [], big: []}
        repeats = "50" if quick else "100"
        with waiting_schema(url, big) as big_schema:
            for _ in range(runs if quick else max(runs, 5)):  # as the SQLite case
                vacuum(url, big_schema)  # each run on a clean table, as SQLite's fresh copy
                for size, got in scale.items():
                    with contextlib.ExitStack() as stack:
                        name = big_schema if size == big else stack.enter_context(
                            waiting_schema(url, size))  # fmt: skip
                        address = stack.enter_context(
                            run.taskqueue_server("--db", url, "--db-schema", name)
                        )
                        got.append(run.driver("claimscale", address, "--repeats", repeats))
        for size, got in scale.items():
            record(f"pg scale {size}", got, ("claim_p50_ms", "claim_p99_ms"))


def rows(cases: dict[str, Any], row: Callable[..., str], fmt: Callable[..., str]) -> list[str]:
    out = ["", row("PostgreSQL (same machine, fsync on)", "on PostgreSQL", "on SQLite", "ratio")]
    big = max(int(name.split()[-1]) for name in cases if name.startswith("pg scale "))
    for name, sqlite, key, label in (
        ("pg create c=64", "create c=64 taskqueue", "ops_per_s", "CreateTask ops/s c=64"),
        ("pg batch create 100 c=64", "batch create 100 c=64", "tasks_per_s",
         "BatchCreateTasks(100) tasks/s c=64"),
        ("pg e2e taskqueue", "e2e taskqueue", "tasks_per_s", "end to end tasks/s (Work)"),
        ("pg e2e taskqueue-watch", "e2e taskqueue-watch", "tasks_per_s",
         "end to end tasks/s (WatchNext)"),
        ("pg delivery 50%", "delivery 50%", "p99_ms", "WatchNext delivery p99 ms at 50%"),
        ("pg scale 1000", "scale 1000", "claim_p50_ms", "ClaimTask p50 ms, 1,000 waiting"),
        (f"pg scale {big}", f"scale {big}", "claim_p50_ms", f"ClaimTask p50 ms, {big:,} waiting"),
    ):  # fmt: skip
        pg, lite = cases[name][key], cases.get(sqlite, {}).get(key)
        if lite is None:
            out.append(row(label, fmt(pg, 1 if "ms" in key else 0)))
            continue
        digits = 2 if "ms" in key else 0
        out.append(row(label, fmt(pg, digits), fmt(lite, digits),
                       f"{pg['median'] / lite['median']:.2f}x"))  # fmt: skip
    small, large = cases["pg scale 1000"], cases[f"pg scale {big}"]
    growth = large["claim_p50_ms"]["median"] / small["claim_p50_ms"]["median"]
    out.append(row(f"  claim p50 at {big:,} / at 1,000 (PostgreSQL)", "", "", f"{growth:.2f}x"))
    e2e, peer = cases["pg e2e taskqueue"], cases["pg e2e pgqueuer"]
    out.append(
        row(
            "  cores used: taskqueue / PostgreSQL / clients",
            f"{e2e['taskqueue_cores']['median']:.2f} / {e2e['postgres_cores']['median']:.2f}"
            f" / {e2e['client_cores']['median']:.2f}",
        )
    )
    ours, theirs = e2e["tasks_per_s"]["median"], peer["tasks_per_s"]["median"]
    lite = cases["e2e taskqueue"]["tasks_per_s"]["median"]
    out += [
        "",
        row("Peer on the same PostgreSQL", "pgqueuer", "taskqueue", "taskqueue / peer"),
        row("end to end tasks/s, batch_size 100 (PG)", fmt(peer["tasks_per_s"], 0),
            fmt(e2e["tasks_per_s"], 0), f"{ours / theirs:.2f}x"),
        row("  taskqueue on SQLite against it", "", f"{lite:,.0f}", f"{lite / theirs:.2f}x"),
        row("  cores used: pgqueuer's processes / PostgreSQL",
            f"{peer['client_cores']['median']:.2f} / {peer['postgres_cores']['median']:.2f}"),
    ]  # fmt: skip
    return out
