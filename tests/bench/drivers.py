"""Python load drivers for what the unary load generator (loadgen) cannot do: chained calls
and stream delivery latency.

Each runs in its own process against a server address and prints one JSON object.

  python tests/bench/drivers.py cycle ADDRESS --concurrency 64 --seconds 5
  python tests/bench/drivers.py delivery ADDRESS --rate 50 --seconds 5
  python tests/bench/drivers.py rtt ADDRESS --rate 50 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import time
from typing import Any

import grpc
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

PROMPT = "Analyse the performance problems in this codebase"
CREATE = pb.CreateTaskRequest(
    work_directory="/home/user/project",
    prompt=PROMPT,
    priority=task_pb2.PRIORITY_HIGH,
    tags=["performance"],
)
WARMUP_S = 1.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def cycle(address: str, concurrency: int, seconds: float) -> dict[str, float]:
    """create -> claim -> complete (with the prompt check), `concurrency` loops at once."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        start = time.monotonic()
        measure_from, end = start + WARMUP_S, start + WARMUP_S + seconds
        done = 0
        errors = 0

        async def loop(n: int) -> None:
            nonlocal done, errors
            worker = f"bench-{n}"
            while (now := time.monotonic()) < end:
                try:
                    await stub.CreateTask(CREATE)
                    got = await stub.ClaimTask(pb.ClaimTaskRequest(worker_id=worker))
                    await stub.CompleteTask(
                        pb.CompleteTaskRequest(
                            task_id=got.task.id or "00000000-0000-4000-8000-000000000000",
                            lease_token=got.lease_token,
                            original_prompt=PROMPT,
                        )
                    )
                except grpc.aio.AioRpcError:
                    errors += 1
                    continue
                if now >= measure_from:
                    done += 1

        await asyncio.gather(*(loop(n) for n in range(concurrency)))
        return {"tasks_per_s": done / seconds, "errors": errors}


