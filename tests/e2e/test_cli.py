"""The `taskqueue` command against a server in its own process: output, --json, exit codes,
and `work -- COMMAND`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ServerProcess, server_process

CLI = shutil.which("taskqueue", path=str(Path(sys.executable).parent)) or "taskqueue"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("cli") / "taskqueue.db") as proc:
        yield proc


def cli(server: ServerProcess, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "--server", server.address, *args], input=stdin,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_submit_get_list_and_json(server: ServerProcess) -> None:
    out = cli(server, "submit", "/srv/cli", "Run the tests", "--priority", "high", "--tag", "ci")
    assert out.returncode == 0, out.stderr
    task_id = out.stdout.strip()
    got = json.loads(cli(server, "--json", "get", task_id).stdout)
    assert got["state"] == "TASK_STATE_WAITING" and got["priority"] == "PRIORITY_HIGH"
    table = cli(server, "list", "--state", "waiting", "--directory", "/srv/cli")
    assert task_id in table.stdout and "high" in table.stdout and "ID" in table.stdout
    from_stdin = cli(server, "submit", "/srv/cli", "-", stdin="prompt from stdin\n")
    listed = json.loads(cli(server, "--json", "list", "--directory", "/srv/cli", "--all").stdout)
    assert [t["prompt"] for t in listed] == ["Run the tests", "prompt from stdin\n"]
    assert from_stdin.returncode == 0


def test_exit_codes_scripts_can_rely_on(server: ServerProcess) -> None:
    bad = cli(server, "submit", "relative", "x")
    assert bad.returncode == 2 and "work_directory" in bad.stderr
    assert cli(server, "get", "00000000-0000-4000-8000-000000000000").returncode == 3
    task_id = cli(server, "submit", "/srv/codes", "x").stdout.strip()
    claimed = cli(server, "--json", "claim", "--worker", "w", "--directory", "/srv/codes")
    lease = json.loads(claimed.stdout)["lease_token"]
    assert cli(server, "cancel", task_id, "--reason", "r").returncode == 4
    assert cli(server, "complete", task_id, "--lease-token", "forged").returncode == 4
    done = cli(server, "complete", task_id, "--lease-token", lease, "--result", '{"ok": true}')
    assert done.returncode == 0, done.stderr
    assert cli(server, "claim", "--worker", "w", "--directory", "/srv/codes").returncode == 6
    assert cli(server, "health").stdout.strip() == "SERVING"
    stats = json.loads(cli(server, "--json", "stats").stdout)
    assert int(stats["tasks_by_state"]["completed"]) >= 1
    unreachable = subprocess.run([CLI, "--server", "127.0.0.1:1", "health"],
                                 capture_output=True, text=True, timeout=60)  # fmt: skip
    assert unreachable.returncode == 5


def test_work_runs_a_command_per_task(server: ServerProcess, tmp_path: Path) -> None:
    ok = cli(server, "submit", str(tmp_path), "hello from the prompt").stdout.strip()
    bad = cli(server, "submit", str(tmp_path), "FAIL please").stdout.strip()
    script = "import sys; p = sys.stdin.read(); print(p.upper()); sys.exit(3 if 'FAIL' in p else 0)"
    out = cli(server, "work", "--worker", "cli-worker", "--directory", str(tmp_path),
              "--max-tasks", "2", "--", sys.executable, "-c", script)  # fmt: skip
    assert out.returncode == 0, out.stderr
    done = json.loads(cli(server, "--json", "get", ok).stdout)
    assert done["state"] == "TASK_STATE_COMPLETED"
    assert done["result"]["output"].strip() == "HELLO FROM THE PROMPT"
    failed = json.loads(cli(server, "--json", "get", bad).stdout)
    assert failed["state"] == "TASK_STATE_FAILED" and "exit status 3" in failed["error"]


def test_list_watch_follows_changes(server: ServerProcess) -> None:
    task_id = cli(server, "submit", "/srv/watch", "follow me").stdout.strip()
    watcher = subprocess.Popen(
        [CLI, "--server", server.address, "list", "--directory", "/srv/watch", "--watch",
         "--interval", "0.1", "--watch-seconds", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline()
        assert task_id in first and "waiting" in first
        assert cli(server, "cancel", task_id, "--reason", "seen").returncode == 0
        second = watcher.stdout.readline()
        assert task_id in second and "cancelled" in second
    finally:
        watcher.terminate()
        watcher.wait(10)
        if watcher.stdout:
            watcher.stdout.close()
