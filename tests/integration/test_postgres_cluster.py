"""Three taskqueue servers, each its own process, on one PostgreSQL schema (issue 26): they
drain a queue together delivering every task once; a cancel racing a claim on other servers
has one winner; a frozen leader is replaced. Servers killed with SIGKILL one after another
(the leader among them) should lose no acknowledged task and complete none twice: that test
is written but skipped, unfinished."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import psycopg
import pytest
from google.protobuf import duration_pb2
from psycopg import sql
from support import ServerProcess, create_request, schema_for, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc
from taskqueue_server.model import TaskState

pytestmark = pytest.mark.anyio

LEASE = duration_pb2.Duration(seconds=2)


class Cluster:
    """`count` server processes on one schema, each restartable; stopped by their PIDs."""

    def __init__(self, url: str, directory: Path, count: int, *extra: str) -> None:
        self.url, self.schema = url, schema_for(directory)
        self._args = ("--db", url, "--db-schema", self.schema,
                      "--backup-dir", str(directory / "backups"), *extra)  # fmt: skip
        self._db_path = directory / "unused.db"
        self.procs = [ServerProcess(self._db_path, *self._args) for _ in range(count)]
        self._channels: dict[str, grpc.aio.Channel] = {}

    def start(self, index: int) -> None:
        self.procs[index] = ServerProcess(self._db_path, *self._args)
        self.procs[index].start()

    @property
    def addresses(self) -> list[str]:
        return [p.address for p in self.procs  # serving (a starting one has no address yet)
                if p.address and p.proc is not None and p.proc.poll() is None]  # fmt: skip

    def stub(self, address: str) -> pb_grpc.TaskQueueServiceStub:
        if address not in self._channels:
            self._channels[address] = grpc.aio.insecure_channel(address)
        return pb_grpc.TaskQueueServiceStub(self._channels[address])

    def stubs(self) -> list[pb_grpc.TaskQueueServiceStub]:
        return [self.stub(a) for a in self.addresses]

    async def leader(self) -> str | None:
        """The address of the live leader, as a live server's status says."""
        for address in self.addresses:
            with contextlib.suppress(grpc.aio.AioRpcError):
                status = await self.stub(address).GetServerStatus(pb.GetServerStatusRequest())
                leaders = [s.address for s in status.servers if s.leader and s.live]
                return leaders[0] if len(leaders) == 1 else None
        return None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


@contextlib.contextmanager
def cluster_of(url: str, directory: Path, count: int, *extra: str) -> Iterator[Cluster]:
    cluster = Cluster(url, directory, count, *extra)
    try:
        for i in range(count):
            cluster.start(i)
        yield cluster
    finally:
        for proc in cluster.procs:
            if proc.proc is not None and proc.proc.poll() is None:
                os.kill(proc.proc.pid, signal.SIGCONT)  # a frozen one too
            proc.kill()


async def test_three_servers_drain_5000_tasks_delivering_each_once(
    postgres_url: str, tmp_path: Path
) -> None:
    with cluster_of(postgres_url, tmp_path, 3) as cluster:
        stubs = cluster.stubs()
        made = await asyncio.gather(*(
            stubs[i % 3].BatchCreateTasks(pb.BatchCreateTasksRequest(
                requests=[create_request(prompt=f"task {i}.{j}") for j in range(100)]))
            for i in range(50)
        ))  # fmt: skip
        created = {t.id for m in made for t in m.tasks}
        assert len(created) == 5000
        delivered: Counter[str] = Counter()
        by_server: Counter[int] = Counter()
        completed: set[str] = set()
        all_done = asyncio.Event()

        async def complete(server: int, task_id: str, token: str) -> None:
            await stubs[server].CompleteTask(
                pb.CompleteTaskRequest(task_id=task_id, lease_token=token)
            )
            completed.add(task_id)
            if len(completed) == len(created):
                all_done.set()

        async def claimer(server: int) -> None:
            while True:  # every task exists already: an empty claim means all are taken
                got = await stubs[server].ClaimTask(pb.ClaimTaskRequest(worker_id=f"c{server}"))
                if not got.task.id:
                    return
                delivered[got.task.id] += 1
                by_server[server] += 1
                await complete(server, got.task.id, got.lease_token)

        async def watcher(server: int) -> None:
            stream = stubs[server].WatchNext(pb.WatchNextRequest(worker_id=f"w{server}",
                                                                 max_in_flight=8))  # fmt: skip
            try:
                async for pushed in stream:
                    delivered[pushed.task.id] += 1
                    by_server[server] += 1
                    await complete(server, pushed.task.id, pushed.lease_token)
            finally:
                stream.cancel()

        watchers = [asyncio.create_task(watcher(i % 3)) for i in range(4)]
        await asyncio.gather(*(claimer(i % 3) for i in range(8)))
        await asyncio.wait_for(all_done.wait(), 120)
        for w in watchers:
            w.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        assert set(delivered) == created and set(delivered.values()) == {1}
        assert sorted(by_server) == [0, 1, 2], f"every server delivered some: {by_server}"
        done = await stubs[0].ListTasks(
            pb.ListTasksRequest(states=[task_pb2.TASK_STATE_COMPLETED], page_size=1)
        )  # fmt: skip
        assert done.total_size == 5000
        await cluster.close()


