"""ListTasks against a real server: filters, orders, keyset paging, tokens, views."""

from __future__ import annotations

import base64

import grpc
import pytest
from google.protobuf import timestamp_pb2
from support import Running, create_request, rich_error
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio

HIGH, MEDIUM, LOW = task_pb2.PRIORITY_HIGH, task_pb2.PRIORITY_MEDIUM, task_pb2.PRIORITY_LOW
WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
COMPLETED, FAILED = task_pb2.TASK_STATE_COMPLETED, task_pb2.TASK_STATE_FAILED
CANCELLED = task_pb2.TASK_STATE_CANCELLED


async def listed(tq: Running, **fields: object) -> list[str]:
    """Every prompt the filter matches, walking all pages; checks total_size on the way."""
    prompts: list[str] = []
    token = ""
    total = None
    while True:
        page = await tq.stub.ListTasks(pb.ListTasksRequest(page_token=token, **fields))  # type: ignore[arg-type]
        total = page.total_size if total is None else total
        assert page.total_size == total
        prompts += [t.prompt for t in page.tasks]
        token = page.next_page_token
        if not token:
            assert len(prompts) == total
            return prompts


@pytest.fixture
async def mixed(tq: Running) -> Running:
    """Eight tasks across states, priorities, directories, tags and workers."""
    specs = [
        ("a-high", "/srv/a", HIGH, ["gpu", "big"]),
        ("a-med", "/srv/a", MEDIUM, ["gpu"]),
        ("b-low", "/srv/b", LOW, ["big"]),
        ("b-high", "/srv/b", HIGH, []),
        ("a-low", "/srv/a", LOW, ["gpu", "big", "x"]),
        ("c-med", "/srv/c", MEDIUM, ["x"]),
        ("b-med", "/srv/b", MEDIUM, ["gpu"]),
        ("c-high", "/srv/c", HIGH, ["big"]),
    ]
    for prompt, directory, priority, tags in specs:
        await tq.stub.CreateTask(
            create_request(prompt=prompt, work_directory=directory, priority=priority, tags=tags)
        )
    # a-high -> working by w1; b-high -> completed by w2; c-high -> failed by w1;
    # a-med cancelled. Claims go in claim order: a-high, b-high, c-high.
    first = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w1"))
    second = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w2"))
    third = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w1"))
    assert [first.task.prompt, second.task.prompt, third.task.prompt] == [
        "a-high",
        "b-high",
        "c-high",
    ]
    await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=second.task.id))
    await tq.stub.FailTask(pb.FailTaskRequest(task_id=third.task.id, error="boom"))
    page = await tq.stub.ListTasks(pb.ListTasksRequest(work_directory="/srv/a", states=[WAITING]))
    a_med = next(t for t in page.tasks if t.prompt == "a-med")
    await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=a_med.id, reason="not needed"))
    return tq


ALL = ["a-high", "a-med", "b-low", "b-high", "a-low", "c-med", "b-med", "c-high"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ALL),
        ({"states": [WAITING]}, ["b-low", "a-low", "c-med", "b-med"]),
        ({"states": [WORKING, FAILED]}, ["a-high", "c-high"]),
        ({"states": [CANCELLED]}, ["a-med"]),
        ({"priorities": [HIGH]}, ["a-high", "b-high", "c-high"]),
        ({"priorities": [LOW, MEDIUM]}, ["a-med", "b-low", "a-low", "c-med", "b-med"]),
        ({"work_directory": "/srv/b/"}, ["b-low", "b-high", "b-med"]),
        ({"tags": ["gpu"]}, ["a-high", "a-med", "a-low", "b-med"]),
        ({"tags": ["gpu", "big"]}, ["a-high", "a-low"]),
        ({"tags": ["nope"]}, []),
        ({"worker_id": "w1"}, ["a-high", "c-high"]),
        ({"states": [WAITING], "work_directory": "/srv/a", "tags": ["big"]}, ["a-low"]),
        ({"priorities": [HIGH], "worker_id": "w2", "states": [COMPLETED]}, ["b-high"]),
        ({"order_by": "create_time desc"}, list(reversed(ALL))),
        (
            {"order_by": "priority"},
            ["a-high", "b-high", "c-high", "a-med", "c-med", "b-med", "b-low", "a-low"],
        ),
        ({"order_by": " Priority ", "states": [WAITING]}, ["c-med", "b-med", "b-low", "a-low"]),
    ],
)
async def test_filters_and_orders(
    mixed: Running, fields: dict[str, object], expected: list[str]
) -> None:
    assert await listed(mixed, **fields) == expected
    assert await listed(mixed, page_size=1, **fields) == expected


async def test_created_time_range(tq: Running) -> None:
    created = []
    for i in range(5):
        created.append((await tq.stub.CreateTask(create_request(prompt=f"t{i}"))).task)
    after = created[1].create_time
    before = created[4].create_time
    assert await listed(tq, created_after=after) == ["t1", "t2", "t3", "t4"]
    assert await listed(tq, created_before=before) == ["t0", "t1", "t2", "t3"]
    assert await listed(tq, created_after=after, created_before=before) == ["t1", "t2", "t3"]
    future = timestamp_pb2.Timestamp(seconds=before.seconds + 3600)
    assert await listed(tq, created_after=future) == []