async def _watch_and_complete(
    address: str, worker_id: str, out: Any, ready: Any, stop: Any
) -> None:
    """A worker of `delivery`: one WatchNext stream; what arrives is completed in batches
    (CompleteTasks). Once the ids created arrive through `stop` and all of them were received
    by some worker (what this one has not got by then: 10 s at most, the others took it),
    sends {task id: perf_counter at receipt} through `out`."""
    received: dict[str, float] = {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        stream = stub.WatchNext(pb.WatchNextRequest(worker_id=worker_id, max_in_flight=256))
        pending: list[pb.CompleteTaskRequest] = []
        wake = asyncio.Event()

        async def consume() -> None:
            async for pushed in stream:
                received[pushed.task.id] = time.perf_counter()
                pending.append(
                    pb.CompleteTaskRequest(task_id=pushed.task.id, lease_token=pushed.lease_token)
                )
                wake.set()

        async def complete() -> None:
            while True:
                await wake.wait()
                wake.clear()
                while pending:
                    batch = pending[:1000]
                    del pending[:1000]
                    await stub.CompleteTasks(pb.CompleteTasksRequest(requests=batch))

        workers = [asyncio.create_task(consume()), asyncio.create_task(complete())]
        await stub.GetStats(pb.GetStatsRequest())  # connected
        ready.set()
        # The producer says when it is done creating; then every task it created has reached
        # some worker once none is waiting or working any more (a task is completed only
        # after its worker received it): 10 s at most.
        await asyncio.to_thread(stop.recv)
        unfinished = pb.ListTasksRequest(
            states=[task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING], page_size=1
        )
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            if (await stub.ListTasks(unfinished)).total_size == 0:
                break
            await asyncio.sleep(0.02)
        stream.cancel()
        for worker in workers:
            worker.cancel()
    out.send(received)


def _worker_process(address: str, worker_id: str, out: Any, ready: Any, stop: Any) -> None:
    asyncio.run(_watch_and_complete(address, worker_id, out, ready, stop))


def delivery(address: str, rate: float, seconds: float, workers: int = 4) -> dict[str, float]:
    """Creates at `rate`/s, on a schedule (not after the previous create returned), while
    `workers` workers, each in its own process (as workers are; as many as the end-to-end
    case that measured the capacity), take tasks over WatchNext. Latency: the create call
    returned (or the push arrived first: 0) -> a worker received the task. All processes
    read CLOCK_MONOTONIC (time.perf_counter), which they share."""
    ctx = mp.get_context("spawn")
    links = []
    for n in range(workers):
        inbox, outbox = ctx.Pipe(duplex=False)
        done_in, done_out = ctx.Pipe(duplex=False)
        ready = ctx.Event()
        process = ctx.Process(
            target=_worker_process, args=(address, f"bench-watcher-{n}", outbox, ready, done_in)
        )
        process.start()
        links.append((process, inbox, done_out, ready))
    received: dict[str, float] = {}
    try:
        for _process, _inbox, _done, ready in links:
            if not ready.wait(30):
                raise RuntimeError("a delivery worker did not connect")
        created, achieved = asyncio.run(_create_on_schedule(address, rate, seconds))
        for _process, _inbox, done_out, _ready in links:
            done_out.send(list(created))
        for _process, inbox, _done, _ready in links:
            if inbox.poll(20):
                received.update(inbox.recv())
    finally:
        for process, *_ in links:
            process.join(10)
            if process.is_alive():
                process.kill()
    lat = [max(0.0, received[k] - v) * 1000 for k, v in created.items() if k in received]
    return {
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "delivered": len(lat),
        "lost": len(created) - len(lat),
        "achieved_rate": achieved,
    }


async def _create_on_schedule(
    address: str, rate: float, seconds: float
) -> tuple[dict[str, float], float]:
    """Creates go out on a fixed tick (about every 20 ms, or slower for low rates) as one
    CreateTask or one BatchCreateTasks: the submission path of the end-to-end case.
    Returns {task id: perf_counter when its create returned} for the measured part, and
    the rate achieved."""
    created: dict[str, float] = {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)

        async def create(count: int, measured: bool) -> None:
            if count == 1:
                tasks = [(await stub.CreateTask(CREATE)).task]
            else:
                request = pb.BatchCreateTasksRequest(requests=[CREATE] * count)
                tasks = list((await stub.BatchCreateTasks(request)).tasks)
            if measured:
                returned = time.perf_counter()
                for task in tasks:
                    created[task.id] = returned

        per_tick = max(1, round(rate * 0.02))
        tick = per_tick / rate
        ticks = int((seconds + WARMUP_S) / tick)
        creates = []
        t0 = time.perf_counter()
        for i in range(ticks):
            delay = t0 + i * tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            creates.append(asyncio.create_task(create(per_tick, i * tick >= WARMUP_S)))
        await asyncio.gather(*creates)
        sent_for = time.perf_counter() - t0
    return created, ticks * per_tick / sent_for


async def claim_scale(address: str, repeats: int) -> dict[str, float]:
    """ClaimTask latency on whatever the database holds (the scale case: 1,000 or
    1,000,000 waiting tasks); each claimed task is completed."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        latencies = []
        for _ in range(repeats):
            started = time.perf_counter()
            got = await stub.ClaimTask(pb.ClaimTaskRequest(worker_id="bench"))
            latencies.append((time.perf_counter() - started) * 1000)
            assert got.task.id, "the database ran out of waiting tasks"
            await stub.CompleteTask(
                pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token)
            )
        return {
            "claim_p50_ms": percentile(latencies, 50),
            "claim_p99_ms": percentile(latencies, 99),
        }


async def rtt(address: str, rate: float, seconds: float) -> dict[str, float]:
    """Unary CreateTask round trips at `rate`/s: the reference for delivery latency."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        lat: list[float] = []
        interval = 1.0 / rate
        total = int(rate * (seconds + WARMUP_S))
        t0 = time.perf_counter()
        for i in range(total):
            delay = t0 + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.perf_counter()
            await stub.CreateTask(CREATE)
            if i >= rate * WARMUP_S:
                lat.append((time.perf_counter() - sent) * 1000)
        return {
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "mean_ms": statistics.fmean(lat),
        }


LIST_QUERIES: dict[str, pb.ListTasksRequest] = {
    "waiting, oldest first": pb.ListTasksRequest(states=[task_pb2.TASK_STATE_WAITING]),
    "waiting, claim order": pb.ListTasksRequest(
        states=[task_pb2.TASK_STATE_WAITING], order_by="priority"
    ),
    "one directory": pb.ListTasksRequest(work_directory="/srv/project-0042"),
    "directory + waiting": pb.ListTasksRequest(
        work_directory="/srv/project-0042", states=[task_pb2.TASK_STATE_WAITING]
    ),
    "failed, newest first": pb.ListTasksRequest(
        states=[task_pb2.TASK_STATE_FAILED], order_by="create_time desc"
    ),
    "two tags": pb.ListTasksRequest(tags=["tag3", "tag7"]),
    "one worker": pb.ListTasksRequest(worker_id="worker-42"),
    "high priority": pb.ListTasksRequest(priorities=[task_pb2.PRIORITY_HIGH]),
    "completed (85% match)": pb.ListTasksRequest(states=[task_pb2.TASK_STATE_COMPLETED]),
    "everything": pb.ListTasksRequest(),
}


async def list_latency(address: str, repeats: int) -> dict[str, dict[str, float]]:
    """Latency of the first and of a later page (page_size 50) of each list query."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        out: dict[str, dict[str, float]] = {}
        for name, request in LIST_QUERIES.items():
            first: list[float] = []
            later: list[float] = []
            total = 0
            for _ in range(repeats):
                started = time.perf_counter()
                page = await stub.ListTasks(request, timeout=30)
                first.append((time.perf_counter() - started) * 1000)
                total = page.total_size
                if page.next_page_token:
                    nxt = pb.ListTasksRequest()
                    nxt.CopyFrom(request)
                    nxt.page_token = page.next_page_token
                    started = time.perf_counter()
                    await stub.ListTasks(nxt, timeout=30)
                    later.append((time.perf_counter() - started) * 1000)
            out[name] = {
                "first_page_p50_ms": percentile(first, 50),
                "next_page_p50_ms": percentile(later, 50),
                "total_size": total,
            }
        return out


async def stats_latency(address: str, end_us: int, repeats: int) -> dict[str, float]:
    """GetStats over the 24 hours before `end_us` with hourly buckets."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        request = pb.GetStatsRequest(bucket=pb.STATS_BUCKET_HOUR)
        request.end_time.FromMicroseconds(end_us)
        request.start_time.FromMicroseconds(end_us - 86_400_000_000)
        latencies = []
        created = 0
        for _ in range(repeats):
            started = time.perf_counter()
            response = await stub.GetStats(request, timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)
            created = response.window.created
        return {"p50_ms": percentile(latencies, 50), "created_in_window": created}


async def claim_cost(address: str, scenario: str, repeats: int) -> dict[str, float]:
    """Median ClaimTask latency for tasks that sit behind 1,000 tasks the claim must step
    over: of 1,000 busy directories (server run with --max-working-per-directory 1), or
    lacking the wanted tag. "baseline" has nothing to step over."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)

        async def batch(requests: list[pb.CreateTaskRequest]) -> None:
            for i in range(0, len(requests), 500):
                await stub.BatchCreateTasks(
                    pb.BatchCreateTasksRequest(requests=requests[i : i + 500])
                )

        high = task_pb2.PRIORITY_HIGH
        if scenario == "busy_dirs":
            dirs = [f"/busy/{i:04}" for i in range(1000)]
            await batch([pb.CreateTaskRequest(work_directory=d, prompt="first", priority=high)
                         for d in dirs])  # fmt: skip
            for _ in dirs:  # every directory now has a working task
                await stub.ClaimTask(pb.ClaimTaskRequest(worker_id="holder"))
            await batch([pb.CreateTaskRequest(work_directory=d, prompt="second", priority=high)
                         for d in dirs])  # fmt: skip
        elif scenario == "tags":
            await batch([pb.CreateTaskRequest(work_directory="/cpu", prompt="cpu",
                                              priority=high, tags=["cpu"])
                         for _ in range(1000)])  # fmt: skip
        wanted = ["gpu"] if scenario == "tags" else []
        await batch([pb.CreateTaskRequest(work_directory="/free", prompt="free", tags=["gpu"])
                     for _ in range(repeats)])  # fmt: skip
        latencies = []
        for _ in range(repeats):
            started = time.perf_counter()
            got = await stub.ClaimTask(pb.ClaimTaskRequest(worker_id="bench", tags=wanted))
            latencies.append((time.perf_counter() - started) * 1000)
            assert got.task.prompt == "free", got.task.prompt
            await stub.CompleteTask(pb.CompleteTaskRequest(task_id=got.task.id))
        return {
            "claim_p50_ms": percentile(latencies, 50),
            "claim_p99_ms": percentile(latencies, 99),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    modes = ["cycle", "delivery", "rtt", "list", "claimcost", "stats", "claimscale"]
    parser.add_argument("mode", choices=modes)
    parser.add_argument("--end-us", type=int, default=0)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("address")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    if args.mode == "cycle":
        out = asyncio.run(cycle(args.address, args.concurrency, args.seconds))
    elif args.mode == "delivery":
        out = delivery(args.address, args.rate, args.seconds)
    elif args.mode == "rtt":
        out = asyncio.run(rtt(args.address, args.rate, args.seconds))
    elif args.mode == "list":
        out = asyncio.run(list_latency(args.address, args.repeats))  # type: ignore[arg-type]
    elif args.mode == "stats":
        out = asyncio.run(stats_latency(args.address, args.end_us, args.repeats))
    elif args.mode == "claimscale":
        out = asyncio.run(claim_scale(args.address, args.repeats))
    else:
        out = asyncio.run(claim_cost(args.address, args.scenario, args.repeats))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
