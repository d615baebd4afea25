"""What only PostgreSQL has: passwords never shown, the schema made once under a lock, a
newer schema refused, a start-up error that names the problem."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import grpc
import psycopg
import pytest
from psycopg import sql
from support import create_request, running_server, schema_for, wait_for
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server import errors
from taskqueue_server.store.postgres.database import PostgresDatabase

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-Pa55"


def with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{SECRET}@", 1)


async def test_a_password_in_the_url_is_never_shown(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_server(tmp_path / "x", postgres=with_password(postgres_url)) as tq:
        got = await tq.stub.GetConfig(pb.GetConfigRequest())
        status = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
    assert "***" in got.config.db and SECRET not in got.config.db
    assert SECRET not in str(status)
    assert SECRET not in caplog.text


async def test_server_status_names_the_engine_and_its_figures(
    postgres_url: str, tmp_path: Path
) -> None:
    async with running_server(tmp_path / "x", postgres=postgres_url) as tq:
        made = await tq.stub.CreateTask(create_request())
        await tq.stub.GetTask(pb.GetTaskRequest(task_id=made.task.id))  # a reader connects
        status = await tq.stub.GetServerStatus(pb.GetServerStatusRequest())
    with psycopg.connect(postgres_url) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
    assert status.database_engine == f"PostgreSQL {version}"
    assert status.database_connections >= 2, "the writer's and a reader's"
    assert status.database_size_bytes > 0 and status.wal_size_bytes == 0
    assert status.condition == pb.SERVER_CONDITION_OK


def test_print_config_masks_the_password(postgres_url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "--db", with_password(postgres_url),
         "--print-config"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert SECRET not in out.stdout + out.stderr and "***" in out.stdout


async def test_two_stores_opening_one_new_schema_at_once_migrate_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    schema = schema_for(tmp_path)
    stores = [PostgresDatabase(postgres_url, schema=schema) for _ in range(4)]
    loop = asyncio.get_running_loop()
    await asyncio.gather(*(asyncio.to_thread(s.open, loop) for s in stores))
    try:
        secrets = {await s.read(lambda r: r.task_id_secret()) for s in stores}
        assert len(secrets) == 1, "every store sees the one schema made once"
    finally:
        for s in stores:
            await asyncio.to_thread(s.close)


async def test_a_schema_from_a_newer_taskqueue_is_refused(
    postgres_url: str, tmp_path: Path
) -> None:
    schema = schema_for(tmp_path)
    store = PostgresDatabase(postgres_url, schema=schema)
    await asyncio.to_thread(store.open, asyncio.get_running_loop())
    await asyncio.to_thread(store.close)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {}.schema_version (version) VALUES (999)").format(
                sql.Identifier(schema)
            )
        )
    again = PostgresDatabase(postgres_url, schema=schema)
    with pytest.raises(errors.StorageUnavailable) as info:
        await asyncio.to_thread(again.open, asyncio.get_running_loop())
    assert info.value.reason == "SCHEMA_TOO_NEW" and "999" in info.value.message


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("postgresql://postgres@127.0.0.1:1/postgres", "cannot connect"),
        ("postgresql://postgres@127.0.0.1:notaport/postgres", "malformed"),
    ],
)
def test_a_bad_url_is_a_start_up_error_naming_it(db: str, says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0", "--db", db],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr, done.stderr


async def test_create_backup_dumps_the_schema_and_lists_it(
    postgres_url: str, tmp_path: Path
) -> None:
    async with running_server(
        tmp_path / "x", postgres=postgres_url, backup_dir=str(tmp_path / "backups")
    ) as tq:
        for i in range(7):
            await tq.stub.CreateTask(create_request(prompt=f"t{i}"))
        made = (await tq.stub.CreateBackup(pb.CreateBackupRequest())).backup
        listed = (await tq.stub.ListBackups(pb.ListBackupsRequest())).backups
    assert made.task_count == 7 and made.integrity_check == "ok" and made.schema_version >= 1
    assert [b.name for b in listed] == [made.name]
    assert Path(made.path).exists() and made.size_bytes > 0


async def test_the_keys_command_manages_keys_in_a_postgresql_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    schema = schema_for(tmp_path)
    where = ("keys", "--db", postgres_url, "--db-schema", schema)
    made = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "taskqueue_server.main", *where, "create", "--name", "ci",
         "--role", "submitter"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = made.stdout.strip()
    listed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "taskqueue_server.main", *where, "list", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert '"name": "ci"' in listed.stdout and token not in listed.stdout
    async with running_server(tmp_path, postgres=postgres_url, auth_enabled=True) as tq:
        assert tq.schema == schema
        created = await tq.stub.CreateTask(
            create_request(), metadata=(("authorization", f"Bearer {token}"),)
        )
        assert created.task.id


async def test_a_running_server_honours_keys_changed_by_the_command(
    postgres_url: str, tmp_path: Path
) -> None:
    """No restart: the server sees the store's count of key changes move."""
    async with running_server(tmp_path, postgres=postgres_url, auth_enabled=True) as tq:
        where = ("keys", "--db", postgres_url, "--db-schema", tq.schema)
        made = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "taskqueue_server.main", *where, "create", "--name", "late",
             "--role", "submitter"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        md = (("authorization", f"Bearer {made.stdout.strip()}"),)

        async def accepted() -> bool:
            try:
                await tq.stub.CreateTask(create_request(), metadata=md)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                    raise
                return False
            return True

        await wait_for(accepted, 10, "the new key accepted")
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "taskqueue_server.main", *where, "revoke", "late"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip

        async def refused() -> bool:
            return not await accepted()

        await wait_for(refused, 10, "the revoked key refused")