async def test_basic_view_leaves_out_bodies_and_full_view_has_all(tq: Running) -> None:
    long_prompt = "p" * 1000
    created = (await tq.stub.CreateTask(create_request(prompt=long_prompt))).task
    claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
    result = {"output": "done"}
    done = await tq.stub.CompleteTask(
        pb.CompleteTaskRequest(task_id=claim.task.id, result=_struct(result))
    )
    basic = (await tq.stub.ListTasks(pb.ListTasksRequest())).tasks[0]
    assert basic.id == created.id and basic.state == COMPLETED
    assert basic.prompt == long_prompt[:256]
    assert not basic.history and not basic.HasField("result")
    full = (await tq.stub.ListTasks(pb.ListTasksRequest(view=task_pb2.TASK_VIEW_FULL))).tasks[0]
    assert full == done.task


def _struct(value: dict[str, object]):  # type: ignore[no-untyped-def]
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(value)
    return s


async def test_page_size_defaults_and_caps(tq: Running) -> None:
    for start in (0, 550):
        await tq.stub.BatchCreateTasks(
            pb.BatchCreateTasksRequest(
                requests=[create_request(prompt=f"t{i}") for i in range(start, start + 550)]
            )
        )
    default = await tq.stub.ListTasks(pb.ListTasksRequest())
    assert len(default.tasks) == 50 and default.total_size == 1100 and default.next_page_token
    capped = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=5000))
    assert len(capped.tasks) == 1000


@pytest.mark.slow
async def test_paging_while_tasks_come_and_go_returns_each_existing_task_once_in_order(
    tq: Running,
) -> None:
    for start in range(0, 2500, 500):
        await tq.stub.BatchCreateTasks(
            pb.BatchCreateTasksRequest(
                requests=[create_request(prompt=f"t{i:05}") for i in range(start, start + 500)]
            )
        )
    existing = [f"t{i:05}" for i in range(2500)]
    churned = 0

    async def churn() -> None:
        """A task comes, and one (the oldest waiting) is claimed and completed."""
        nonlocal churned
        await tq.stub.CreateTask(create_request(prompt=f"new{churned}"))
        claim = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="churn"))
        await tq.stub.CompleteTask(pb.CompleteTaskRequest(task_id=claim.task.id))
        churned += 1

    seen: list[str] = []
    token = ""
    pages = 0
    while True:  # between every two pages, the queue changes
        page = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=97, page_token=token))
        pages += 1
        seen += [t.prompt for t in page.tasks]
        token = page.next_page_token
        if not token:
            break
        await churn()
    old = [p for p in seen if p.startswith("t")]
    assert pages > 25 and churned == pages - 1
    assert old == existing
    assert len(seen) == len(set(seen))


async def refused_list(tq: Running, request: pb.ListTasksRequest, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await tq.stub.ListTasks(request)
    err = rich_error(info.value)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and err.fields == [field], err


async def test_tokens_are_bound_to_their_query_and_tamper_proof(tq: Running) -> None:
    for i in range(5):
        await tq.stub.CreateTask(create_request(prompt=f"t{i}", tags=["a"]))
    page = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=2, tags=["a"]))
    token = page.next_page_token
    assert token
    await refused_list(tq, pb.ListTasksRequest(page_token=token), "page_token")
    await refused_list(
        tq, pb.ListTasksRequest(page_token=token, tags=["a"], order_by="priority"), "page_token"
    )
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[5] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    await refused_list(tq, pb.ListTasksRequest(page_token=tampered, tags=["a"]), "page_token")
    for junk in ("garbage", "é", "x" * 500, token[:-3]):
        await refused_list(tq, pb.ListTasksRequest(page_token=junk, tags=["a"]), "page_token")
    # The same query with another page size is fine.
    nxt = await tq.stub.ListTasks(pb.ListTasksRequest(page_token=token, tags=["a"], page_size=10))
    assert [t.prompt for t in nxt.tasks] == ["t2", "t3", "t4"] and not nxt.next_page_token


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"order_by": "prompt"}, "order_by"),
        ({"order_by": "create_time; DROP TABLE tasks"}, "order_by"),
        ({"states": [0]}, "states[0]"),
        ({"states": [1, 42]}, "states[1]"),
        ({"priorities": [9]}, "priorities[0]"),
        ({"work_directory": "relative"}, "work_directory"),
        ({"tags": ["bad tag"]}, "tags[0]"),
        ({"worker_id": "w\x01"}, "worker_id"),
    ],
)
async def test_list_refusals(tq: Running, request_fields: dict[str, object], field: str) -> None:
    await refused_list(tq, pb.ListTasksRequest(**request_fields), field)  # type: ignore[arg-type]
