"""Two servers on one PostgreSQL schema (the start of issue 26): they never number two tasks
alike, and a task created through one wakes a watcher parked on the other at once, by
LISTEN/NOTIFY, not by the safety-net retry (set to an hour here)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support import create_request, running_server, wait_for
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
