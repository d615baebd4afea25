"""Task ids through the real server: keyed ids for new tasks (store/sqlite/ids.py), and the random
ids of tasks made before keys, which an upgraded database keeps and must still find."""

from __future__ import annotations

import uuid
from pathlib import Path

import apsw
import grpc
import pytest
from support import create_request, rich_error, running_server
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.store.sqlite import schema

pytestmark = pytest.mark.anyio

WAITING, WORKING = task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING
COMPLETED, CANCELLED = task_pb2.TASK_STATE_COMPLETED, task_pb2.TASK_STATE_CANCELLED


def version_8_database(path: Path, count: int) -> list[str]:
    """A database as servers before keyed ids left it: schema version 8, `count` waiting
    tasks with random ids, a tag and a creation event each. Returns their ids."""
    conn = apsw.Connection(str(path))
    conn.pragma("foreign_keys", True)
    with conn:
        for version, migration in enumerate(schema.MIGRATIONS[:8], 1):
            conn.execute(migration)
            conn.pragma("user_version", version)
        ids = [str(uuid.uuid4()) for _ in range(count)]
        for seq, task_id in enumerate(ids, 1):
            conn.execute(
                "INSERT INTO tasks (seq, id, work_directory, prompt, priority, tags, state,"
                " create_time, update_time) VALUES (?, ?, '/old', ?, 2, '[\"legacy\"]', 1, ?, ?)",
                (seq, task_id, f"old {seq}", seq, seq),
            )
            conn.execute("INSERT INTO task_tags (tag, task_seq) VALUES ('legacy', ?)", (seq,))
            conn.execute(
                "INSERT INTO task_events (task_seq, time, from_state, to_state, actor, reason,"
                " attempt) VALUES (?, ?, NULL, 1, 'old-client', 'created', 0)",
                (seq, seq),
            )
    conn.close()
    return ids


async def test_an_upgraded_database_keeps_finding_its_old_tasks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = version_8_database(path, 3)
    async with running_server(path) as tq:
        for seq, task_id in enumerate(old, 1):
            got = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id))).task
            assert (got.id, got.prompt, list(got.tags)) == (task_id, f"old {seq}", ["legacy"])
            assert [e.actor for e in got.history] == ["old-client"]
        new = (await tq.stub.CreateTask(create_request(work_directory="/old"))).task
        assert uuid.UUID(new.id).version == 4 and new.id not in old
        listed = await tq.stub.ListTasks(pb.ListTasksRequest(page_size=10))
        assert [t.id for t in listed.tasks] == [*old, new.id]  # age order kept

        # Old and new tasks alike are claimed, heartbeaten, completed and cancelled by id.
        first = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        assert first.task.id == old[0]
        await tq.stub.Heartbeat(pb.HeartbeatRequest(task_id=old[0], lease_token=first.lease_token))
        done = await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(task_id=old[0], lease_token=first.lease_token)
        )
        assert done.task.state == COMPLETED
        await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=old[1], reason="superseded"))
        second = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        assert second.task.id == old[2]
        third = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        assert third.task.id == new.id
        await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(task_id=new.id, lease_token=third.lease_token)
        )
        states = [
            (await tq.stub.GetTask(pb.GetTaskRequest(task_id=i))).task.state for i in [*old, new.id]
        ]
        assert states == [COMPLETED, CANCELLED, WORKING, COMPLETED]
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await tq.stub.GetTask(pb.GetTaskRequest(task_id=str(uuid.uuid4())))
        assert rich_error(info.value).code == grpc.StatusCode.NOT_FOUND

    conn = apsw.Connection(str(path))
    assert conn.pragma("user_version") == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    keys = conn.execute("SELECT id, id_key FROM tasks ORDER BY seq").fetchall()
    assert [k for _, k in keys] == [None, None, None, 1]  # old tasks keep their ids, no key
    conn.close()


async def test_ids_keep_counting_across_restarts_and_differ_between_databases(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db"
    made: list[str] = []
    for _ in range(2):  # the second server reads where the first one stopped
        async with running_server(path) as tq:
            made.append((await tq.stub.CreateTask(create_request())).task.id)
            batch = await tq.stub.BatchCreateTasks(
                pb.BatchCreateTasksRequest(requests=[create_request(prompt=f"{i}") for i in "abc"])
            )
            made += [t.id for t in batch.tasks]
    assert len(set(made)) == 8
    async with running_server(path) as tq:
        for task_id in made:
            assert (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id))).task.id == task_id
    conn = apsw.Connection(str(path))
    stored = conn.execute("SELECT id, id_key FROM tasks ORDER BY seq").fetchall()
    conn.close()
    assert stored == [(task_id, key) for key, task_id in enumerate(made, 1)]

    async with running_server(tmp_path / "other.db") as tq:  # another secret
        other = (await tq.stub.CreateTask(create_request())).task.id
    assert other != made[0]


async def test_an_id_from_another_database_is_not_found(tmp_path: Path) -> None:
    # The key hidden in another database's id is a key here too, of another task: the
    # lookup must check the id itself, not only the key it decodes to.
    async with running_server(tmp_path / "a.db") as a:
        foreign = (await a.stub.CreateTask(create_request())).task.id
    async with running_server(tmp_path / "b.db") as b:
        mine = (await b.stub.CreateTask(create_request())).task.id
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await b.stub.GetTask(pb.GetTaskRequest(task_id=foreign))
        assert rich_error(info.value).code == grpc.StatusCode.NOT_FOUND
        assert (await b.stub.GetTask(pb.GetTaskRequest(task_id=mine))).task.id == mine
