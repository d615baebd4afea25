"""The MCP shim through real MCP client sessions against a real taskqueue server.

In-process (`Client(mcp_server)`), over stdio (spawning `taskqueue-mcp`), over streamable
HTTP, and with the MCP Inspector CLI from npm. The taskqueue server runs in its own process
so that neither the shim nor the test can block it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from conftest import STORES
from mcp import Client, StdioServerParameters
from support import PROMPT, ServerProcess, store_process
from taskqueue_mcp.server import Config, build

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
SHIM = str(Path(sys.executable).parent / "taskqueue-mcp")
TOOLS = {
    "create_task", "get_next_task", "complete_task", "fail_task", "heartbeat", "get_task",
    "list_tasks", "cancel_task", "retry_task", "set_priority", "get_stats", "server_health",
}  # fmt: skip


@pytest.fixture(scope="module", params=STORES)
def taskqueue(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    with store_process(request, request.param, tmp_path_factory.mktemp("mcp")) as proc:
        yield proc


@pytest.fixture
async def client(taskqueue: ServerProcess) -> AsyncIterator[Client]:
    async with Client(build(Config(server=taskqueue.address))) as c:
        yield c


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text: str = result.content[0].text  # type: ignore[union-attr]
    return text


def work_directory(name: str) -> str:
    return f"/srv/mcp-tests/{name}"


# -- schemas and annotations ---------------------------------------------------------------


async def test_tools_have_schemas_descriptions_and_honest_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema is not None, tool.name
        assert tool.annotations is not None, tool.name
    read_only = {n for n, t in tools.items() if t.annotations and t.annotations.read_only_hint}
    assert read_only == {"get_task", "list_tasks", "get_stats", "server_health"}
    assert tools["cancel_task"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["heartbeat"].annotations.idempotent_hint is True  # type: ignore[union-attr]
    create = tools["create_task"].input_schema
    assert set(create["required"]) == {"work_directory", "prompt"}
    assert create["properties"]["work_directory"]["maxLength"] == 4096
    assert create["properties"]["priority"]["enum"] == ["high", "medium", "low"]
    claim = tools["get_next_task"].input_schema["properties"]["lease_seconds"]
    assert (claim["minimum"], claim["maximum"]) == (1, 86400)


# -- the agent loop ------------------------------------------------------------------------


async def test_agent_loop_create_take_complete(client: Client) -> None:
    directory = work_directory("loop")
    created = await call(
        client, "create_task", work_directory=directory, prompt=PROMPT, priority="high",
        tags=["performance"],
    )  # fmt: skip
    assert created["state"] == "waiting" and created["priority"] == "high"
    nxt = await call(client, "get_next_task", worker_id="agent-1", work_directory=directory)
    assert nxt["claimed"] and nxt["task"]["id"] == created["id"] and nxt["lease_token"]
    beat = await call(client, "heartbeat", task_id=created["id"], lease_token=nxt["lease_token"])
    assert beat["lease_expire_time"]
    done = await call(
        client, "complete_task", task_id=created["id"], lease_token=nxt["lease_token"],
        original_prompt=PROMPT, result={"status": "success", "output": "3 problems found"},
    )  # fmt: skip
    assert done["state"] == "completed"
    assert done["result"] == {"status": "success", "output": "3 problems found"}
    got = await call(client, "get_task", task_id=created["id"])
    assert [e["to_state"] for e in got["history"]] == ["waiting", "working", "completed"]
    empty = await call(client, "get_next_task", worker_id="agent-1", work_directory=directory)
    assert empty == {"claimed": False, "task": None, "lease_token": "",
                     "lease_expire_time": None, "message": empty["message"]}  # fmt: skip


async def test_wrong_prompt_completion_is_refused_with_advice(client: Client) -> None:
    directory = work_directory("mismatch")
    created = await call(client, "create_task", work_directory=directory, prompt=PROMPT)
    nxt = await call(client, "get_next_task", worker_id="agent-2", work_directory=directory)
    text = await call_error(
        client, "complete_task", task_id=created["id"], lease_token=nxt["lease_token"],
        original_prompt="Write the release notes",
    )  # fmt: skip
    assert "FAILED_PRECONDITION PROMPT_MISMATCH:" in text
    assert "score=" in text and "check that task_id" in text
    text = await call_error(
        client, "complete_task", task_id=created["id"], lease_token="forged-token",
        original_prompt=PROMPT,
    )  # fmt: skip
    assert "LEASE_LOST" in text and "fetch a new task" in text
    still = await call(client, "get_task", task_id=created["id"])
    assert still["state"] == "working"


async def test_fail_retry_cancel_priority_list_stats_health(client: Client) -> None:
    directory = work_directory("control")
    first = await call(client, "create_task", work_directory=directory, prompt="one")
    second = await call(
        client, "create_task", work_directory=directory, prompt="two", priority="low"
    )
    nxt = await call(client, "get_next_task", worker_id="agent-3", work_directory=directory)
    assert nxt["task"]["id"] == first["id"]
    failed = await call(
        client, "fail_task", task_id=first["id"], lease_token=nxt["lease_token"], error="boom"
    )
    assert failed["state"] == "failed" and failed["error"] == "boom"
    retried = await call(client, "retry_task", task_id=first["id"], reason="flaky")
    assert retried["state"] == "waiting" and retried["retry_count"] == 1
    raised = await call(client, "set_priority", task_id=second["id"], priority="high")
    assert raised["priority"] == "high"
    page = await call(
        client, "list_tasks", work_directory=directory, states=["waiting"], order_by="priority"
    )
    assert [t["prompt"] for t in page["tasks"]] == ["two", "one"] and page["total_size"] == 2
    cancelled = await call(client, "cancel_task", task_id=second["id"], reason="not needed")
    assert cancelled["state"] == "cancelled"
    text = await call_error(client, "cancel_task", task_id=second["id"], reason="again")
    assert "TASK_NOT_WAITING" in text
    stats = await call(client, "get_stats")
    assert stats["by_state"]["cancelled"] >= 1 and stats["total_tasks"] >= 2
    health = await call(client, "server_health")
    assert health["status"] == "SERVING"


async def test_error_paths_of_every_tool(client: Client) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for tool, args in [
        ("get_task", {"task_id": unknown}),
        ("cancel_task", {"task_id": unknown, "reason": "r"}),
        ("retry_task", {"task_id": unknown}),
        ("set_priority", {"task_id": unknown, "priority": "low"}),
        ("heartbeat", {"task_id": unknown, "lease_token": "t"}),
        ("complete_task", {"task_id": unknown, "lease_token": "t", "original_prompt": "p"}),
        ("fail_task", {"task_id": unknown, "lease_token": "t", "error": "e"}),
    ]:
        text = await call_error(client, tool, **args)
        assert "NOT_FOUND TASK_NOT_FOUND:" in text and "list_tasks" in text, (tool, text)
    text = await call_error(client, "create_task", work_directory="relative", prompt="p")
    assert "INVALID_ARGUMENT INVALID_ARGUMENT:" in text and "work_directory" in text
    text = await call_error(client, "get_next_task", worker_id="")
    assert "worker_id" in text  # refused by the input schema before any gRPC call
    text = await call_error(client, "list_tasks", page_token="forged")
    assert "page_token" in text


async def test_task_resource_and_prompt(client: Client) -> None:
    created = await call(
        client, "create_task", work_directory=work_directory("resource"), prompt="résumé ✓"
    )
    templates = (await client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["task://{task_id}"]
    content = (await client.read_resource(f"task://{created['id']}")).contents[0]
    assert json.loads(content.text)["prompt"] == "résumé ✓"  # type: ignore[union-attr]
    prompt = await client.get_prompt("work_on_next_task", {"worker_id": "agent-9"})
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "get_next_task" in text and "complete_task" in text and "agent-9" in text


# -- transports ----------------------------------------------------------------------------


async def test_over_stdio_with_token_passed_through(taskqueue: ServerProcess) -> None:
    params = StdioServerParameters(
        command=SHIM, args=["--server", taskqueue.address, "--token", "secret-token"],
        env=dict(os.environ),
    )  # fmt: skip
    async with Client(params) as c:
        assert {t.name for t in (await c.list_tools()).tools} == TOOLS
        created = await call(c, "create_task", work_directory=work_directory("stdio"), prompt="x")
        got = await call(c, "get_task", task_id=created["id"])
        assert got["prompt"] == "x"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def http_shim(taskqueue: ServerProcess) -> AsyncIterator[str]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        SHIM, "--server", taskqueue.address, "--http", f"127.0.0.1:{port}",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):  # wait for the port to accept, with a deadline
                try:
                    await http.get(url, timeout=0.5)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        await proc.wait()


async def test_over_streamable_http(http_shim: str) -> None:
    async with Client(http_shim) as c:
        created = await call(c, "create_task", work_directory=work_directory("http"), prompt="h")
        assert (await call(c, "get_task", task_id=created["id"]))["prompt"] == "h"


async def test_http_refuses_a_foreign_host_header(http_shim: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            http_shim,
            headers={"Host": "evil.example:80", "Content-Type": "application/json",
                     "Accept": "application/json, text/event-stream"},
            content=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        )  # fmt: skip
    assert response.status_code in (403, 421)


async def test_server_stopped_and_restarted_under_the_shim(tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    proc = ServerProcess(db, listen="127.0.0.1:0")
    address = proc.start()
    try:
        async with Client(build(Config(server=address))) as c:
            created = await call(c, "create_task", work_directory="/srv/r", prompt="keep me")
            await asyncio.to_thread(proc.terminate)
            text = await call_error(c, "get_task", task_id=created["id"])
            assert "UNAVAILABLE:" in text and "try again" in text
            health = await call(c, "server_health")
            assert health["status"] == "UNREACHABLE"
            proc = ServerProcess(db, listen=address)
            await asyncio.to_thread(proc.start)
            for _ in range(100):  # the channel reconnects with a short backoff
                result = await c.call_tool("get_task", {"task_id": created["id"]})
                if not result.is_error:
                    break
                await asyncio.sleep(0.1)
            assert result.structured_content["prompt"] == "keep me"  # type: ignore[index]
    finally:
        proc.kill()


@pytest.mark.slow
def test_inspector_cli_lists_and_calls_tools(taskqueue: ServerProcess) -> None:
    npx = shutil.which("npx")
    assert npx, "npx is needed for the MCP Inspector"
    # The inspector has a --server flag of its own: hand the address over in the environment.
    base = [npx, "--no-install", "mcp-inspector", "--cli", "-e",
            f"TASKQUEUE_SERVER={taskqueue.address}", SHIM]  # fmt: skip
    listed = subprocess.run(
        [*base, "--method", "tools/list"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert listed.returncode == 0, listed.stderr
    names = {t["name"] for t in json.loads(listed.stdout)["tools"]}
    assert names == TOOLS
    called = subprocess.run(
        [*base, "--method", "tools/call", "--tool-name", "create_task",
         "--tool-arg", "work_directory=/srv/inspector", "--tool-arg", "prompt=from the inspector"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert result.get("isError") is not True, result
    assert result["structuredContent"]["prompt"] == "from the inspector"


async def test_scheduling_through_the_tools(client: Client) -> None:
    directory = work_directory("scheduling")
    later = await call(
        client, "create_task", work_directory=directory, prompt="later", delay_seconds=3600
    )
    assert later["schedule_time"] is not None
    scheduled = await call(client, "list_tasks", work_directory=directory, due="scheduled")
    assert [t["id"] for t in scheduled["tasks"]] == [later["id"]]
    retried = await call(
        client, "create_task", work_directory=directory, prompt="flaky", tags=["gpu"],
        max_attempts=3, initial_backoff_seconds=60, max_working_in_directory=1,
    )  # fmt: skip
    assert retried["max_attempts"] == 3 and retried["max_working_in_directory"] == 1
    none = await call(client, "get_next_task", worker_id="a", work_directory=directory,
                      tags=["cpu"])  # fmt: skip
    assert not none["claimed"]
    got = await call(client, "get_next_task", worker_id="a", work_directory=directory,
                     tags=["gpu"])  # fmt: skip
    assert got["task"]["id"] == retried["id"]
    back = await call(
        client, "fail_task", task_id=retried["id"], lease_token=got["lease_token"], error="e"
    )
    assert back["state"] == "waiting" and back["schedule_time"] is not None
    stats = await call(client, "get_stats")
    assert stats["by_state"]["scheduled"] >= 2
    again = await call(
        client, "create_task", work_directory=directory, prompt="final", max_attempts=3
    )
    got = await call(client, "get_next_task", worker_id="a", work_directory=directory)
    assert got["task"]["id"] == again["id"]
    dead = await call(
        client, "fail_task", task_id=again["id"], lease_token=got["lease_token"], error="e",
        retryable=False,
    )  # fmt: skip
    assert dead["state"] == "failed"
