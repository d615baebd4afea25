"""One contract, three workers: the Python (`taskqueue work`), Go (clients/go/cmd/worker)
and TypeScript (clients/ts) workers each drain the same scenario from a real server: 300
tasks over three priorities and two work directories, with one worker killed mid-task.
Also runs the Go module's `go vet`/`go test` and the TypeScript package's `node --test`
against a real server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from support import ServerProcess, server_process, store_process
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
GO_MODULE = ROOT / "clients" / "go"
TS_PACKAGE = ROOT / "clients" / "ts"
TS_MAIN = TS_PACKAGE / "dist" / "clients" / "ts" / "src" / "main.js"
TASKQUEUE = str(Path(sys.executable).parent / "taskqueue")
LEASE_SECONDS = 2
PRIORITIES = (task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_MEDIUM, task_pb2.PRIORITY_LOW)
HANDLER = """#!/bin/sh
# The per-task command every worker runs: prompt on stdin, in the task's directory.
# The first task any worker takes hangs (its worker is killed meanwhile); the marker is
# gone before the "hang" line is written, so no later task can hang.
if rm "$SCENARIO_HANG" 2>/dev/null; then
  echo "hang $TASKQUEUE_TASK_ID" >> "$SCENARIO_LOG"
  sleep 600
fi
echo "start $TASKQUEUE_TASK_ID $(pwd)" >> "$SCENARIO_LOG"
cat > /dev/null
echo "done $TASKQUEUE_TASK_ID" >> "$SCENARIO_LOG"
"""

pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


@pytest.fixture(scope="module")
def go_worker(tmp_path_factory: pytest.TempPathFactory) -> str:
    binary = tmp_path_factory.mktemp("go") / "worker"
    built = run(["go", "build", "-o", str(binary), "./cmd/worker"], GO_MODULE)
    assert built.returncode == 0, built.stderr
    return str(binary)


@pytest.fixture(scope="module")
def ts_worker() -> str:
    built = run([str(TS_PACKAGE / "node_modules" / ".bin" / "tsc"), "-p", "."], TS_PACKAGE)
    assert built.returncode == 0, built.stdout + built.stderr
    return str(TS_MAIN)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("workers") / "taskqueue.db") as proc:
        yield proc


def test_go_vet_and_go_test_against_a_real_server(server: ServerProcess) -> None:
    vet = run(["go", "vet", "./..."], GO_MODULE)
    assert vet.returncode == 0, vet.stderr
    env = dict(os.environ, TASKQUEUE_TEST_SERVER=server.address)
    tested = run(["go", "test", "-count=1", "-v", "./..."], GO_MODULE, env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "--- PASS: TestWorkerAgainstServer" in tested.stdout, tested.stdout


def test_typescript_compiles_strict_and_node_test_passes(server: ServerProcess) -> None:
    env = dict(os.environ, TASKQUEUE_TEST_SERVER=server.address)
    tested = run(["npm", "test", "--silent"], TS_PACKAGE, env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "# pass 1" in tested.stdout and "# skipped 0" in tested.stdout, tested.stdout


@dataclass
class Scenario:
    tmp: Path
    log: Path
    hang: Path
    script: Path
    directories: tuple[Path, Path]


def worker_command(language: str, binaries: dict[str, str], address: str, worker_id: str,
                   script: Path) -> list[str]:  # fmt: skip
    handler = ["sh", str(script)]
    if language == "python":
        return [TASKQUEUE, "--server", address, "work", "--worker", worker_id,
                "--lease-seconds", str(LEASE_SECONDS), "--", *handler]  # fmt: skip
    if language == "go":
        return [binaries["go"], "-server", address, "-worker-id", worker_id,
                "-lease", f"{LEASE_SECONDS}s", "--", *handler]  # fmt: skip
    return ["node", binaries["ts"], "--server", address, "--worker-id", worker_id,
            "--lease-seconds", str(LEASE_SECONDS), "--", *handler]  # fmt: skip


def start(command: list[str], scenario: Scenario) -> subprocess.Popen[str]:
    env = dict(os.environ, SCENARIO_LOG=str(scenario.log))
    env["SCENARIO_HANG"] = str(scenario.hang)
    quiet = subprocess.DEVNULL
    return subprocess.Popen(
        command, env=env, stdout=quiet, stderr=quiet, text=True, start_new_session=True
    )


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """Stops a worker and everything it started (its handler), by process group."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    # a handler still sleeping in the group (the worker went first) goes too
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def log_lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def until(predicate: object, timeout: float, what: str) -> None:
    """Polls state that offers no event to wait on: a file another process writes, or the
    server's task counts."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("language", ["python", "go", "ts"])
def test_three_hundred_tasks_one_worker_killed_mid_task(
    language: str,
    go_worker: str,
    ts_worker: str,
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    scenario = Scenario(tmp_path, tmp_path / "handled.log", tmp_path / "hang-once",
                        tmp_path / "handler.sh",
                        (tmp_path / "project-a", tmp_path / "project-b"))  # fmt: skip
    scenario.script.write_text(HANDLER)
    for directory in scenario.directories:
        directory.mkdir()
    binaries = {"go": go_worker, "ts": ts_worker}
    with (
        store_process(request, store, tmp_path) as server,
        grpc.insecure_channel(server.address) as channel,
    ):
        stub = pb_grpc.TaskQueueServiceStub(channel)
        requests = [
            pb.CreateTaskRequest(work_directory=str(scenario.directories[i % 2]),
                                 prompt=f"task {i}", priority=PRIORITIES[i % 3])
            for i in range(300)
        ]  # fmt: skip
        for i in range(0, 300, 100):
            stub.BatchCreateTasks(pb.BatchCreateTasksRequest(requests=requests[i : i + 100]))

        scenario.hang.touch()
        first = start(worker_command(language, binaries, server.address, f"{language}-a",
                                     scenario.script), scenario)  # fmt: skip
        try:
            until(lambda: log_lines(scenario.log), 60, "the first worker to hang on a task")
            assert log_lines(scenario.log)[0][0] == "hang"
            hung_id = log_lines(scenario.log)[0][1]
        finally:
            kill_group(first)  # killed mid-task: its handler never finished
        killed_at = time.time()
        second = start(worker_command(language, binaries, server.address, f"{language}-b",
                                      scenario.script), scenario)  # fmt: skip
        try:

            def all_completed() -> bool:
                listed = stub.ListTasks(pb.ListTasksRequest(
                    states=[task_pb2.TASK_STATE_COMPLETED], page_size=1))  # fmt: skip
                return listed.total_size == 300

            until(all_completed, 180, "all 300 tasks completed")
        finally:
            kill_group(second, signal.SIGTERM)

        tasks: list[task_pb2.Task] = []
        token = ""
        while True:
            page = stub.ListTasks(pb.ListTasksRequest(page_size=1000, page_token=token,
                                                      view=task_pb2.TASK_VIEW_FULL))  # fmt: skip
            tasks += page.tasks
            token = page.next_page_token
            if not token:
                break

    assert len(tasks) == 300
    assert all(t.state == task_pb2.TASK_STATE_COMPLETED for t in tasks)
    # completed exactly once: one transition to COMPLETED each, one finished run each
    for t in tasks:
        completions = [e for e in t.history if e.to_state == task_pb2.TASK_STATE_COMPLETED]
        assert len(completions) == 1, (t.id, t.history)
    done = [fields[1] for fields in log_lines(scenario.log) if fields[0] == "done"]
    assert sorted(done) == sorted(t.id for t in tasks), "every task's handler finished once"

    # the killed worker's task came back after its lease and was finished by the other worker
    hung = next(t for t in tasks if t.id == hung_id)
    assert hung.worker_id == f"{language}-b"
    states = [(e.from_state, e.to_state) for e in hung.history]
    assert (task_pb2.TASK_STATE_WORKING, task_pb2.TASK_STATE_WAITING) in states, states
    first_start = next(e for e in hung.history if e.to_state == task_pb2.TASK_STATE_WORKING)
    expired = next(e for e in hung.history if e.from_state == task_pb2.TASK_STATE_WORKING
                   and e.to_state == task_pb2.TASK_STATE_WAITING)  # fmt: skip
    held = expired.time.ToNanoseconds() / 1e9 - first_start.time.ToNanoseconds() / 1e9
    assert held >= LEASE_SECONDS - 0.05, f"redelivered after {held:.2f}s, before its lease ran out"
    assert expired.time.ToNanoseconds() / 1e9 >= killed_at - 0.5
    assert hung.priority == task_pb2.PRIORITY_HIGH and hung.attempt == 2

    # priority order per directory: one task at a time, so start order is claim order
    for directory in scenario.directories:
        mine = sorted((t for t in tasks if t.work_directory == str(directory) and t.id != hung_id),
                      key=lambda t: t.start_time.ToNanoseconds())  # fmt: skip
        order = [(PRIORITIES.index(t.priority), t.create_time.ToNanoseconds()) for t in mine]
        assert order == sorted(order), f"{directory}: tasks did not start in priority order"


@pytest.mark.parametrize("language", ["go", "ts"])
def test_go_and_ts_workers_pass_their_token(
    language: str, go_worker: str, ts_worker: str, tmp_path: Path
) -> None:
    db = tmp_path / "taskqueue.db"
    made = {}
    for role in ("worker", "submitter"):
        key = run([str(Path(sys.executable).parent / "taskqueue-server"), "keys", "--db", str(db),
                   "create", "--role", role, "--name", role], ROOT)  # fmt: skip
        assert key.returncode == 0, key.stderr
        made[role] = key.stdout.strip()
    script = tmp_path / "ok.sh"
    script.write_text("cat > /dev/null\n")
    proc = ServerProcess(db, "--auth-enabled", "true")
    proc.start()
    try:
        with grpc.insecure_channel(proc.address) as channel:
            stub = pb_grpc.TaskQueueServiceStub(channel)
            submitter = (("authorization", f"Bearer {made['submitter']}"),)
            task = stub.CreateTask(
                pb.CreateTaskRequest(work_directory=str(tmp_path), prompt="with a token"),
                metadata=submitter,
            ).task
            command = worker_command(language, {"go": go_worker, "ts": ts_worker},
                                     proc.address, f"{language}-secure", script)  # fmt: skip
            flag = "-token" if language == "go" else "--token"
            command[command.index("--") : command.index("--")] = [flag, made["worker"]]
            quiet = subprocess.DEVNULL
            worker = subprocess.Popen(
                command, stdout=quiet, stderr=quiet, text=True, start_new_session=True
            )
            try:

                def completed() -> bool:
                    got = stub.GetTask(pb.GetTaskRequest(task_id=task.id), metadata=submitter)
                    return got.task.state == task_pb2.TASK_STATE_COMPLETED

                until(completed, 60, f"the {language} worker to complete the task")
            finally:
                kill_group(worker, signal.SIGTERM)
            got = stub.GetTask(pb.GetTaskRequest(task_id=task.id), metadata=submitter).task
            assert got.worker_id == f"{language}-secure"
    finally:
        proc.kill()
