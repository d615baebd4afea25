"""Every grpcurl command in the README, run in order against a real server, so the operator
runbook cannot rot. Ids and lease tokens shown as "…" are filled in the way an operator would:
from the output of the commands before (or from a task made for the purpose)."""

from __future__ import annotations

import contextlib
import functools
import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pki import Pki, make_pki
from support import ServerProcess, server_process

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


@contextlib.contextmanager
def secured_servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess, str, Pki]]:
    """A server with TLS and authentication, another that also wants client certificates,
    and an admin key both accept."""
    pki = make_pki(tmp_path / "pki")
    token = ""
    servers = []
    for name, extra in (("tls", []), ("mtls", ["--tls-client-ca", str(pki.ca)])):
        db = tmp_path / f"{name}.db"
        made = subprocess.run(
            [str(Path(sys.executable).parent / "taskqueue-server"), "keys", "--db", str(db),
             "create", "--role", "admin", "--name", "ops", "--json"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        token = token or json.loads(made.stdout)["key"]
        if name == "mtls":
            from taskqueue_server.model import StoredKey
            from taskqueue_server.security import keys as tq_keys
            from taskqueue_server.security.service import create_key_in
            from taskqueue_server.store.sqlite.offline import run_offline

            # the same admin key on both servers, so the README's one variable serves both
            key_id, secret = token.removeprefix("tq_").split("_", 1)
            salt = b"runbook-salt-0001"
            stored = StoredKey(key_id=key_id, name="ops-shared", role="admin", salt=salt,
                               hash=tq_keys.digest(salt, secret), create_time=1,
                               expire_time=None, revoke_time=None)  # fmt: skip
            run_offline(str(db), functools.partial(create_key_in, stored=stored))
        proc = ServerProcess(db, "--auth-enabled", "true", "--tls-cert", str(pki.server_cert),
                             "--tls-key", str(pki.server_key), *extra)  # fmt: skip
        servers.append(proc)
    try:
        for proc in servers:
            proc.start()
        yield servers[0], servers[1], token, pki
    finally:
        for proc in servers:
            proc.kill()


def test_the_readme_runbook_works(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) >= 25, "the runbook lost its commands"
    assert any("-cacert" in c for c in commands) and any("-cert" in c for c in commands)
    with (
        server_process(tmp_path / "runbook.db") as server,
        secured_servers(tmp_path) as (tls, mtls, token, pki),
    ):
        files = {"ca.pem": str(pki.ca), "client.pem": str(pki.client_cert),
                 "client.key": str(pki.client_key)}  # fmt: skip

        def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
            target = mtls if "-cert" in argv else tls if "-cacert" in argv else server
            argv = [GRPCURL if a == "grpcurl" else target.address if a == "127.0.0.1:50051"
                    else files.get(a, a).replace("$TASKQUEUE_TOKEN", token)
                    for a in argv]  # fmt: skip
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
