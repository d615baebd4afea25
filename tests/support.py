"""Helpers shared by the tests: servers (in-process or as a process), stubs, rich errors."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import apsw
import grpc
import psycopg
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from psycopg import sql
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc
from taskqueue_server.config import Settings
from taskqueue_server.main import Server
from taskqueue_server.store.sqlite import id_keys as ids
from taskqueue_server.task_ids import TaskIds

PROMPT = "Analyse the performance problems in this codebase"
SERVING_LINE = re.compile(r"serving taskqueue\.v1\.TaskQueueService on (\S+):(\d+)")


@dataclass
class Running:
    """A server under test and a stub connected to it."""

    server: Server
    channel: grpc.aio.Channel
    stub: pb_grpc.TaskQueueServiceStub
    db_path: Path
    """The SQLite file (on PostgreSQL: the test's directory, unused by the server)."""
    address: str
    postgres: str = ""
    """On PostgreSQL: the URL, and `schema` the test's own schema."""
    schema: str = ""


def schema_for(where: Path) -> str:
    """A PostgreSQL schema of a test's own, named after its directory."""
    return "t_" + hashlib.sha256(str(where).encode()).hexdigest()[:16]


@contextlib.asynccontextmanager
async def running_server(
    db_path: Path, *, postgres: str = "", **overrides: object
) -> AsyncIterator[Running]:
    """An in-process server on 127.0.0.1:0 with its own database (an SQLite file at
    `db_path`, or with `postgres` a schema of its own in that PostgreSQL), and a stub."""
    schema = schema_for(db_path) if postgres else ""
    db = {"db": postgres, "db_schema": schema} if postgres else {"db": str(db_path)}
    if postgres:  # backups go to ./backups on PostgreSQL unless told: keep them in the test's
        overrides.setdefault("backup_dir", str(db_path.parent / "backups"))
    settings = replace(Settings(listen="127.0.0.1:0", grace_seconds=1, **db), **overrides)  # type: ignore[arg-type]
    server = Server(settings)
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    try:
        yield Running(
            server, channel, pb_grpc.TaskQueueServiceStub(channel), db_path, server.address,
            postgres, schema,
        )  # fmt: skip
    finally:
        await channel.close()
        await server.stop(0.5)


def digest(tq: Running, *, leaving_out: tuple[str, ...] = ()) -> str:
    """`db_digest` of the server's database, SQLite file or PostgreSQL schema alike."""
    if tq.postgres:
        return postgres_digest(tq.postgres, tq.schema, leaving_out=leaving_out)
    return db_digest(tq.db_path, leaving_out=leaving_out)


def postgres_digest(url: str, schema: str, *, leaving_out: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table of `schema` but `leaving_out` (and the health
    probe's row, and the servers' heartbeats), as `db_digest` on SQLite."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
                " ORDER BY table_name",
                (schema,),
            )
        ]
        assert "tasks" in tables, tables
        h = hashlib.sha256()
        for table in tables:
            if table in leaving_out or table == "servers":
                continue
            skip = " WHERE key <> 'health_probe'" if table == "meta" else ""
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            ) + sql.SQL(skip)
            rows = sorted(repr(row) for row in conn.execute(query))
            h.update(f"{table}:{len(rows)}".encode())
            for row in rows:
                h.update(row.encode())
        return h.hexdigest()


def create_request(**fields: object) -> pb.CreateTaskRequest:
    values: dict[str, object] = {"work_directory": "/home/user/project", "prompt": PROMPT}
    values.update(fields)
    return pb.CreateTaskRequest(**values)  # type: ignore[arg-type]


@dataclass
class RichError:
    """What a failed call said: code, ErrorInfo reason and metadata, BadRequest fields."""

    code: grpc.StatusCode
    message: str
    reason: str
    metadata: dict[str, str]
    fields: list[str]


def rich_error(exc: grpc.aio.AioRpcError) -> RichError:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    reason, metadata, fields = "", {}, []
    assert status is not None, "the error carries no google.rpc.Status"
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
            assert info.domain == "taskqueue.v1"
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields = [v.field for v in bad.field_violations]
    return RichError(exc.code(), exc.details() or "", reason, metadata, fields)