async def test_a_cancel_racing_a_claim_on_other_servers_has_one_winner(
    postgres_url: str, tmp_path: Path
) -> None:
    with cluster_of(postgres_url, tmp_path, 3) as cluster:
        stubs = cluster.stubs()
        outcomes: Counter[str] = Counter()
        for round_ in range(200):
            directory = f"/srv/race-{round_}"
            made = await stubs[round_ % 3].CreateTask(create_request(work_directory=directory))
            task_id = made.task.id

            async def cancel(stub: pb_grpc.TaskQueueServiceStub, task_id: str = task_id) -> bool:
                try:
                    await stub.CancelTask(pb.CancelTaskRequest(task_id=task_id, reason="race"))
                except grpc.aio.AioRpcError as exc:
                    _expect(exc, grpc.StatusCode.FAILED_PRECONDITION)
                    return False
                return True

            claim, cancelled = await asyncio.gather(
                stubs[(round_ + 1) % 3].ClaimTask(
                    pb.ClaimTaskRequest(worker_id="w", work_directory=directory)
                ),
                cancel(stubs[(round_ + 2) % 3]),
            )
            state = (await stubs[round_ % 3].GetTask(pb.GetTaskRequest(task_id=task_id))).task
            claimed = claim.task.id == task_id
            assert claimed != cancelled, f"round {round_}: claimed and cancelled"
            expected = task_pb2.TASK_STATE_WORKING if claimed else task_pb2.TASK_STATE_CANCELLED
            assert state.state == expected, f"round {round_}: {state.state}"
            outcomes["claimed" if claimed else "cancelled"] += 1
        assert sum(outcomes.values()) == 200
        await cluster.close()


@pytest.mark.skip(
    reason="unfinished (issue 26): the load stops making progress after the first kills;"
    " whether the test's workers or the servers are at fault is not yet known"
)
async def test_servers_killed_one_after_another_lose_nothing_and_complete_nothing_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    """Under load (3 submitters, 4 WatchNext workers with 2 s leases, on every server), a
    server is killed with SIGKILL and started again 10 times, the leader at least 3 of
    them: every acknowledged task ends completed, once; the tasks the killed server's
    streams held come back after their lease; the leader's duties resume within 10 s."""
    rng = random.Random(26)
    with cluster_of(postgres_url, tmp_path, 3) as cluster:
        acknowledged: set[str] = set()
        completions: Counter[str] = Counter()
        delivered: Counter[str] = Counter()
        stop = asyncio.Event()
        progress = asyncio.Event()

        def any_stub() -> pb_grpc.TaskQueueServiceStub:
            return cluster.stub(rng.choice(cluster.addresses))

        async def submitter(n: int) -> None:
            while not stop.is_set():
                request = create_request(prompt=f"from {n}", request_id=uuid.uuid4().hex)
                while True:  # the same request id on another server until acknowledged
                    try:
                        made = await any_stub().CreateTask(request, timeout=10)
                    except grpc.aio.AioRpcError as exc:
                        _expect(exc, *_GONE)
                        continue
                    acknowledged.add(made.task.id)
                    break

        async def worker(n: int) -> None:
            while True:  # until cancelled, once every acknowledged task is completed
                stub = any_stub()
                stream = stub.WatchNext(pb.WatchNextRequest(worker_id=f"w{n}", max_in_flight=4,
                                                            lease_duration=LEASE))  # fmt: skip
                try:
                    async for pushed in stream:
                        delivered[pushed.task.id] += 1
                        try:
                            done = pb.CompleteTaskRequest(
                                task_id=pushed.task.id, lease_token=pushed.lease_token
                            )
                            await stub.CompleteTask(done)
                        except grpc.aio.AioRpcError as exc:
                            if exc.code() in _GONE:
                                break
                            _expect(exc, grpc.StatusCode.FAILED_PRECONDITION)
                            continue  # its lease was lost: it runs out, the task comes back
                        completions[pushed.task.id] += 1
                        progress.set()
                except grpc.aio.AioRpcError as exc:
                    _expect(exc, *_GONE)
                finally:
                    stream.cancel()

        loads = [asyncio.create_task(submitter(n)) for n in range(3)]
        loads += [asyncio.create_task(worker(n)) for n in range(4)]
        leaders_killed = 0
        for kill in range(10):
            for _ in range(50):  # let the load run: 50 completions between kills
                progress.clear()
                await asyncio.wait_for(progress.wait(), 30)
            leader = await cluster.leader()
            victim = rng.randrange(3)
            if kill in (0, 4, 8) and leader is not None:  # the leader, three times
                victim = next(i for i, p in enumerate(cluster.procs) if p.address == leader)
            was_leader = cluster.procs[victim].address == leader
            cluster.procs[victim].kill()
            if was_leader:
                leaders_killed += 1

                async def another_leads(gone: str = leader or "") -> bool:
                    found = await cluster.leader()
                    return found is not None and found != gone

                await wait_for(another_leads, 10, f"a new leader within 10 s (kill {kill})")
            await asyncio.to_thread(cluster.start, victim)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*loads[:3]), 30)

        async def all_completed() -> bool:
            listed = await any_stub().ListTasks(
                pb.ListTasksRequest(states=[task_pb2.TASK_STATE_COMPLETED], page_size=1)
            )
            return listed.total_size == len(acknowledged)

        await wait_for(all_completed, 60, "every acknowledged task completed")
        for w in loads[3:]:
            w.cancel()
        await asyncio.gather(*loads[3:], return_exceptions=True)
        assert leaders_killed >= 2
        assert max(completions.values()) == 1, "a task completed twice"
        total = await any_stub().ListTasks(pb.ListTasksRequest(page_size=1))
        assert total.total_size == len(acknowledged), "a task nobody acknowledged"
        assert _completed_twice(cluster) == 0
        assert any(n > 1 for n in delivered.values()), "no killed stream's task came back"
        await cluster.close()


