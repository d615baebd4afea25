"""`make bench`: taskqueue against the echo ceiling, side by side in one run, on loopback.

Every case runs on a fresh server process (and a fresh database), `--runs` times; the table
shows the median with min-max and the ratio to the echo server measured in the same run.
Unary load comes from ghz (Go, installed with `go install` at a pinned version into
.cache/bin); chained calls and stream latency from the Python drivers in drivers.py.
Every process started here is stopped by its PID.

  python tests/bench/run.py [--quick] [--runs N] [--seconds S] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GHZ_VERSION = "v0.120.0"
GHZ = ROOT / ".cache" / "bin" / "ghz"
SERVICE = "taskqueue.v1.TaskQueueService"
CREATE_JSON = json.dumps(
    {
        "work_directory": "/home/user/project",
        "prompt": "Analyse the performance problems in this codebase",
        "priority": "PRIORITY_HIGH",
        "tags": ["performance"],
    }
)


def ensure_ghz() -> Path:
    if not GHZ.exists():
        print(f"installing ghz {GHZ_VERSION} with go install ...", flush=True)
        env = dict(os.environ, GOBIN=str(GHZ.parent))
        subprocess.run(
            ["go", "install", f"github.com/bojand/ghz/cmd/ghz@{GHZ_VERSION}"], env=env, check=True
        )
    return GHZ


@contextmanager
def process(args: list[str], ready: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Starts a server process, yields the HOST:PORT it printed, stops it by PID."""
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})),
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        address = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if ready in line:
                address = line.split(ready, 1)[1].split()[0]
                break
        if not address:
            raise RuntimeError(f"{args} did not start")
        yield address
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


@contextmanager
def echo_server() -> Iterator[str]:
    with process(
        [sys.executable, str(ROOT / "tests/bench/echo_server.py"), "--listen", "127.0.0.1:0"],
        "listening on ",
    ) as address:
        yield address


