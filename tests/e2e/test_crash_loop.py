"""Kill the server with SIGKILL at random moments under mixed load, 20 times, and check after
every restart that nothing acknowledged was lost and every task's story is consistent."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw
import grpc
import psycopg
import pytest
from google.protobuf import duration_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from psycopg import sql
from support import ServerProcess, create_request, schema_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

KILLS = 20
LEASE = duration_pb2.Duration(seconds=2)
WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
COMPLETED, FAILED = task_pb2.TASK_STATE_COMPLETED, task_pb2.TASK_STATE_FAILED
CANCELLED = task_pb2.TASK_STATE_CANCELLED
ALLOWED = {
    (None, WAITING), (WAITING, WORKING), (WORKING, COMPLETED), (WORKING, FAILED),
    (WORKING, WAITING), (WAITING, CANCELLED), (FAILED, WAITING), (WAITING, WAITING),
}  # fmt: skip


@dataclass
class Ledger:
    """What the server acknowledged, as the clients saw it."""

    created: dict[str, str] = field(default_factory=dict)  # request_id -> task id
    unacknowledged: dict[str, pb.CreateTaskRequest] = field(default_factory=dict)
    completed: dict[str, str] = field(default_factory=dict)  # task id -> worker
    cancelled: set[str] = field(default_factory=set)


async def load(address: str, ledger: Ledger, rng: random.Random, stop: asyncio.Event) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)

        async def creator() -> None:
            # First replay what the last server died under: the request id makes it safe.
            replays = list(ledger.unacknowledged.items())
            while not stop.is_set():
                if replays:
                    request_id, request = replays.pop()
                else:
                    request_id = str(uuid.uuid4())
                    request = create_request(prompt=f"crash {request_id}", request_id=request_id)
                    ledger.unacknowledged[request_id] = request
                response = await stub.CreateTask(request, timeout=5)
                ledger.created[request_id] = response.task.id
                ledger.unacknowledged.pop(request_id, None)

        async def worker(name: str) -> None:
            while not stop.is_set():
                got = await stub.ClaimTask(
                    pb.ClaimTaskRequest(worker_id=name, lease_duration=LEASE), timeout=5
                )
                if not got.HasField("task"):
                    await asyncio.sleep(0.01)
                    continue
                roll = rng.random()
                if roll < 0.75:
                    await stub.CompleteTask(
                        pb.CompleteTaskRequest(task_id=got.task.id, lease_token=got.lease_token),
                        timeout=5,
                    )
                    ledger.completed[got.task.id] = name
                elif roll < 0.9:
                    await stub.FailTask(
                        pb.FailTaskRequest(
                            task_id=got.task.id, lease_token=got.lease_token, error="flaky"
                        ),
                        timeout=5,
                    )
                # else: the worker "crashes" and the lease must bring the task back

        async def steerer() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.02)
                if ledger.created and rng.random() < 0.5:
                    task_id = rng.choice(list(ledger.created.values()))
                    try:
                        await stub.CancelTask(
                            pb.CancelTaskRequest(task_id=task_id, reason="crash test"), timeout=5
                        )
                        ledger.cancelled.add(task_id)
                    except grpc.aio.AioRpcError as exc:
                        if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                            raise
                failed = await stub.ListTasks(
                    pb.ListTasksRequest(states=[FAILED], page_size=5), timeout=5
                )
                for task in failed.tasks:
                    try:
                        await stub.RetryTask(pb.RetryTaskRequest(task_id=task.id), timeout=5)
                    except grpc.aio.AioRpcError as exc:
                        if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                            raise

        jobs = [creator(), creator(), creator(), worker("w1"), worker("w2"), worker("w3"),
                steerer()]  # fmt: skip
        results = await asyncio.gather(*jobs, return_exceptions=True)
        for result in results:  # only the kill may end the load
            if isinstance(result, grpc.aio.AioRpcError):
                assert result.code() in (
                    grpc.StatusCode.UNAVAILABLE,
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    grpc.StatusCode.CANCELLED,
                ), result
            elif isinstance(result, BaseException):
                raise result


TASKS_SQL = "SELECT seq, id, state, lease_expire_time, lease_token, request_id FROM tasks"
EVENTS_SQL = "SELECT task_seq, from_state, to_state, actor FROM task_events ORDER BY event_id"


@dataclass
class Database:
    """Where the server under test keeps its data: an SQLite file, or a PostgreSQL schema."""

    path: Path
    postgres: str = ""
    schema: str = ""

    def server_args(self) -> tuple[str, ...]:
        return ("--db", self.postgres, "--db-schema", self.schema) if self.postgres else ()

    def read(self) -> tuple[list[Any], list[Any]]:
        """The task and event rows, from one snapshot (the server's reaper may commit)."""
        if self.postgres:
            with psycopg.connect(self.postgres, autocommit=True) as conn:
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                tasks = conn.execute(TASKS_SQL).fetchall()
                events = conn.execute(EVENTS_SQL).fetchall()
                conn.execute("COMMIT")
                return tasks, events
        conn = apsw.Connection(str(self.path), flags=apsw.SQLITE_OPEN_READONLY)
        conn.execute("BEGIN")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            return conn.execute(TASKS_SQL).fetchall(), conn.execute(EVENTS_SQL).fetchall()
        finally:
            conn.execute("COMMIT")
            conn.close()


def check_invariants(db: Database, ledger: Ledger) -> Counter[int]:
    rows, event_rows = db.read()
    by_id = {r[1]: r for r in rows}
    for request_id, task_id in ledger.created.items():
        assert task_id in by_id, f"acknowledged create {task_id} is gone"
        assert by_id[task_id][5] == request_id
    events: dict[int, list[tuple[int | None, int, str]]] = {}
    for seq, from_state, to_state, actor in event_rows:
        events.setdefault(seq, []).append((from_state, to_state, actor))
    states: Counter[int] = Counter()
    for seq, task_id, state, lease_expire, token, _ in rows:
        states[state] += 1
        history = events[seq]
        assert history[-1][1] == state, f"{task_id}: history ends in another state"
        previous = None
        claimer = None
        completions = 0
        for from_state, to_state, actor in history:
            assert from_state == previous and (from_state, to_state) in ALLOWED, history
            if to_state == WORKING:
                claimer = actor
            if to_state == COMPLETED:
                completions += 1
                assert actor == claimer, f"{task_id} completed by {actor}, held by {claimer}"
            previous = to_state
        assert completions <= 1
        if state == WORKING:
            assert lease_expire is not None and token is not None
    for task_id, worker in ledger.completed.items():
        assert by_id[task_id][2] == COMPLETED, f"acknowledged completion of {task_id} lost"
        assert events[by_id[task_id][0]][-1][2] == worker
    for task_id in ledger.cancelled:
        assert by_id[task_id][2] == CANCELLED
    return states


async def serving(address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="taskqueue.v1.TaskQueueService"),
            wait_for_ready=True,
            timeout=30,
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_twenty_kills_lose_nothing_acknowledged(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if store == "postgres" else ""
    db = Database(tmp_path / "crash.db", url, schema_for(tmp_path) if url else "")
    rng = random.Random(20261128)
    ledger = Ledger()
    recoveries: list[float] = []
    killed_at: float | None = None
    for _ in range(KILLS):
        proc = ServerProcess(db.path, *db.server_args())
        address = await asyncio.to_thread(proc.start)
        await serving(address)
        if killed_at is not None:
            recoveries.append(time.monotonic() - killed_at)
        check_invariants(db, ledger)
        stop = asyncio.Event()
        running = asyncio.create_task(load(address, ledger, rng, stop))
        await asyncio.sleep(rng.uniform(0.2, 0.8))  # the kill lands at a random moment
        assert proc.proc is not None
        os.kill(proc.proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        stop.set()
        await asyncio.to_thread(proc.kill)  # reap it
        await asyncio.wait_for(running, 30)
    proc = ServerProcess(db.path, *db.server_args())
    address = await asyncio.to_thread(proc.start)
    try:
        await serving(address)
        recoveries.append(time.monotonic() - killed_at)  # type: ignore[operator]
        states = check_invariants(db, ledger)
        # Every task whose lease was held when a server died returns to waiting once it
        # runs out (leases are 2 s); nothing stays working for good.
        deadline = time.monotonic() + 10
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            while True:
                working = await stub.ListTasks(pb.ListTasksRequest(states=[WORKING]))
                if working.total_size == 0:
                    break
                assert time.monotonic() < deadline, "working tasks never went back to waiting"
                await asyncio.sleep(0.2)
        check_invariants(db, ledger)
    finally:
        proc.kill()
    assert len(ledger.created) > 100 and len(ledger.completed) > 50, (ledger, states)
    print(
        f"\n{KILLS} kills: {len(ledger.created)} acknowledged creates, "
        f"{len(ledger.completed)} completions, {len(ledger.cancelled)} cancels, all intact; "
        f"states {dict(states)}; kill to SERVING: median"
        f" {sorted(recoveries)[len(recoveries) // 2]:.2f}s, max {max(recoveries):.2f}s"
    )
    assert max(recoveries) < 30 and sorted(recoveries)[len(recoveries) // 2] < 2.0