def db_digest(path: Path, *, leaving_out: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table (tasks, events, tags, directory load, meta,
    config revisions, keys, audit) but the tables `leaving_out` names: equal digests mean
    nothing changed. The health probe's row in meta is left out: the server rewrites it
    every few seconds on its own."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        h = hashlib.sha256()
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        assert "tasks" in tables and "api_keys" in tables, tables
        for table in tables:
            if table in leaving_out:
                continue
            skip = " WHERE key != 'health_probe'" if table == "meta" else ""
            rows = sorted(repr(row) for row in conn.execute(f"SELECT * FROM {table}{skip}"))
            h.update(f"{table}:{len(rows)}".encode())
            for row in rows:
                h.update(row.encode())
        return h.hexdigest()
    finally:
        conn.close()


async def refused(
    tq: Running, call: object, code: grpc.StatusCode, reason: str, *fields: str
) -> RichError:
    """Awaits `call`, asserts it is refused with this code, reason and the violations of
    these fields (when given), and that nothing in the database changed."""
    before = digest(tq)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    err = rich_error(info.value)
    assert (err.code, err.reason) == (code, reason), err
    if fields:
        assert sorted(err.fields) == sorted(fields), err
    assert digest(tq) == before, "a refused call changed the database"
    return err


class ServerProcess:
    """A `taskqueue-server` in its own process, stopped by its PID."""

    def __init__(self, db_path: Path, *extra: str, listen: str = "127.0.0.1:0") -> None:
        self.db_path = db_path
        self.args = [
            sys.executable,
            "-m",
            "taskqueue_server.main",
            "--listen",
            listen,
            "--db",
            str(db_path),
            "--grace",
            "2",
            *extra,
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.address = ""
        self.log: list[str] = []
        self.postgres = ""  # set by store_process: the URL and schema of a PostgreSQL store
        self.schema = ""

    def start(self, timeout: float = 30) -> str:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self.args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
        )
        assert self.proc.stderr is not None
        for line in self._lines(timeout):
            match = SERVING_LINE.search(line)
            if match:
                self.address = f"{match.group(1)}:{match.group(2)}"
                return self.address
        raise AssertionError(f"server did not start: {''.join(self.log)}")

    def _lines(self, timeout: float) -> Iterator[str]:
        assert self.proc is not None and self.proc.stderr is not None
        import selectors
        import time

        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=0.2):
                line = self.proc.stderr.readline()
                if not line:
                    return
                self.log.append(line)
                yield line
        sel.close()

    def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def terminate(self, timeout: float = 20) -> int:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGTERM)
        _, rest = self.proc.communicate(timeout=timeout)
        self.log.append(rest)
        return self.proc.returncode

    def rest_of_log(self) -> str:
        return "".join(self.log)


@contextlib.contextmanager
def server_process(db_path: Path, *extra: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(db_path, *extra)
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


@contextlib.contextmanager
def store_process(
    request: pytest.FixtureRequest, store: str, directory: Path, *extra: str
) -> Iterator[ServerProcess]:
    """`server_process` on `store`: an SQLite file in `directory`, or a schema of its own in
    the session's PostgreSQL (`postgres_url`); `process_digest` reads either."""
    url = request.getfixturevalue("postgres_url") if store == "postgres" else ""
    schema = schema_for(directory) if url else ""
    # On PostgreSQL backups go to ./backups unless told: keep them in the test's directory.
    db = ("--db", url, "--db-schema", schema, "--backup-dir", str(directory / "backups"))
    with server_process(directory / "taskqueue.db", *(db if url else ()), *extra) as proc:
        proc.postgres, proc.schema = url, schema
        yield proc


def process_digest(proc: ServerProcess) -> str:
    """`db_digest` of a server process's database, SQLite file or PostgreSQL schema."""
    return postgres_digest(proc.postgres, proc.schema) if proc.postgres else db_digest(proc.db_path)


async def wait_for(predicate: object, deadline_s: float = 10.0, what: str = "condition") -> None:
    """Polls an async predicate until true; fails after `timeout`. For server-side state that
    offers no event to wait on (for example a lease running out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while True:
        if await predicate():  # type: ignore[operator]
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class NamedIds:
    """Real task ids (store/sqlite/ids.py) for the names a store test gives its tasks, in the order
    it first names them: `ids["a"]` is the (key, id) to insert "a" with, `ids.of("a")` its
    id and `ids.name(task.id)` the name back. Without a database (`conn` None) the ids are
    made under a throwaway secret."""

    def __init__(self, conn: apsw.Connection | None = None) -> None:
        found = ids.load(conn) if conn is not None else None
        self._ids = found if found is not None else TaskIds(os.urandom(16))
        self._next = ids.next_key(conn) if conn is not None else 1
        self._made: dict[str, tuple[int, str]] = {}
        self._names: dict[str, str] = {}

    def __getitem__(self, name: str) -> tuple[int, str]:
        if name not in self._made:
            (task_id,) = self._ids.ids(self._next, 1)
            self._made[name] = (self._next, task_id)
            self._names[task_id] = name
            self._next += 1
        return self._made[name]

    def of(self, name: str) -> str:
        return self[name][1]

    def name(self, task_id: str) -> str:
        return self._names[task_id]
