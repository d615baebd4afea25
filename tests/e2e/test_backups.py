"""Online backups under load, restore, and the refusals that keep data safe."""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from support import ServerProcess, create_request, rich_error, running_server, wait_for
from taskqueue.v1 import taskqueue_service_pb2 as pb

pytestmark = pytest.mark.anyio


def restore(backup: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "restore", backup, "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_backup_under_writes_then_restore_has_every_task(tmp_path: Path) -> None:
    acknowledged: list[str] = []
    before_backup: list[str] = []
    async with running_server(tmp_path / "live.db") as tq:
        stop = asyncio.Event()

        async def writer() -> None:
            while not stop.is_set():
                task = (await tq.stub.CreateTask(create_request(prompt="during backup"))).task
                acknowledged.append(task.id)

        writers = [asyncio.create_task(writer()) for _ in range(4)]
        await tq.stub.BatchCreateTasks(
            pb.BatchCreateTasksRequest(requests=[create_request(prompt="bulk")] * 500)
        )
        await asyncio.sleep(0.05)
        before_backup = list(acknowledged)
        made = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
        stop.set()
        await asyncio.gather(*writers)
        assert made.integrity_check == "ok" and made.schema_version >= 3
        assert made.task_count >= 500 + len(before_backup)
        assert len(made.sha256) == 64 and made.size_bytes == Path(made.path).stat().st_size
        with gzip.open(made.path, "rb") as f:
            assert f.read(16) == b"SQLite format 3\x00"
        listed = (await tq.stub.ListBackups(pb.ListBackupsRequest())).backups
        assert [b.name for b in listed] == [made.name]
    target = tmp_path / "restored" / "taskqueue.db"
    out = restore(made.path, target)
    assert out.returncode == 0, out.stderr
    async with running_server(target) as tq:
        for task_id in before_backup:
            task = (await tq.stub.GetTask(pb.GetTaskRequest(task_id=task_id))).task
            assert task.prompt == "during backup"
        total = (await tq.stub.ListTasks(pb.ListTasksRequest())).total_size
        assert total == made.task_count


async def test_backup_of_a_large_database_finishes_under_continuous_writes(
    tmp_path: Path,
) -> None:
    """The writer advances the copy between its transactions: continuous writes neither
    starve the copy nor stop while it runs."""
    async with running_server(tmp_path / "busy.db") as tq:
        for _ in range(20):
            await tq.stub.BatchCreateTasks(
                pb.BatchCreateTasksRequest(requests=[create_request(prompt="x" * 500)] * 1000)
            )
        stop = asyncio.Event()
        written = 0

        async def writer() -> None:
            nonlocal written
            while not stop.is_set():
                await tq.stub.CreateTask(create_request(prompt="during backup"))
                written += 1

        writers = [asyncio.create_task(writer()) for _ in range(4)]
        try:
            made = (await tq.stub.CreateBackup(pb.CreateBackupRequest(), timeout=60)).backup
        finally:
            stop.set()
            await asyncio.gather(*writers)
        assert made.integrity_check == "ok" and made.task_count >= 20_000
        assert written > 0, "the writers kept committing while the copy ran"


async def test_a_damaged_backup_is_refused(tmp_path: Path) -> None:
    async with running_server(tmp_path / "live.db") as tq:
        await tq.stub.CreateTask(create_request())
        made = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
    data = bytearray(Path(made.path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(made.path).write_bytes(bytes(data))
    target = tmp_path / "t.db"
    out = restore(made.path, target)
    assert out.returncode == 2 and "SHA-256" in out.stderr, out.stderr
    assert not target.exists()


async def test_restore_refuses_a_database_a_server_holds(tmp_path: Path) -> None:
    async with running_server(tmp_path / "live.db") as tq:
        await tq.stub.CreateTask(create_request())
        made = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
    held = tmp_path / "held.db"
    proc = ServerProcess(held)
    await asyncio.to_thread(proc.start)
    try:
        before = held.read_bytes()
        out = await asyncio.to_thread(restore, made.path, held)
        assert out.returncode == 2 and "in use by a running taskqueue server" in out.stderr
        assert held.read_bytes() == before
    finally:
        proc.kill()
    out = await asyncio.to_thread(restore, made.path, held)
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.glob("held.db.before-restore-*")), "the replaced database was not kept"


async def test_a_second_server_on_one_database_is_refused(tmp_path: Path) -> None:
    async with running_server(tmp_path / "one.db"):
        out = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
             "--db", str(tmp_path / "one.db")],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert out.returncode == 2 and "another taskqueue server is using" in out.stderr


async def test_retention_and_schedule(tmp_path: Path) -> None:
    async with running_server(
        tmp_path / "live.db", backup_keep=2, backup_interval_us=300_000
    ) as tq:
        await tq.stub.CreateTask(create_request())

        async def three_taken() -> bool:
            return (
                tq.server.backups.last_success is not None
                and len(list((tmp_path / "backups").glob("*.db.gz"))) >= 2
            )

        await wait_for(three_taken, deadline_s=10, what="scheduled backups")
        for _ in range(2):
            await tq.stub.CreateBackup(pb.CreateBackupRequest())
        listed = (await tq.stub.ListBackups(pb.ListBackupsRequest())).backups
        assert len(listed) == 2
        assert listed[0].create_time.ToNanoseconds() > listed[1].create_time.ToNanoseconds()
        assert len(list((tmp_path / "backups").glob("*.db.gz"))) <= 3  # a scheduled one may land


async def test_backup_failure_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the backup directory should be")
    async with running_server(tmp_path / "live.db", backup_dir=str(blocker)) as tq:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await tq.stub.CreateBackup(pb.CreateBackupRequest())
        err = rich_error(info.value)
        assert (err.code, err.reason) == (grpc.StatusCode.UNAVAILABLE, "BACKUP_FAILED")
        assert tq.server.backups.last_outcome.startswith("failed")
