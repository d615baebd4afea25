"""The PostgreSQL section of `make bench`: the same server on a throwaway PostgreSQL (the
system's packages, fsync and synchronous_commit on: durability is what is compared), each
run in a fresh schema, side by side with the SQLite figures of the same run. The CPU the
taskqueue process and PostgreSQL's processes used during the end-to-end runs is reported too:
PostgreSQL works on the other core while taskqueue's one process is bound to one.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
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


def _cpu(predicate: Callable[[psutil.Process], bool]) -> float:
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if predicate(proc):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def _is_postgres(proc: psutil.Process) -> bool:
    return (proc.info.get("name") or "").startswith("postgres")


def _is_taskqueue(proc: psutil.Process) -> bool:
    return "taskqueue_server.main" in " ".join(proc.info.get("cmdline") or [])


def e2e_with_cpu(run: Any, url: str, seconds: float, warmup: float) -> dict[str, float]:
    """End to end over Work on PostgreSQL, with the CPU seconds per second of wall time that
    the taskqueue server and PostgreSQL used meanwhile (warm-up included)."""
    with server_on(run, url)() as address:
        tq0, pg0 = _cpu(_is_taskqueue), _cpu(_is_postgres)
        got = run.e2e("taskqueue", address, seconds, warmup)
        tq1, pg1 = _cpu(_is_taskqueue), _cpu(_is_postgres)
    wall = seconds + warmup
    return {**got, "taskqueue_cores": (tq1 - tq0) / wall, "postgres_cores": (pg1 - pg0) / wall}


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
        samples = [e2e_with_cpu(run, url, seconds, 0.5 if quick else 1.0) for _ in range(runs)]
        record("pg e2e taskqueue", samples, ("tasks_per_s", "taskqueue_cores", "postgres_cores"))


def rows(cases: dict[str, Any], row: Callable[..., str], fmt: Callable[..., str]) -> list[str]:
    out = ["", row("PostgreSQL (same machine, fsync on)", "on PostgreSQL", "on SQLite", "ratio")]
    for name, sqlite, key, label in (
        ("pg create c=64", "create c=64 taskqueue", "ops_per_s", "CreateTask ops/s c=64"),
        ("pg batch create 100 c=64", "batch create 100 c=64", "tasks_per_s",
         "BatchCreateTasks(100) tasks/s c=64"),
        ("pg e2e taskqueue", "e2e taskqueue", "tasks_per_s", "end to end tasks/s (Work)"),
    ):  # fmt: skip
        pg, lite = cases[name][key], cases[sqlite][key]
        out.append(row(label, fmt(pg, 0), fmt(lite, 0), f"{pg['median'] / lite['median']:.2f}x"))
    e2e = cases["pg e2e taskqueue"]
    out.append(
        row(
            "  cores used in e2e: taskqueue / PostgreSQL",
            f"{e2e['taskqueue_cores']['median']:.2f} / {e2e['postgres_cores']['median']:.2f}",
        )
    )
    return out
