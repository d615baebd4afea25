"""Two servers on one PostgreSQL schema (the start of issue 26): they never number two tasks
alike; a task created through one wakes a watcher parked on the other at once, by
LISTEN/NOTIFY, not by the safety-net retry (set to an hour here); a config revision and a
key created or revoked through one are in force on the other; each lists both, by their
heartbeats."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from support import create_request, running_server, schema_for, wait_for
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.queue import streams

pytestmark = pytest.mark.anyio


async def test_a_create_on_one_server_wakes_a_watcher_parked_on_the_other(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "SAFETY_NET_S", 3600.0)
    where = tmp_path / "shared"  # the same directory: the same schema
    async with (
        running_server(where, postgres=postgres_url) as a,
        running_server(where, postgres=postgres_url) as b,
    ):
        assert a.schema == b.schema

        async def a_knows_of_b() -> bool:  # a notifies only while another server listens
            return a.server.db._listener.others  # type: ignore[attr-defined, no-any-return]

        await wait_for(a_knows_of_b, 10, "server a to count b among the listeners")
        watcher = b.stub.WatchNext(pb.WatchNextRequest(worker_id="on-b", max_in_flight=10))
        first = await a.stub.CreateTask(create_request(prompt="warm up"))
        got = await asyncio.wait_for(watcher.read(), 20)
        assert got.task.id == first.task.id
        # now parked on b (nothing left to claim): the next create on a must wake it
        made = await a.stub.CreateTask(create_request(prompt="from a"))
        pushed = await asyncio.wait_for(watcher.read(), 20)
        assert (pushed.task.id, pushed.task.prompt) == (made.task.id, "from a")
        watcher.cancel()


async def test_two_servers_creating_at_once_never_share_an_id(
    postgres_url: str, tmp_path: Path
) -> None:
    where = tmp_path / "shared"
    async with (
        running_server(where, postgres=postgres_url) as a,
        running_server(where, postgres=postgres_url) as b,
    ):
        batch = pb.BatchCreateTasksRequest(requests=[create_request() for _ in range(100)])
        made = await asyncio.gather(
            *(server.stub.BatchCreateTasks(batch) for server in (a, b) for _ in range(5)),
            *(server.stub.CreateTask(create_request()) for server in (a, b) for _ in range(20)),
        )
        ids = [t.id for m in made for t in getattr(m, "tasks", [getattr(m, "task", None)])]
        assert len(ids) == 1040 and len(set(ids)) == 1040
        listed = await a.stub.ListTasks(pb.ListTasksRequest(page_size=1))
        assert listed.total_size == 1040


async def test_a_config_update_through_one_server_is_in_force_on_the_other(
    postgres_url: str, tmp_path: Path
) -> None:
    where = tmp_path / "shared"
    async with (
        running_server(where, postgres=postgres_url) as a,
        running_server(where, postgres=postgres_url) as b,
    ):
        await a.stub.UpdateConfig(
            pb.UpdateConfigRequest(
                config=pb.ServerConfig(default_lease_seconds=42),
                update_mask=field_mask_pb2.FieldMask(paths=["default_lease_seconds"]),
            )
        )

        async def b_has_it() -> bool:
            got = await b.stub.GetConfig(pb.GetConfigRequest())
            return got.config.default_lease_seconds == 42 and got.revision == 1

        await wait_for(b_has_it, 2, "the revision in force on b within 2 s (its notification)")
        await b.stub.CreateTask(create_request())
        claimed = await b.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        lease = claimed.lease_expire_time.seconds - claimed.task.start_time.seconds
        assert 41 <= lease <= 43, "b's next claim takes the lease a set"


async def test_a_key_revoked_through_one_server_is_refused_by_the_other(
    postgres_url: str, tmp_path: Path
) -> None:
    where = tmp_path / "shared"
    admin_key = await asyncio.to_thread(_admin_key, postgres_url, schema_for(where))
    admin = (("authorization", f"Bearer {admin_key}"),)
    async with (
        running_server(where, postgres=postgres_url, auth_enabled=True) as a,
        running_server(where, postgres=postgres_url, auth_enabled=True) as b,
    ):
        made = await a.stub.CreateApiKey(
            pb.CreateApiKeyRequest(name="bot", role=pb.ROLE_SUBMITTER), metadata=admin
        )
        bot = (("authorization", f"Bearer {made.key}"),)

        async def b_takes_it() -> bool:
            try:
                await b.stub.CreateTask(create_request(), metadata=bot)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                    raise
                return False
            return True

        assert await b_takes_it(), "b accepts a key made through a from the next call"
        await a.stub.RevokeApiKey(pb.RevokeApiKeyRequest(key="bot"), metadata=admin)
        assert not await b_takes_it(), "b refuses a key revoked through a from the next call"


def _admin_key(url: str, schema: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "keys", "--db", url, "--db-schema",
         schema, "create", "--name", "root", "--role", "admin"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return made.stdout.strip()


async def test_a_directory_limit_holds_across_servers_racing(
    postgres_url: str, tmp_path: Path
) -> None:
    where = tmp_path / "shared"
    limit = {"max_working_per_directory": 2}
    async with (
        running_server(where, postgres=postgres_url, **limit) as a,  # type: ignore[arg-type]
        running_server(where, postgres=postgres_url, **limit) as b,  # type: ignore[arg-type]
    ):
        for round_ in range(5):
            directory = f"/srv/limited-{round_}"
            batch = [create_request(work_directory=directory) for _ in range(30)]
            await a.stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=batch))
            claims = await asyncio.gather(*(
                server.stub.ClaimTask(pb.ClaimTaskRequest(worker_id=f"w{i}",
                                                          work_directory=directory))
                for i in range(12) for server in (a, b)
            ))  # fmt: skip
            taken = [c.task.id for c in claims if c.task.id]
            assert len(taken) == 2, f"round {round_}: {len(taken)} working in {directory}"


async def test_one_server_leads_the_clocks_and_another_takes_over_when_it_stops(
    postgres_url: str, tmp_path: Path
) -> None:
    """The lease reaper runs on the elected server only, for every server's leases: a lease
    granted through the follower runs out and the leader puts its task back; when the leader
    stops, the other server leads within seconds and does the same."""
    where = tmp_path / "shared"
    async with running_server(where, postgres=postgres_url) as b:
        async with running_server(where, postgres=postgres_url) as a:

            async def one_leads() -> bool:
                return [a.server.db.leads, b.server.db.leads].count(True) == 1

            await wait_for(one_leads, 10, "exactly one leader")
            leader, follower = (a, b) if a.server.db.leads else (b, a)
            await _lease_runs_out_through(follower)
        if leader is a:  # a stopped: b must take over (b stopping would end the test)

            async def b_leads() -> bool:
                return bool(b.server.db.leads)

            await wait_for(b_leads, 10, "b to lead once a stopped")
        await _lease_runs_out_through(b)


async def _lease_runs_out_through(server: Any) -> None:
    directory = f"/srv/lease-{uuid.uuid4()}"
    made = await server.stub.CreateTask(create_request(work_directory=directory))
    claimed = await server.stub.ClaimTask(
        pb.ClaimTaskRequest(worker_id="w", work_directory=directory,
                            lease_duration=duration_pb2.Duration(seconds=1))
    )  # fmt: skip
    assert claimed.task.id == made.task.id

    async def back_to_waiting() -> bool:
        got = await server.stub.GetTask(pb.GetTaskRequest(task_id=made.task.id))
        return bool(got.task.state == task_pb2.TASK_STATE_WAITING)

    await wait_for(back_to_waiting, 15, "the expired lease's task back to waiting")


async def test_each_server_lists_the_servers_sharing_its_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    where = tmp_path / "shared"
    async with (
        running_server(where, postgres=postgres_url) as a,
        running_server(where, postgres=postgres_url) as b,
    ):

        async def both_beat_and_one_leads() -> bool:
            status = await a.stub.GetServerStatus(pb.GetServerStatusRequest())
            live = [s for s in status.servers if s.live]
            return len(live) == 2 and [s.leader for s in live].count(True) == 1

        await wait_for(both_beat_and_one_leads, 10, "a to list a and b, one of them leading")
        for me, other in ((a, b), (b, a)):
            status = await me.stub.GetServerStatus(pb.GetServerStatusRequest())
            by_address = {s.address: s for s in status.servers}
            assert set(by_address) == {a.address, b.address}
            assert by_address[me.address].this_server and not by_address[other.address].this_server
            assert by_address[me.address].start_time == status.start_time
            assert {s.version for s in status.servers} == {status.version}
            leader = next(s for s in status.servers if s.leader)
            assert (leader.address == a.address) == bool(a.server.db.leads)
    async with running_server(where, postgres=postgres_url) as c:  # a and b left: rows gone
        status = await c.stub.GetServerStatus(pb.GetServerStatusRequest())
        assert [s.address for s in status.servers] == [c.address]
