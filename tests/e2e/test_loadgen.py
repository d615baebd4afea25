"""make bench's unary load generator (tests/bench/loadgen) against a real server: the calls
it counts are calls the server served, paced runs keep to their rate, errors are counted."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from support import ServerProcess, server_process
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loadgen(tmp_path_factory: pytest.TempPathFactory) -> str:
    binary = tmp_path_factory.mktemp("loadgen") / "loadgen"
    built = subprocess.run(
        ["go", "build", "-o", str(binary), "."],
        cwd=ROOT / "tests" / "bench" / "loadgen", capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return str(binary)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("loadgen") / "taskqueue.db") as proc:
        yield proc


def run(binary: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def total(address: str) -> int:
    with grpc.insecure_channel(address) as channel:
        listed = pb_grpc.TaskQueueServiceStub(channel).ListTasks(pb.ListTasksRequest())
        return int(listed.total_size)


def test_closed_loop_creates_are_the_servers_tasks(loadgen: str, server: ServerProcess) -> None:
    before = total(server.address)
    result = run(loadgen, "-addr", server.address, "-c", "8", "-connections", "2",
                 "-duration", "1s", "-details")  # fmt: skip
    assert result["errors"] == 0 and result["calls"] > 20
    # one create per connection before the clock starts, then every counted call
    assert total(server.address) - before == result["calls"] + 2
    assert len(result["latencies_ms"]) == result["calls"]
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["ops_per_s"] <= result["calls"] / 1.0


def test_batch_creates_count_every_task_the_server_stored(
    loadgen: str, server: ServerProcess
) -> None:
    before = total(server.address)
    result = run(loadgen, "-addr", server.address, "-call", "BatchCreateTasks", "-batch", "25",
                 "-c", "3", "-connections", "3", "-duration", "1s")  # fmt: skip
    assert result["errors"] == 0 and result["calls"] > 3
    # one batch per connection before the clock starts, then every counted call's 25 tasks
    assert total(server.address) - before == 25 * (result["calls"] + 3)
    assert result["tasks_per_s"] == pytest.approx(25 * result["ops_per_s"])
    assert result["tasks_per_s"] <= 25 * result["calls"] / 1.0


def test_a_paced_run_sends_its_rate_and_a_refused_first_call_fails_it(
    loadgen: str, server: ServerProcess
) -> None:
    with grpc.insecure_channel(server.address) as channel:
        stub = pb_grpc.TaskQueueServiceStub(channel)
        task_id = stub.CreateTask(pb.CreateTaskRequest(work_directory="/w", prompt="p")).task.id
    paced = run(loadgen, "-addr", server.address, "-call", "GetTask", "-task-id", task_id,
                "-c", "4", "-rps", "50", "-duration", "1s")  # fmt: skip
    assert paced["errors"] == 0
    assert paced["calls"] == 50, "50 calls a second for 1 s, each on its slot"
    bad = subprocess.run([loadgen, "-addr", server.address, "-call", "GetTask", "-task-id",
                          "not-a-uuid", "-duration", "0.2s"], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert bad.returncode == 1 and "InvalidArgument" in bad.stderr, bad.stderr