_GONE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED,
         grpc.StatusCode.DEADLINE_EXCEEDED)  # fmt: skip


def _expect(exc: grpc.aio.AioRpcError, *codes: grpc.StatusCode) -> None:
    if exc.code() not in codes:
        raise AssertionError(f"{exc.code()}: {exc.details()}") from exc


def _completed_twice(cluster: Cluster) -> int:
    """Tasks whose history holds more than one completion, by the database's own rows."""
    with psycopg.connect(cluster.url) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM (SELECT task_seq FROM {}.task_events WHERE to_state = %s"
                " GROUP BY task_seq HAVING count(*) > 1) twice"
            ).format(sql.Identifier(cluster.schema)),
            (int(TaskState.COMPLETED),),
        ).fetchone()
    return int(row[0]) if row else -1


async def test_a_frozen_leader_is_replaced_and_its_streams_tasks_return(
    postgres_url: str, tmp_path: Path
) -> None:
    """SIGSTOP on the leader (its connections stay open, its session keeps the lock): the
    other server ends its session once its heartbeat is stale, leads within 10 s, and
    returns the task the frozen server's stream held when its lease runs out."""
    with cluster_of(postgres_url, tmp_path, 2) as cluster:

        async def one_leads() -> bool:
            return await cluster.leader() is not None

        await wait_for(one_leads, 10, "a leader")
        leader = await cluster.leader()
        frozen = next(p for p in cluster.procs if p.address == leader)
        alive = next(p for p in cluster.procs if p.address != leader)
        stub = cluster.stub(frozen.address)
        made = await stub.CreateTask(create_request())
        stream = stub.WatchNext(pb.WatchNextRequest(worker_id="frozen", lease_duration=LEASE))
        assert (await stream.read()).task.id == made.task.id
        assert frozen.proc is not None
        os.kill(frozen.proc.pid, signal.SIGSTOP)
        try:
            other = cluster.stub(alive.address)

            async def alive_leads() -> bool:
                status = await other.GetServerStatus(pb.GetServerStatusRequest())
                return any(s.leader and s.live and s.this_server for s in status.servers)

            await wait_for(alive_leads, 10, "the live server to lead within 10 s")

            async def returned() -> bool:
                got = await other.GetTask(pb.GetTaskRequest(task_id=made.task.id))
                return bool(got.task.state == task_pb2.TASK_STATE_WAITING)

            await wait_for(returned, 15, "the frozen stream's task back to waiting")
            claimed = await other.ClaimTask(pb.ClaimTaskRequest(worker_id="alive"))
            assert claimed.task.id == made.task.id
        finally:
            os.kill(frozen.proc.pid, signal.SIGCONT)
        stream.cancel()

        async def one_leader_again() -> bool:  # the thawed one follows
            status = await cluster.stub(alive.address).GetServerStatus(pb.GetServerStatusRequest())
            live = [s for s in status.servers if s.live]
            return len(live) == 2 and [s.leader for s in live].count(True) == 1

        await wait_for(one_leader_again, 10, "the thawed server to follow")
        assert any(s.leader and s.this_server for s in
                   (await cluster.stub(alive.address).GetServerStatus(
                       pb.GetServerStatusRequest())).servers)  # fmt: skip
        await cluster.close()
