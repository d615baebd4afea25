"""Security end to end: `taskqueue-server keys`, a server with authentication and TLS in its
own process, and every client passing credentials: grpcurl, the `taskqueue` CLI, the
Python client and worker, the MCP shim."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp import Client
from pki import Pki, make_pki
from support import PROMPT, ServerProcess, wait_for
from taskqueue.v1 import task_pb2
from taskqueue_client import Credentials, TaskQueueClient, Worker
from taskqueue_client.errors import Unauthenticated, Unavailable
from taskqueue_mcp.server import Config, build

pytestmark = pytest.mark.anyio

BIN = Path(sys.executable).parent
GRPCURL = shutil.which("grpcurl", path=str(BIN)) or "grpcurl"
CLI = str(BIN / "taskqueue")
SERVER = str(BIN / "taskqueue-server")
SERVICE = "taskqueue.v1.TaskQueueService"


def keys(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SERVER, "keys", "--db", str(db), *args], capture_output=True, text=True, timeout=30
    )


@dataclass
class Secured:
    server: ServerProcess
    pki: Pki
    db: Path
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    root = tmp_path_factory.mktemp("secured")
    db = root / "taskqueue.db"
    tokens = {}
    for role in ("admin", "submitter", "worker", "monitor"):
        made = keys(db, "create", "--role", role, "--name", f"{role}-1")
        assert made.returncode == 0, made.stderr
        tokens[role] = made.stdout.strip()
        assert tokens[role].startswith("tq_") and "shown only now" in made.stderr
    pki = make_pki(root / "pki")
    proc = ServerProcess(
        db,
        "--auth-enabled", "true",
        "--tls-cert", str(pki.server_cert),
        "--tls-key", str(pki.server_key),
    )  # fmt: skip
    proc.start()
    try:
        yield Secured(proc, pki, db, tokens)
    finally:
        proc.kill()


def grpcurl(
    s: Secured, *args: str, token: str = "", data: object = None, flags: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [GRPCURL, "-cacert", str(s.pki.ca), "-format-error", "-connect-timeout", "3"]
    command += flags or []
    if token:
        command += ["-H", f"authorization: Bearer {token}"]
    if data is not None:
        command += ["-d", json.dumps(data)]
    command += [s.server.address, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def test_start_line_says_authentication_and_tls_are_on(secured: Secured) -> None:
    line = next(entry for entry in secured.server.log if "serving" in entry)
    assert "TLS" in line and "authentication is on" in line
    listed = keys(secured.db, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["name"]: r["role"] for r in rows} == {
        "admin-1": "admin", "submitter-1": "submitter", "worker-1": "worker",
        "monitor-1": "monitor",
    }  # fmt: skip
    for token in secured.tokens.values():
        assert token not in listed.stdout
    bad = keys(secured.db, "create", "--role", "root", "--name", "x")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_grpcurl_with_tls_and_a_token(secured: Secured) -> None:
    assert grpcurl(secured, "list").stdout.split()[-1] == SERVICE, "reflection needs no token"
    health = grpcurl(secured, "grpc.health.v1.Health/Check")
    assert json.loads(health.stdout)["status"] == "SERVING"
    refused = grpcurl(
        secured, f"{SERVICE}/CreateTask", data={"work_directory": "/srv/a", "prompt": PROMPT}
    )
    assert refused.returncode != 0
    assert json.loads(refused.stderr)["code"] == 16  # UNAUTHENTICATED
    created = grpcurl(
        secured,
        f"{SERVICE}/CreateTask",
        token=secured.tokens["submitter"],
        data={"work_directory": "/srv/a", "prompt": PROMPT},
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["task"]["state"] == "TASK_STATE_WAITING"
    plaintext = subprocess.run(
        [GRPCURL, "-plaintext", "-connect-timeout", "3", secured.server.address, "list"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert plaintext.returncode != 0


def cli(s: Secured, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    flags = ["--server", s.server.address, "--tls-ca", str(s.pki.ca)]
    if token is not None:
        flags += ["--token", token]
    return subprocess.run([CLI, *flags, *args], capture_output=True, text=True, timeout=60)


def test_cli_with_token_and_revocation_while_running(secured: Secured) -> None:
    made = keys(secured.db, "create", "--role", "submitter", "--name", "laptop", "--json")
    token = json.loads(made.stdout)["key"]
    ok = cli(secured, "--json", "submit", "/srv/cli", "build it", token=token)
    assert ok.returncode == 0, ok.stderr
    assert cli(secured, "submit", "/srv/cli", "x").returncode == 7
    denied = cli(secured, "stats", token=token)
    assert denied.returncode == 7 and "PERMISSION_DENIED" in denied.stderr
    revoked = keys(secured.db, "revoke", "laptop")
    assert revoked.returncode == 0, revoked.stderr
    after = cli(secured, "submit", "/srv/cli", "x", token=token)
    assert after.returncode == 7 and "API_KEY_REVOKED" in after.stderr
    assert token not in after.stderr


async def test_python_client_and_worker_pass_credentials(secured: Secured) -> None:
    ca = str(secured.pki.ca)
    submitter = Credentials(token=secured.tokens["submitter"], tls_ca=ca)
    async with TaskQueueClient(secured.server.address, credentials=submitter) as client:
        task = await client.create_task("/srv/worker", "say hello")
    with pytest.raises(Unauthenticated):
        async with TaskQueueClient(
            secured.server.address, credentials=Credentials(tls_ca=ca)
        ) as anonymous:
            await anonymous.get_task(task.id)
    worker_creds = Credentials(token=secured.tokens["worker"], tls_ca=ca)
    async with TaskQueueClient(secured.server.address, credentials=worker_creds) as client:
        done = asyncio.Event()

        async def handler(t: task_pb2.Task) -> dict[str, object]:
            done.set()
            return {"said": "hello"}

        worker = Worker(client, handler, worker_id="tls-worker", work_directory="/srv/worker")
        running = asyncio.create_task(worker.run())
        await asyncio.wait_for(done.wait(), 15)

        async def completed() -> bool:
            return worker.completed == 1

        await wait_for(completed, what="the worker completed its task")
        worker.stop()
        await asyncio.wait_for(running, 10)
        finished = await client.get_task(task.id)
    assert finished.state == task_pb2.TASK_STATE_COMPLETED
    assert dict(finished.result) == {"said": "hello"}


async def test_mcp_shim_passes_the_token(secured: Secured) -> None:
    config = Config(
        server=secured.server.address, token=secured.tokens["admin"], tls_ca=str(secured.pki.ca)
    )
    async with Client(build(config)) as c:
        result = await c.call_tool(
            "create_task", {"work_directory": "/srv/mcp", "prompt": "from an agent"}
        )
        assert not result.is_error, result.content
    wrong = Config(server=secured.server.address, token="tq_0000000000000000_" + "n" * 43,
                   tls_ca=str(secured.pki.ca))  # fmt: skip
    async with Client(build(wrong)) as c:
        result = await c.call_tool("get_stats", {})
        assert result.is_error
        assert "UNAUTHENTICATED" in result.content[0].text  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def mutual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    root = tmp_path_factory.mktemp("mtls")
    pki = make_pki(root / "pki")
    proc = ServerProcess(
        root / "taskqueue.db",
        "--tls-cert", str(pki.server_cert),
        "--tls-key", str(pki.server_key),
        "--tls-client-ca", str(pki.ca),
    )  # fmt: skip
    proc.start()
    try:
        yield Secured(proc, pki, root / "taskqueue.db", {})
    finally:
        proc.kill()


def test_mtls_with_grpcurl(mutual: Secured) -> None:
    without = grpcurl(mutual, "list")
    assert without.returncode != 0
    cert = ["-cert", str(mutual.pki.client_cert), "-key", str(mutual.pki.client_key)]
    listed = grpcurl(mutual, "list", flags=cert)
    assert listed.returncode == 0, listed.stderr
    assert SERVICE in listed.stdout.split()
    rogue = ["-cert", str(mutual.pki.other_client_cert), "-key", str(mutual.pki.other_client_key)]
    assert grpcurl(mutual, "list", flags=rogue).returncode != 0


async def test_mtls_with_the_python_client(mutual: Secured) -> None:
    p = mutual.pki
    good = Credentials(tls_ca=str(p.ca), tls_cert=str(p.client_cert), tls_key=str(p.client_key))
    async with TaskQueueClient(mutual.server.address, credentials=good) as client:
        task = await client.create_task("/srv/mtls", "with a certificate")
        assert (await client.get_task(task.id)).prompt == "with a certificate"
    rogue = Credentials(
        tls_ca=str(p.ca), tls_cert=str(p.other_client_cert), tls_key=str(p.other_client_key)
    )
    with pytest.raises(Unavailable):
        async with TaskQueueClient(mutual.server.address, credentials=rogue, deadline=3) as client:
            await client.get_task(task.id)
