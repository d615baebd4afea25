"""What an operator does with nothing but grpcurl, against a server in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import STORES
from support import PROMPT, ServerProcess, store_process

GRPCURL = shutil.which("grpcurl", path=str(Path(sys.executable).parent)) or "grpcurl"
SERVICE = "taskqueue.v1.TaskQueueService"


@pytest.fixture(scope="module", params=STORES)
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    with store_process(request, request.param, tmp_path_factory.mktemp("grpcurl")) as proc:
        yield proc


def grpcurl(
    server: ServerProcess, *args: str, data: object = None
) -> subprocess.CompletedProcess[str]:
    command = [GRPCURL, "-plaintext", "-format-error"]
    if data is not None:
        command += ["-d", json.dumps(data)]
    command += [server.address, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def test_list_shows_the_service_health_and_reflection(server: ServerProcess) -> None:
    out = grpcurl(server, "list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        SERVICE,
    ]


def test_describe_shows_every_rpc(server: ServerProcess) -> None:
    out = grpcurl(server, "describe", SERVICE)
    assert out.returncode == 0, out.stderr
    for rpc in (
        "CreateTask",
        "GetTask",
        "ClaimTask",
        "WatchNext",
        "Heartbeat",
        "CompleteTask",
        "FailTask",
    ):
        assert f"rpc {rpc}" in out.stdout
    assert "returns ( stream .taskqueue.v1.WatchNextResponse )" in out.stdout
    message = grpcurl(server, "describe", "taskqueue.v1.Task")
    assert "google.protobuf.Timestamp create_time" in message.stdout


def test_create_claim_complete_with_json(server: ServerProcess) -> None:
    created = grpcurl(
        server,
        f"{SERVICE}/CreateTask",
        data={
            "work_directory": "/home/user/project",
            "prompt": PROMPT,
            "priority": "PRIORITY_HIGH",
            "tags": ["performance"],
        },
    )
    assert created.returncode == 0, created.stderr
    task = json.loads(created.stdout)["task"]
    assert task["state"] == "TASK_STATE_WAITING" and task["priority"] == "PRIORITY_HIGH"
    claimed = grpcurl(
        server,
        f"{SERVICE}/ClaimTask",
        data={"worker_id": "worker-1", "work_directory": "/home/user/project"},
    )
    lease = json.loads(claimed.stdout)
    assert lease["task"]["id"] == task["id"] and lease["task"]["state"] == "TASK_STATE_WORKING"
    completed = grpcurl(
        server,
        f"{SERVICE}/CompleteTask",
        data={
            "task_id": task["id"],
            "lease_token": lease["lease_token"],
            "original_prompt": PROMPT,
            "result": {"status": "success", "output": "3 problems found"},
        },
    )
    assert completed.returncode == 0, completed.stderr
    done = json.loads(completed.stdout)["task"]
    assert done["state"] == "TASK_STATE_COMPLETED"
    assert done["result"] == {"status": "success", "output": "3 problems found"}
    fetched = json.loads(grpcurl(server, f"{SERVICE}/GetTask", data={"task_id": task["id"]}).stdout)
    assert [e["reason"] for e in fetched["task"]["history"]] == ["created", "claimed", "completed"]


def test_refusals_show_code_and_details(server: ServerProcess) -> None:
    out = grpcurl(server, f"{SERVICE}/CreateTask", data={"work_directory": "rel", "prompt": ""})
    assert out.returncode == 64 + 3  # INVALID_ARGUMENT
    error = json.loads(out.stderr)  # -format-error prints the status as JSON on stderr
    assert error["code"] == 3
    kinds = {d["@type"].rsplit("/", 1)[1]: d for d in error["details"]}
    assert kinds["google.rpc.ErrorInfo"]["reason"] == "INVALID_ARGUMENT"
    fields = [v["field"] for v in kinds["google.rpc.BadRequest"]["field_violations"]]
    assert fields == ["work_directory", "prompt"]


def test_empty_claim_prints_an_empty_object(server: ServerProcess) -> None:
    out = grpcurl(
        server, f"{SERVICE}/ClaimTask", data={"worker_id": "w", "work_directory": "/none"}
    )
    assert out.returncode == 0 and json.loads(out.stdout) == {}


@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_check_is_serving(server: ServerProcess, service: str) -> None:
    out = grpcurl(server, "grpc.health.v1.Health/Check", data={"service": service})
    assert out.returncode == 0 and json.loads(out.stdout) == {"status": "SERVING"}


def test_operations_through_grpcurl(server: ServerProcess) -> None:
    status = json.loads(grpcurl(server, f"{SERVICE}/GetServerStatus").stdout)
    assert status["condition"] == "SERVER_CONDITION_OK"
    stats = json.loads(grpcurl(server, f"{SERVICE}/GetStats",
                               data={"bucket": "STATS_BUCKET_HOUR"}).stdout)  # fmt: skip
    assert len(stats["trend"]) == 24
    updated = grpcurl(
        server, f"{SERVICE}/UpdateConfig",
        data={"config": {"max_retries": 5}, "update_mask": {"paths": ["max_retries"]}},
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["config"]["max_retries"] == "5"
    backup = json.loads(grpcurl(server, f"{SERVICE}/CreateBackup").stdout)["backup"]
    assert backup["integrity_check"] == "ok"
