"""The extra acceptors (api/accept.py): each method of the service has PER_METHOD more
requests for calls pending in grpc core than grpc.aio keeps by itself. The calls they take
are handled as grpc.aio's own (interceptors, cancellation), and they end with the server."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path

import grpc
import pytest
from support import Running, create_request, running_server
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.api import accept

pytestmark = pytest.mark.anyio

METHODS = len(pb.DESCRIPTOR.services_by_name["TaskQueueService"].methods)


async def test_every_method_of_the_service_has_its_extra_acceptors(tq: Running) -> None:
    # Also says that this grpc has the internals they need (else grpc.aio accepts alone).
    assert tq.server.acceptors.running == accept.PER_METHOD * METHODS


async def test_a_burst_of_one_method_is_answered_in_full(tq: Running) -> None:
    created = (await tq.stub.CreateTask(create_request(prompt="read me"))).task
    burst = 25 * (accept.PER_METHOD + 1)  # many more calls than requests pending for them
    got = await asyncio.gather(
        *(tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id)) for _ in range(burst))
    )
    assert [g.task.prompt for g in got] == ["read me"] * burst
    made = await asyncio.gather(
        *(tq.stub.CreateTask(create_request(prompt=f"burst {i}")) for i in range(burst))
    )
    assert len({m.task.id for m in made}) == burst
    listed = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=1))
    assert listed.total_size == burst + 1
    assert tq.server.acceptors.running == accept.PER_METHOD * METHODS  # all back to waiting


async def test_calls_they_take_pass_through_the_interceptors(tmp_path: Path) -> None:
    async with running_server(tmp_path / "auth.db", auth_enabled=True) as tq:
        calls = [tq.stub.GetStats(pb.GetStatsRequest()) for _ in range(4 * accept.PER_METHOD)]
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        codes = {o.code() for o in outcomes if isinstance(o, grpc.aio.AioRpcError)}
        assert len(outcomes) == len(calls) and codes == {grpc.StatusCode.UNAUTHENTICATED}


async def test_they_end_with_the_server(tmp_path: Path) -> None:
    async with running_server(tmp_path / "end.db") as tq:
        acceptors = tq.server.acceptors
        assert acceptors.running > 0
        await tq.stub.CreateTask(create_request())
    # Shutting down failed the requests they had pending in grpc core: none is left waiting.
    assert acceptors.running == 0


async def test_without_the_internals_they_need_grpc_aio_accepts_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(accept, "cygrpc", types.SimpleNamespace())  # a grpc that lacks them
    caplog.set_level("INFO", logger="taskqueue_server.api.accept")
    async with running_server(tmp_path / "alone.db") as tq:
        assert tq.server.acceptors.running == 0
        assert "accepted by grpc.aio's own loop alone" in caplog.text
        created = (await tq.stub.CreateTask(create_request(prompt="still served"))).task
        got = await tq.stub.GetTask(pb.GetTaskRequest(task_id=created.id))
        assert got.task.prompt == "still served"
