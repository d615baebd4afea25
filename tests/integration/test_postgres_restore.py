"""`taskqueue-server restore` into PostgreSQL: a backup made by CreateBackup goes into an empty
schema (beside the live one, under another name), comes back row for row, and serves; a
schema that is not empty, a backup of the other store and a damaged backup are refused with
exit status 2 and leave everything as it was."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from support import create_request, postgres_digest, running_server, schema_for
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio


def restore(backup: str, url: str, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "restore", backup, "--db", url,
         "--db-schema", schema],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def backed_up(url: str, where: Path) -> tuple[pb.BackupInfo, list[str], str]:
    """A server's schema with tasks in several states, keys and config revisions, and a
    backup of it: the backup, the task ids, the schema."""
    async with running_server(where, postgres=url, backup_dir=str(where / "backups")) as tq:
        ids = [
            (await tq.stub.CreateTask(create_request(prompt=f"t{i} ✓", tags=["a"]))).task.id
            for i in range(5)
        ]
        claimed = await tq.stub.ClaimTask(pb.ClaimTaskRequest(worker_id="w"))
        await tq.stub.CompleteTask(
            pb.CompleteTaskRequest(task_id=claimed.task.id, lease_token=claimed.lease_token)
        )
        await tq.stub.CancelTask(pb.CancelTaskRequest(task_id=ids[4], reason="not needed"))
        made = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
        return made, ids, tq.schema


async def test_a_backup_restores_into_a_new_schema_beside_the_live_one(
    postgres_url: str, tmp_path: Path
) -> None:
    made, ids, live = await backed_up(postgres_url, tmp_path / "live")
    before = postgres_digest(postgres_url, live)
    target = schema_for(tmp_path / "restored")
    done = await asyncio.to_thread(restore, made.path, postgres_url, target)
    assert done.returncode == 0, done.stderr
    assert f"restored {made.name} (5 tasks" in done.stdout, done.stdout
    assert postgres_digest(postgres_url, target) == before, "every row came back as it was"
    assert postgres_digest(postgres_url, live) == before, "the live schema was not touched"
    async with running_server(tmp_path / "restored", postgres=postgres_url) as tq:
        assert tq.schema == target
        got = await tq.stub.GetTask(pb.GetTaskRequest(task_id=ids[0]))
        assert got.task.prompt == "t0 ✓", "ids and rows are the backup's"
        stats = await tq.stub.GetStats(pb.GetStatsRequest())
        assert stats.total_tasks == 5
        fresh = await tq.stub.CreateTask(create_request(prompt="after"))
        assert fresh.task.id not in ids, "sequences continue after the backup's"


async def test_a_schema_that_is_not_empty_is_refused_and_left_alone(
    postgres_url: str, tmp_path: Path
) -> None:
    made, _, live = await backed_up(postgres_url, tmp_path / "live")
    async with running_server(tmp_path / "other", postgres=postgres_url) as tq:
        await tq.stub.CreateTask(create_request(prompt="mine"))
        other = tq.schema
    before = postgres_digest(postgres_url, other)
    done = await asyncio.to_thread(restore, made.path, postgres_url, other)
    assert done.returncode == 2 and "is not empty" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert postgres_digest(postgres_url, other) == before
    into_itself = await asyncio.to_thread(restore, made.path, postgres_url, live)
    assert into_itself.returncode == 2 and "is not empty" in into_itself.stderr


async def test_an_empty_schema_made_for_the_role_is_used(postgres_url: str, tmp_path: Path) -> None:
    made, _, live = await backed_up(postgres_url, tmp_path / "live")
    target = schema_for(tmp_path / "made by a dba")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
    done = await asyncio.to_thread(restore, made.path, postgres_url, target)
    assert done.returncode == 0, done.stderr
    assert postgres_digest(postgres_url, target) == postgres_digest(postgres_url, live)


async def test_a_damaged_or_foreign_backup_is_refused_and_restores_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    made, _, _ = await backed_up(postgres_url, tmp_path / "live")
    target = schema_for(tmp_path / "never")
    damaged = tmp_path / "damaged" / Path(made.path).name
    damaged.parent.mkdir()
    shutil.copy(made.path, damaged)
    shutil.copy(made.path.removesuffix(".db.gz") + ".json", damaged.parent)
    with damaged.open("r+b") as f:
        f.seek(40)
        f.write(b"\x00" * 8)
    done = await asyncio.to_thread(restore, str(damaged), postgres_url, target)
    assert done.returncode == 2 and "damaged" in done.stderr, done.stderr

    # A backup of an SQLite server, checksum and all, is not a dump PostgreSQL can read.
    async with running_server(tmp_path / "x.db", backup_dir=str(tmp_path / "lite")) as tq:
        await tq.stub.CreateTask(create_request())
        lite = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
    done = await asyncio.to_thread(restore, lite.path, postgres_url, target)
    assert done.returncode == 2 and "a backup of an SQLite store" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    into_a_file = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "taskqueue_server.main", "restore", made.path, "--db",
         str(tmp_path / "new.db")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert into_a_file.returncode == 2, into_a_file.stderr
    assert "a backup of a PostgreSQL store" in into_a_file.stderr
    assert not (tmp_path / "new.db").exists()
    with gzip.open(lite.path) as f:
        assert f.read(15) == b"SQLite format 3"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (target,)
        ).fetchone()
    assert found == (0,), "a refused restore leaves no schema behind"
