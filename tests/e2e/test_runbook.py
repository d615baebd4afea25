"""Every grpcurl command in the README, run in order against a real server, so the operator
runbook cannot rot. Ids and lease tokens shown as "…" are filled in the way an operator would:
from the output of the commands before (or from a task made for the purpose)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from support import server_process

ROOT = Path(__file__).resolve().parents[2]
GRPCURL = shutil.which("grpcurl", path=str(Path(sys.executable).parent)) or "grpcurl"
SERVICE = "taskqueue.v1.TaskQueueService"


def readme_commands() -> list[list[str]]:
    """The grpcurl lines of the README's code blocks, continuations joined."""
    commands, inside, pending = [], False, ""
    for raw in (ROOT / "README.md").read_text().splitlines():
        if raw.startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        line = line.split("  #")[0].strip()
        if line.startswith("grpcurl "):
            commands.append(shlex.split(line))
    return commands


def test_the_readme_runbook_works(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) >= 20, "the runbook lost its commands"
    with server_process(tmp_path / "runbook.db") as server:

        def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
            argv = [GRPCURL if a == "grpcurl" else server.address if a == "127.0.0.1:50051"
                    else a for a in argv]  # fmt: skip
            return subprocess.run(argv, capture_output=True, text=True, timeout=30)

        def call(method: str, data: dict[str, object]) -> dict[str, object]:
            out = run(["grpcurl", "-plaintext", "-d", json.dumps(data), "127.0.0.1:50051",
                       f"{SERVICE}/{method}"])  # fmt: skip
            assert out.returncode == 0, out.stderr
            result: dict[str, object] = json.loads(out.stdout)
            return result

        def fresh_task(prompt: str) -> str:
            task = call("CreateTask", {"work_directory": "/srv/runbook", "prompt": prompt})
            return str(task["task"]["id"])  # type: ignore[index]

        last_claim: dict[str, str] = {}
        for argv in commands:
            method = argv[-1].rsplit("/", 1)[-1]
            if "-d" in argv:
                data = json.loads(argv[argv.index("-d") + 1])
                if data.get("task_id") == "…":
                    if method == "CompleteTask":
                        data["task_id"] = last_claim["id"]
                        data["lease_token"] = last_claim["lease_token"]
                    elif method == "RetryTask":
                        task_id = fresh_task("to be retried")
                        got = call(
                            "ClaimTask", {"worker_id": "rb", "work_directory": "/srv/runbook"}
                        )
                        call("FailTask", {"task_id": task_id, "error": "x",
                                          "lease_token": got["lease_token"]})  # fmt: skip
                        data["task_id"] = task_id
                    else:
                        data["task_id"] = fresh_task(f"for {method}")
                argv[argv.index("-d") + 1] = json.dumps(data)
            if method == "WatchNext":
                argv.insert(1, "-max-time")
                argv.insert(2, "1")
            out = run(argv)
            allowed = (0, 64 + 4) if method == "WatchNext" else (0,)
            assert out.returncode in allowed, (argv, out.stdout, out.stderr)
            claimed = json.loads(out.stdout or "{}") if method == "ClaimTask" else {}
            if "task" in claimed:
                last_claim = {"id": claimed["task"]["id"], "lease_token": claimed["lease_token"]}