@contextmanager
def taskqueue_server(*extra: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tq-bench-") as tmp:
        args = [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
                "--db", f"{tmp}/bench.db", "--synchronous", "FULL", *extra]  # fmt: skip
        with process(args, f"serving {SERVICE} on ") as address:
            yield address


def limited_server() -> Any:
    """A server that lets one task per directory work at a time."""
    return taskqueue_server("--max-working-per-directory", "1")


@contextmanager
def secured_server() -> Iterator[tuple[str, str]]:
    """A server with authentication and every rate limit on (high enough never to refuse):
    the per-call cost of the security gate. Yields its address and a submitter key."""
    with tempfile.TemporaryDirectory(prefix="tq-bench-") as tmp:
        made = subprocess.run(
            [sys.executable, "-m", "taskqueue_server.main", "keys", "--db", f"{tmp}/bench.db",
             "create", "--role", "submitter", "--name", "bench"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        token = made.stdout.strip()
        args = [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
                "--db", f"{tmp}/bench.db", "--synchronous", "FULL", "--auth-enabled", "true",
                "--rate-limit-ip-per-second", "1e9", "--rate-limit-ip-burst", "1000000000",
                "--rate-limit-submitter-per-second", "1e9",
                "--rate-limit-submitter-burst", "1000000000"]  # fmt: skip
        with process(args, f"serving {SERVICE} on ") as address:
            yield address, token


def ghz(address: str, concurrency: int, seconds: float, token: str = "") -> dict[str, float]:
    metadata = ["--metadata", json.dumps({"authorization": f"Bearer {token}"})] if token else []
    command = [
        str(GHZ),
        "--insecure",
        "--cpus",
        "1",
        "-c",
        str(concurrency),
        "-z",
        f"{seconds:g}s",
        "--proto",
        str(ROOT / "proto/taskqueue/v1/taskqueue_service.proto"),
        "--import-paths",
        str(ROOT / "proto"),
        "--call",
        f"{SERVICE}/CreateTask",
        "-d",
        CREATE_JSON,
        *metadata,
        "-O",
        "json",
        address,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    lat = {d["percentage"]: d["latency"] / 1e6 for d in report.get("latencyDistribution") or []}
    # ghz cancels the calls still in flight when the duration ends (as Canceled, or as
    # Unavailable "use of closed network connection"): those are not errors.
    errors = sum(
        n
        for message, n in (report.get("errorDistribution") or {}).items()
        if "Canceled" not in message and "use of closed network connection" not in message
    )
    return {
        "ops_per_s": report["rps"],
        "p50_ms": lat.get(50, 0),
        "p99_ms": lat.get(99, 0),
        "errors": errors,
    }


def driver(mode: str, address: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests/bench/drivers.py"), mode, address, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def repeat(runs: int, server: Callable[[], Any], measure: Callable[[str], dict[str, float]]):  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        with server() as address:
            samples.append(measure(address))
    return samples


def summary(samples: list[dict[str, float]], key: str) -> dict[str, float]:
    values = [s[key] for s in samples]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 s per run, 3 runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--out", default=str(ROOT / "bench-results.json"))
    args = parser.parse_args()
    seconds = 1.0 if args.quick else args.seconds
    runs = max(3, args.runs)
    ensure_ghz()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "generator": f"ghz {GHZ_VERSION} (unary CreateTask, --cpus 1, one connection); "
        "Python grpc.aio drivers for the create-claim-complete cycle and stream delivery",
        "runs": runs,
        "seconds_per_run": seconds,
        "cases": {},
    }
    cases = results["cases"]
    servers = {"echo": echo_server, "taskqueue": taskqueue_server}
    for c in (1, 64):
        for name, server in servers.items():
            samples = repeat(runs, server, lambda a, c=c: ghz(a, c, seconds))
            cases[f"create c={c} {name}"] = {
                "ops_per_s": summary(samples, "ops_per_s"),
                "p50_ms": summary(samples, "p50_ms"),
                "p99_ms": summary(samples, "p99_ms"),
                "errors": sum(s["errors"] for s in samples),
            }
            print(f"create c={c} {name}: {cases[f'create c={c} {name}']}", flush=True)
    # Security cost: runs alternate between the plain server and one with authentication
    # and rate limits on, so that drift of this noisy machine hits both alike.
    plain, secured = [], []
    for _ in range(runs):
        with taskqueue_server() as address:
            plain.append(ghz(address, 64, seconds))
        with secured_server() as (address, token):
            secured.append(ghz(address, 64, seconds, token))
    for name, samples in (("plain", plain), ("auth+limits", secured)):
        cases[f"create c=64 {name}"] = {
            "ops_per_s": summary(samples, "ops_per_s"),
            "p99_ms": summary(samples, "p99_ms"),
            "errors": sum(s["errors"] for s in samples),
        }
        print(f"create c=64 {name}: {cases[f'create c=64 {name}']}", flush=True)
    for c in (1, 64):
        for name, server in servers.items():
            args_c = ["--concurrency", str(c), "--seconds", str(seconds)]
            samples = repeat(runs, server, lambda a, args_c=args_c: driver("cycle", a, *args_c))
            cases[f"cycle c={c} {name}"] = {
                "tasks_per_s": summary(samples, "tasks_per_s"),
                "errors": sum(s["errors"] for s in samples),
            }
            print(f"cycle c={c} {name}: {cases[f'cycle c={c} {name}']}", flush=True)
    rate = "50"
    samples = repeat(
        runs, echo_server, lambda a: driver("rtt", a, "--rate", rate, "--seconds", str(seconds))
    )
    cases["unary rtt echo"] = {k: summary(samples, k) for k in ("p50_ms", "p99_ms")}
    samples = repeat(
        runs,
        taskqueue_server,
        lambda a: driver("delivery", a, "--rate", rate, "--seconds", str(seconds)),
    )
    cases["delivery taskqueue"] = {k: summary(samples, k) for k in ("p50_ms", "p99_ms")}
    cases["delivery taskqueue"]["lost"] = sum(s["lost"] for s in samples)
    for name, server in servers.items():
        if name == "echo":
            continue
        args_b = ["--batch", "100", "--concurrency", "4", "--seconds", str(seconds)]
        samples = repeat(runs, server, lambda a, args_b=args_b: driver("batch", a, *args_b))
        cases["batch create 100 c=4 taskqueue"] = {"tasks_per_s": summary(samples, "tasks_per_s")}
        print(f"batch create: {cases['batch create 100 c=4 taskqueue']}", flush=True)
    for scenario in ("baseline", "busy_dirs", "tags"):
        args_s = ["--scenario", scenario, "--repeats", "200"]
        samples = repeat(
            runs, limited_server, lambda a, args_s=args_s: driver("claimcost", a, *args_s)
        )
        cases[f"claim cost {scenario}"] = {k: summary(samples, k) for k in ("claim_p50_ms",)}
        print(f"claim cost {scenario}: {cases[f'claim cost {scenario}']}", flush=True)
    size = 100_000 if args.quick else 1_000_000
    cases[f"list on {size} tasks"] = list_case(size)
    results["table"] = (
        table(cases, rate) + "\n\n" + list_table(cases[f"list on {size} tasks"], size)
    )
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(results["table"])
    print(f"\nwrote {args.out}")


def list_case(size: int) -> dict[str, Any]:
    """ListTasks latency through the server on a large database, plus the page and count
    statements timed alone on a reader connection (the server always does both)."""
    path = ROOT / ".cache" / f"bench-{size}.db"
    if not path.exists():
        print(f"building a {size}-task database (cached in {path}) ...", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "tests/bench/bigdb.py"), str(path), "--tasks", str(size)],
            check=True,
        )
    args = [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
            "--db", str(path)]  # fmt: skip
    import apsw

    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    end = int(conn.execute("SELECT max(time) FROM task_events").fetchone()[0]) + 1  # type: ignore[index]
    conn.close()
    with process(args, f"serving {SERVICE} on ") as address:
        api = driver("list", address, "--repeats", "10")
        stats = driver("stats", address, "--end-us", str(end), "--repeats", "10")
    return {"api": api, "sql": sql_timings(path), "stats": stats}


def sql_timings(path: Path) -> dict[str, dict[str, float]]:
    import apsw

    sys.path[:0] = [str(ROOT / "gen/python"), str(ROOT / "server"), str(ROOT / "tests/bench")]
    import drivers
    from taskqueue_server.model import ListOrder, Priority, TaskFilter, TaskQuery, TaskState
    from taskqueue_server.store import listing

    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    out: dict[str, dict[str, float]] = {}
    for name, request in drivers.LIST_QUERIES.items():
        f = TaskFilter(
            states=tuple(TaskState(s) for s in request.states),
            priorities=tuple(Priority(p) for p in request.priorities),
            work_directory=request.work_directory or None,
            tags=tuple(request.tags),
            worker_id=request.worker_id or None,
        )
        order = ListOrder(request.order_by) if request.order_by else ListOrder.CREATE_TIME
        query = TaskQuery(filter=f, order=order)
        page_ms, count_ms = [], []
        for _ in range(10):
            started = time.perf_counter()
            listing.page(conn, query)
            page_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            listing.count(conn, f)
            count_ms.append((time.perf_counter() - started) * 1000)
        out[name] = {"page_ms": statistics.median(page_ms), "count_ms": statistics.median(count_ms)}
    conn.close()
    return out


def list_table(case: dict[str, Any], size: int) -> str:
    rows = [f"ListTasks on {size} tasks (medians of 10)   "
            f"{'API first page ms':>18}{'API next page ms':>18}{'SQL page ms':>13}"
            f"{'SQL count ms':>14}{'total_size':>12}"]  # fmt: skip
    for name, api in case["api"].items():
        sql = case["sql"][name]
        rows.append(
            f"  {name:39}{api['first_page_p50_ms']:18.1f}{api['next_page_p50_ms']:18.1f}"
            f"{sql['page_ms']:13.1f}{sql['count_ms']:14.1f}{int(api['total_size']):12}"
        )
    stats = case["stats"]
    rows.append(
        f"GetStats, 24 h hourly trend: p50 {stats['p50_ms']:.1f} ms"
        f" ({int(stats['created_in_window'])} tasks created in the window)"
    )
    return "\n".join(rows)


def table(cases: dict[str, Any], rate: str) -> str:
    def fmt(s: dict[str, float]) -> str:
        return f"{s['median']:9.1f} ({s['min']:.1f}-{s['max']:.1f})"

    def row(label: str, tq: dict[str, float], echo: dict[str, float], ratio: str = "") -> str:
        return f"{label:40}{fmt(tq):28}{fmt(echo):28}{ratio}"

    rows = [f"{'case':40}{'taskqueue (min-max)':28}{'echo ceiling (min-max)':28}ratio"]
    for c in (1, 64):
        tq, echo = cases[f"create c={c} taskqueue"], cases[f"create c={c} echo"]
        ratio = tq["ops_per_s"]["median"] / echo["ops_per_s"]["median"]
        rows.append(
            row(f"CreateTask ops/s, c={c}", tq["ops_per_s"], echo["ops_per_s"], f"{ratio:5.2f}x")
        )
        rows.append(row(f"  CreateTask p99 ms, c={c}", tq["p99_ms"], echo["p99_ms"]))
    on, off = cases["create c=64 auth+limits"], cases["create c=64 plain"]
    ratio = on["ops_per_s"]["median"] / off["ops_per_s"]["median"]
    rows.append(
        f"{'CreateTask ops/s c=64, auth+rate limits':40}{fmt(on['ops_per_s']):28}"
        f"{fmt(off['ops_per_s']):28}{ratio:5.2f}x (vs the same server with them off)"
    )
    for c in (1, 64):
        tq, echo = cases[f"cycle c={c} taskqueue"], cases[f"cycle c={c} echo"]
        ratio = tq["tasks_per_s"]["median"] / echo["tasks_per_s"]["median"]
        rows.append(
            row(
                f"create+claim+complete tasks/s, c={c}",
                tq["tasks_per_s"],
                echo["tasks_per_s"],
                f"{ratio:5.2f}x",
            )
        )
    d, r = cases["delivery taskqueue"], cases["unary rtt echo"]
    rows.append(
        row(
            f"WatchNext delivery p50 ms @{rate}/s",
            d["p50_ms"],
            r["p50_ms"],
            "(echo: unary round trip)",
        )
    )
    rows.append(row(f"WatchNext delivery p99 ms @{rate}/s", d["p99_ms"], r["p99_ms"]))
    b = cases["batch create 100 c=4 taskqueue"]["tasks_per_s"]
    rows.append(f"{'BatchCreateTasks(100) tasks/s, c=4':40}{fmt(b):28}")
    base = cases["claim cost baseline"]["claim_p50_ms"]
    for scenario, label in (("busy_dirs", "1,000 busy directories"), ("tags", "1,000 untagged")):
        cost = cases[f"claim cost {scenario}"]["claim_p50_ms"]
        ratio = cost["median"] / base["median"]
        rows.append(
            f"{'ClaimTask p50 ms past ' + label:40}{fmt(cost):28}{fmt(base):28}"
            f"{ratio:5.2f}x (vs nothing to step over)"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    if shutil.which("go") is None and not GHZ.exists():
        sys.exit("make bench needs Go to install ghz (go install from the module proxy)")
    main()
