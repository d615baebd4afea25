"""End to end: tasks/s from submit to completed, with one submitter and N workers, each in
its own process, against taskqueue, beanstalkd or huey. Prints one JSON object.

  python tests/bench/e2e.py taskqueue 127.0.0.1:PORT --workers 4 --seconds 5
  python tests/bench/e2e.py beanstalkd 127.0.0.1:PORT --workers 4 --seconds 5
  python tests/bench/e2e.py huey /tmp/huey.db --workers 4 --seconds 5
  python tests/bench/e2e.py pgqueuer postgresql://USER@HOST:PORT/DB --workers 4

taskqueue: BatchCreateTasks of 100 (two in flight) -> the Work stream (max_in_flight 256):
tasks come in batches, completions go back in batches on the same stream.
taskqueue-watch: the same over WatchNext + CompleteTasks of whatever finished meanwhile.
beanstalkd (greenstalk): put -> reserve -> delete. huey (SqliteHuey, fsync): enqueue ->
dequeue -> execute. pgqueuer: tests/bench/e2e_pgqueuer.py. The submitter keeps at most
BACKLOG tasks ahead of the workers, so the figure is a steady state, not a drain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from e2e_pgqueuer import pq_submitter, pq_worker

BACKLOG = 4000
PROMPT = "Analyse the performance problems in this codebase"


class Shared:
    def __init__(self, ctx: Any, seconds: float, warmup: float, parties: int) -> None:
        self.submitted: Synchronized[int] = ctx.Value("q", 0)
        self.completed: Synchronized[int] = ctx.Value("q", 0)
        self.measured: Synchronized[int] = ctx.Value("q", 0)
        self.window: Synchronized[float] = ctx.Value("d", seconds)  # what `measured` spans
        self.window_start: Synchronized[float] = ctx.Value("d", 0.0)  # time.time()
        self.connected = ctx.Barrier(parties)
        self.seconds = seconds
        self.warmup = warmup
        self.measure_from = self.end = 0.0  # set when everyone is connected

    def count(self, n: int) -> None:
        now = time.time()
        with self.completed.get_lock():
            self.completed.value += n
        if self.measure_from <= now < self.end:
            with self.measured.get_lock():
                self.measured.value += n

    def report_seconds(self, seconds: float) -> None:
        """For a peer that measures its own window (pgqueuer): how long it actually was."""
        self.window.value = seconds

    def ahead(self) -> int:
        return self.submitted.value - self.completed.value


def _wait_start(shared: Shared) -> None:
    """Waits until every process is connected; all start together, each with its own copy
    of the measuring window."""
    shared.connected.wait(timeout=60)
    shared.measure_from = time.time() + shared.warmup
    shared.end = shared.measure_from + shared.seconds
    shared.window_start.value = shared.measure_from  # any process's: they agree closely


# -- taskqueue ------------------------------------------------------------------------------


def tq_submitter(address: str, shared: Shared) -> None:
    import grpc
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

    batch = pb.BatchCreateTasksRequest(
        requests=[pb.CreateTaskRequest(work_directory="/srv/bench", prompt=PROMPT)] * 100
    )

    async def run() -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            await channel.channel_ready()
            _wait_start(shared)

            async def loop() -> None:
                while time.time() < shared.end:
                    if shared.ahead() > BACKLOG:
                        await asyncio.sleep(0.001)
                        continue
                    with shared.submitted.get_lock():
                        shared.submitted.value += 100
                    await stub.BatchCreateTasks(batch)

            await asyncio.gather(loop(), loop())

    asyncio.run(run())


def tq_worker(address: str, shared: Shared, n: int) -> None:
    import grpc
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

    async def run() -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            pending: list[pb.CompleteTaskRequest] = []
            wake = asyncio.Event()

            async def complete() -> None:
                while True:
                    await wake.wait()
                    wake.clear()
                    while pending:
                        batch = pending[:1000]
                        del pending[:1000]
                        answer = await stub.CompleteTasks(pb.CompleteTasksRequest(requests=batch))
                        shared.count(sum(1 for o in answer.outcomes if o.code == 0))

            completer = asyncio.create_task(complete())
            stream = stub.WatchNext(pb.WatchNextRequest(worker_id=f"bench-{n}", max_in_flight=256))
            _wait_start(shared)
            try:
                async for pushed in stream:
                    pending.append(
                        pb.CompleteTaskRequest(
                            task_id=pushed.task.id,
                            lease_token=pushed.lease_token,
                            original_prompt=pushed.task.prompt,
                        )
                    )
                    wake.set()
                    if time.time() >= shared.end:
                        break
            finally:
                stream.cancel()
                completer.cancel()

    asyncio.run(run())


def tq_work_worker(address: str, shared: Shared, n: int) -> None:
    """A worker on the Work stream: tasks arrive in batches, completions go back in
    batches on the same stream."""
    import grpc
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

    async def run() -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            outbox: asyncio.Queue[pb.WorkRequest] = asyncio.Queue()

            async def requests() -> Any:
                yield pb.WorkRequest(
                    subscribe=pb.WatchNextRequest(worker_id=f"bench-{n}", max_in_flight=256)
                )
                while True:
                    yield await outbox.get()

            call = stub.Work(requests())
            _wait_start(shared)
            try:
                async for response in call:
                    if response.tasks:
                        outbox.put_nowait(
                            pb.WorkRequest(
                                completions=[
                                    pb.CompleteTaskRequest(
                                        task_id=t.task.id,
                                        lease_token=t.lease_token,
                                        original_prompt=t.task.prompt,
                                    )
                                    for t in response.tasks
                                ]
                            )
                        )
                    if response.outcomes:
                        shared.count(sum(1 for o in response.outcomes if o.code == 0))
                    if time.time() >= shared.end:
                        break
            finally:
                call.cancel()

    asyncio.run(run())


# -- beanstalkd -----------------------------------------------------------------------------


def _beanstalk(address: str) -> Any:
    import greenstalk

    host, port = address.rsplit(":", 1)
    return greenstalk.Client((host, int(port)))


def bs_submitter(address: str, shared: Shared) -> None:
    client = _beanstalk(address)
    body = json.dumps({"work_directory": "/srv/bench", "prompt": PROMPT})
    _wait_start(shared)
    while time.time() < shared.end:
        if shared.ahead() > BACKLOG:
            time.sleep(0.001)
            continue
        client.put(body)
        with shared.submitted.get_lock():
            shared.submitted.value += 1
    client.close()


def bs_worker(address: str, shared: Shared, n: int) -> None:
    import greenstalk

    client = _beanstalk(address)
    _wait_start(shared)
    while time.time() < shared.end:
        try:
            job = client.reserve(timeout=1)
        except greenstalk.TimedOutError:
            continue
        json.loads(job.body)
        client.delete(job)
        shared.count(1)
    client.close()


# -- huey -----------------------------------------------------------------------------------


def _huey(path: str) -> Any:
    from huey import SqliteHuey

    return SqliteHuey("bench", filename=path, fsync=True, results=False)


def hy_submitter(path: str, shared: Shared) -> None:
    huey = _huey(path)
    work = huey.task()(_noop)
    _wait_start(shared)
    while time.time() < shared.end:
        if shared.ahead() > BACKLOG:
            time.sleep(0.001)
            continue
        work("/srv/bench", PROMPT)
        with shared.submitted.get_lock():
            shared.submitted.value += 1


def hy_worker(path: str, shared: Shared, n: int) -> None:
    huey = _huey(path)
    huey.task()(_noop)  # registered, as in a consumer
    _wait_start(shared)
    while time.time() < shared.end:
        task = huey.dequeue()
        if task is None:
            time.sleep(0.001)  # huey's own consumer polls too (with a longer backoff)
            continue
        huey.execute(task)
        shared.count(1)


def _noop(work_directory: str, prompt: str) -> None:
    return None


SYSTEMS = {
    "taskqueue": (tq_submitter, tq_work_worker),
    "taskqueue-watch": (tq_submitter, tq_worker),
    "beanstalkd": (bs_submitter, bs_worker),
    "huey": (hy_submitter, hy_worker),
    "pgqueuer": (pq_submitter, pq_worker),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("system", choices=sorted(SYSTEMS))
    parser.add_argument("target", help="HOST:PORT, or the huey database file")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    shared = Shared(ctx, args.seconds, args.warmup, parties=1 + args.workers)
    submitter, worker = SYSTEMS[args.system]
    procs = [ctx.Process(target=submitter, args=(args.target, shared))]
    procs += [
        ctx.Process(target=worker, args=(args.target, shared, n)) for n in range(args.workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=args.seconds + 60)
        if p.is_alive():
            p.kill()
            p.join()
    failed = sum(1 for p in procs if p.exitcode not in (0, None))
    print(
        json.dumps(
            {
                "tasks_per_s": shared.measured.value / shared.window.value,
                "completed": shared.completed.value,
                "failed_processes": failed,
                "window_start": shared.window_start.value,
                "window_seconds": shared.window.value,
            }
        )
    )


if __name__ == "__main__":
    main()
