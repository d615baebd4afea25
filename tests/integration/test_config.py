"""Live configuration: GetConfig, UpdateConfig, revisions across restarts, SIGHUP reload."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import field_mask_pb2
from support import (
    Running,
    ServerProcess,
    create_request,
    digest,
    rich_error,
    running_server,
    wait_for,
)
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

pytestmark = pytest.mark.anyio


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


async def test_get_config_shows_values_and_sources(tq: Running) -> None:
    got = await tq.stub.GetConfig(pb.GetConfigRequest())
    assert got.config.max_retries == 3 and got.config.default_lease_seconds == 300
    assert got.config.db == (tq.postgres or str(tq.db_path))
    assert got.sources["max_retries"] == "default" and got.revision == 0


async def test_update_applies_live_to_the_next_claim_and_is_a_revision(tq: Running) -> None:
    updated = await tq.stub.UpdateConfig(
        pb.UpdateConfigRequest(
            config=pb.ServerConfig(default_lease_seconds=42, max_retries=7),
            update_mask=mask("default_lease_seconds", "max_retries"),
        )
    )
    assert updated.revision == 1 and updated.config.default_lease_seconds == 42
    await tq.stub.CreateTask(create_request())
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    lease = claim.lease_expire_time.ToSeconds() - claim.task.start_time.ToSeconds()
    assert lease == 42
    revisions = await tq.stub.ListConfigRevisions(pb.ListConfigRevisionsRequest())
    assert [(r.revision, r.actor) for r in revisions.revisions] == [(1, "client")]
    changes = {c.name: (c.old_value, c.new_value) for c in revisions.revisions[0].changes}
    assert changes == {"default_lease_seconds": ("300.0", "42.0"), "max_retries": ("3", "7")}
    got = await tq.stub.GetConfig(pb.GetConfigRequest())
    assert got.sources["max_retries"] == "revision 1"


@pytest.mark.parametrize(
    ("config", "paths", "fields"),
    [
        (pb.ServerConfig(max_retries=-1), ["max_retries"], ["config.max_retries"]),
        (pb.ServerConfig(max_retries=5, prompt_match_threshold=101),
         ["max_retries", "prompt_match_threshold"], ["config.prompt_match_threshold"]),
        (pb.ServerConfig(listen="0.0.0.0:1"), ["listen"], ["config.listen"]),
        (pb.ServerConfig(db="/tmp/other.db"), ["db"], ["config.db"]),
        (pb.ServerConfig(), ["no_such_setting"], ["update_mask.paths[0]"]),
        (pb.ServerConfig(max_retries=1), [], ["update_mask"]),
    ],
)  # fmt: skip
async def test_invalid_updates_change_nothing(
    tq: Running, config: pb.ServerConfig, paths: list[str], fields: list[str]
) -> None:
    before = await tq.stub.GetConfig(pb.GetConfigRequest())
    stored = digest(tq)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.UpdateConfig(pb.UpdateConfigRequest(config=config, update_mask=mask(*paths)))
    err = rich_error(info.value)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.fields == fields, err
    assert await tq.stub.GetConfig(pb.GetConfigRequest()) == before
    assert digest(tq) == stored


async def test_revisions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    async with running_server(db) as tq:
        await tq.stub.UpdateConfig(
            pb.UpdateConfigRequest(
                config=pb.ServerConfig(max_retries=9), update_mask=mask("max_retries")
            )
        )
    async with running_server(db) as tq:
        got = await tq.stub.GetConfig(pb.GetConfigRequest())
        assert got.config.max_retries == 9 and got.revision == 1
        assert got.sources["max_retries"] == "revision 1"


async def test_print_config_names_sources(tmp_path: Path) -> None:
    toml = tmp_path / "taskqueue.toml"
    toml.write_text("max_retries = 4\ndefault_lease_seconds = 120\n")
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "taskqueue_server.main", "--config", str(toml),
         "--db", str(tmp_path / "t.db"), "--max-lease-expiries", "9", "--print-config"],
        capture_output=True, text=True, timeout=30,
        env=dict(os.environ, TASKQUEUE_PROMPT_MATCH_THRESHOLD="80"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = {line.split(" = ")[0].strip(): line for line in out.stdout.splitlines()}
    assert f"(file {toml})" in lines["max_retries"] and "= 4" in lines["max_retries"]
    assert "(env TASKQUEUE_PROMPT_MATCH_THRESHOLD)" in lines["prompt_match_threshold"]
    assert "(flag --max-lease-expiries)" in lines["max_lease_expiries"]
    assert "(default, restart to change)" in lines["listen"]
    bad = tmp_path / "bad.toml"
    bad.write_text("max_retries = -5\n")
    refused = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "taskqueue_server.main", "--config", str(bad)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert refused.returncode == 2 and "max_retries=-5 is outside its range" in refused.stderr


async def test_sighup_reloads_the_config_file(tmp_path: Path) -> None:
    toml = tmp_path / "taskqueue.toml"
    toml.write_text("max_retries = 4\n")
    proc = ServerProcess(tmp_path / "t.db", "--config", str(toml))
    address = await asyncio.to_thread(proc.start)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            assert (await stub.GetConfig(pb.GetConfigRequest())).config.max_retries == 4
            toml.write_text("max_retries = 6\ndefault_lease_seconds = 60\n")
            assert proc.proc is not None
            os.kill(proc.proc.pid, signal.SIGHUP)

            async def reloaded() -> bool:
                got = await stub.GetConfig(pb.GetConfigRequest())
                return got.config.max_retries == 6

            await wait_for(reloaded, deadline_s=10, what="the SIGHUP reload")
            got = await stub.GetConfig(pb.GetConfigRequest())
            assert got.config.default_lease_seconds == 60 and got.revision == 1
            toml.write_text("max_retries = -1\n")  # invalid: nothing may change
            os.kill(proc.proc.pid, signal.SIGHUP)
            revisions = await stub.ListConfigRevisions(pb.ListConfigRevisionsRequest())
            assert [r.actor for r in revisions.revisions] == ["sighup"]
            assert (await stub.GetConfig(pb.GetConfigRequest())).config.max_retries == 6
    finally:
        proc.kill()
