"""`make soak`: mixed load at half capacity for a long time, watching for leaks.

A taskqueue server (its own process, a backup every minute) gets, from a separate load
process, creates in batches at half the end-to-end capacity measured at the start, two
workers on the Work stream, and reads beside them (GetTask and ListTasks 20 times a second,
GetStats of the last 24 hours every 30 s). Every 10 s
the server's RSS and open file descriptors (psutil, by PID), its WAL size, writer queue and
completed count (GetServerStatus) are sampled into a CSV; a PNG charts RSS and throughput;
the server's log is kept beside them.

Pass: after the warm-up (5 minutes, or a third of a shorter run) RSS grows by less than 10%,
and descriptors, WAL size and the writer queue stay bounded.

  python tests/bench/soak.py [--minutes 30] [--out-dir soak-results]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "bench")]
SAMPLE_S = 10.0
PROMPT = "Analyse the performance problems in this codebase"


async def load(address: str, rate: float, seconds: float) -> None:
    """The load process: creates at `rate` tasks/s, two Work-stream workers, reads."""
    import grpc
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

    end = time.monotonic() + seconds
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        batch = 10
        create = pb.BatchCreateTasksRequest(
            requests=[pb.CreateTaskRequest(work_directory="/srv/soak", prompt=PROMPT)] * batch
        )
        last_id = ""

        async def submit() -> None:
            nonlocal last_id
            interval, due = batch / rate, time.monotonic()
            while time.monotonic() < end:
                created = await stub.BatchCreateTasks(create)
                last_id = created.tasks[-1].id
                due += interval
                await asyncio.sleep(max(0.0, due - time.monotonic()))

        async def work(n: int) -> None:
            outbox: asyncio.Queue[pb.WorkRequest] = asyncio.Queue()

            async def requests() -> Any:
                yield pb.WorkRequest(
                    subscribe=pb.WatchNextRequest(worker_id=f"soak-{n}", max_in_flight=64)
                )
                while True:
                    yield await outbox.get()

            call = stub.Work(requests())
            async for response in call:
                if response.tasks:
                    outbox.put_nowait(pb.WorkRequest(completions=[
                        pb.CompleteTaskRequest(task_id=t.task.id, lease_token=t.lease_token)
                        for t in response.tasks]))  # fmt: skip
                if time.monotonic() >= end:
                    call.cancel()
                    return

        async def read() -> None:
            while time.monotonic() < end:
                if last_id:
                    await stub.GetTask(pb.GetTaskRequest(task_id=last_id))
                await stub.ListTasks(pb.ListTasksRequest(page_size=20))
                await asyncio.sleep(0.05)

        async def stats() -> None:
            while time.monotonic() < end:
                await stub.GetStats(pb.GetStatsRequest())
                await asyncio.sleep(30)

        await asyncio.gather(submit(), work(0), work(1), read(), stats(), return_exceptions=True)


def status(address: str) -> Any:
    import grpc
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

    with grpc.insecure_channel(address) as channel:
        return pb_grpc.TaskQueueServiceStub(channel).GetServerStatus(
            pb.GetServerStatusRequest(), timeout=10
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--out-dir", default=str(ROOT / "soak-results"))
    parser.add_argument("--load", nargs=3, metavar=("ADDRESS", "RATE", "SECONDS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.load:
        address, rate, seconds = args.load
        asyncio.run(load(address, float(rate), float(seconds)))
        return
    import psutil
    import run as bench

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds = args.minutes * 60
    warmup = min(300.0, seconds / 3)
    with bench.taskqueue_server() as probe:
        capacity = bench.e2e("taskqueue", probe, 3.0)["tasks_per_s"]
    rate = capacity / 2
    print(f"end-to-end capacity {capacity:.0f} tasks/s; soaking at {rate:.0f}/s for"
          f" {args.minutes:g} min (warm-up {warmup / 60:.1f} min)", flush=True)  # fmt: skip
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="tq-soak-") as tmp:
        db = f"{tmp}/soak.db"
        server_args = [sys.executable, "-m", "taskqueue_server.main", "--listen",
                       "127.0.0.1:0", "--db", db, "--backup-interval-seconds", "60",
                       "--backup-keep", "3"]  # fmt: skip
        log = out / "soak-server.log"
        log.unlink(missing_ok=True)
        with bench.process(server_args, f"serving {bench.SERVICE} on ", log=log) as address:
            server_pid = next(
                p.pid for p in psutil.process_iter(["cmdline"])
                if p.info["cmdline"] and db in p.info["cmdline"]
            )  # fmt: skip
            server = psutil.Process(server_pid)
            loader = subprocess.Popen([sys.executable, __file__, "--load", address, str(rate),
                                       str(seconds)])  # fmt: skip
            try:
                started = time.monotonic()
                previous = 0
                while (elapsed := time.monotonic() - started) < seconds:
                    time.sleep(max(0.0, SAMPLE_S * (len(rows) + 1) - elapsed))
                    s = status(address)
                    done = s.tasks_by_state.completed
                    rows.append({
                        "t_s": round(time.monotonic() - started, 1),
                        "rss_mb": server.memory_info().rss / 2**20,
                        "fds": server.num_fds(),
                        "wal_mb": s.wal_size_bytes / 2**20,
                        "writer_queue": s.writer_queue_length,
                        "completed_per_s": (done - previous) / SAMPLE_S,
                        "db_mb": s.database_size_bytes / 2**20,
                    })  # fmt: skip
                    previous = done
                    print(json.dumps({k: round(v, 1) for k, v in rows[-1].items()}), flush=True)
            finally:
                if loader.poll() is None:
                    os.kill(loader.pid, signal.SIGTERM)
                loader.wait(30)
    verdict = judge(rows, warmup)
    write(out, rows, verdict, rate)
    print(verdict["summary"])
    sys.exit(0 if verdict["passed"] else 1)


def judge(rows: list[dict[str, float]], warmup: float) -> dict[str, Any]:
    after = [r for r in rows if r["t_s"] >= warmup] or rows[-1:]
    base, last = after[0]["rss_mb"], after[-1]["rss_mb"]
    growth = (last - base) / base
    fds = [r["fds"] for r in after]
    wal = max(r["wal_mb"] for r in rows)
    queue = max(r["writer_queue"] for r in rows)
    throughput = sum(r["completed_per_s"] for r in after) / len(after)
    checks = {
        "rss growth after warm-up < 10%": growth < 0.10,
        "open fds bounded (spread <= 16)": max(fds) - min(fds) <= 16,
        "WAL bounded (< 256 MB)": wal < 256,
        "writer queue bounded (< 1000)": queue < 1000,
    }
    failed = [name for name, ok in checks.items() if not ok]
    summary = (
        f"soak: RSS {base:.1f} -> {last:.1f} MB after warm-up ({growth:+.1%}); fds"
        f" {min(fds)}-{max(fds)}; WAL max {wal:.1f} MB; writer queue max {queue};"
        f" {throughput:.0f} tasks/s completed. "
        + ("FAIL: " + ", ".join(failed) if failed else "PASS")
    )
    return {"passed": all(checks.values()), "checks": checks, "summary": summary,
            "rss_growth": growth}  # fmt: skip


def write(out: Path, rows: list[dict[str, float]], verdict: dict[str, Any], rate: float) -> None:
    with open(out / "soak.csv", "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (out / "soak-summary.json").write_text(json.dumps({**verdict, "rate": rate}, indent=2))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, rss_axis = plt.subplots(figsize=(10, 5))
    minutes = [r["t_s"] / 60 for r in rows]
    rss_axis.plot(minutes, [r["rss_mb"] for r in rows], color="tab:blue", label="RSS (MB)")
    rss_axis.set_xlabel("minutes")
    rss_axis.set_ylabel("server RSS (MB)", color="tab:blue")
    rss_axis.set_ylim(bottom=0)
    rate_axis = rss_axis.twinx()
    rate_axis.plot(minutes, [r["completed_per_s"] for r in rows], color="tab:green",
                   label="completed tasks/s")  # fmt: skip
    rate_axis.set_ylabel("completed tasks/s", color="tab:green")
    rate_axis.set_ylim(bottom=0)
    figure.suptitle(verdict["summary"][:120], fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "soak.png", dpi=100)
    print(f"wrote {out / 'soak.csv'}, {out / 'soak.png'}, {out / 'soak-summary.json'}")


if __name__ == "__main__":
    main()
