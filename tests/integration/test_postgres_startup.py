"""Start-up on PostgreSQL: the URL from --db, TASKQUEUE_DB or the TOML file, in either scheme;
with the wrong credentials or too few rights, exit status 2 and one line that names the
problem, never a traceback and never the password; the right password from
--db-password-file gets it in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grpc
import psycopg
import pytest
from psycopg import sql
from support import SERVING_LINE, create_request, schema_for
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

ROLE = "tq_with_password"
RIGHT, WRONG = "the-right-one-7", "not-it-3"


@pytest.fixture(scope="module")
def password_role(postgres_cluster: tuple[Path, str]) -> str:
    """A role that must give its password on loopback (the session cluster trusts every
    other role), and may not create schemas in the database."""
    directory, url = postgres_cluster
    hba = directory / "data" / "pg_hba.conf"
    rules = hba.read_text()
    if ROLE not in rules:
        hba.write_text(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n{rules}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {ROLE}")
        conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{RIGHT}'")
        conn.execute("SELECT pg_reload_conf()")
    return url.replace("postgres@", f"{ROLE}@", 1)


def start(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_wrong_password_is_named_and_never_shown(password_role: str) -> None:
    url = password_role.replace(f"{ROLE}@", f"{ROLE}:{WRONG}@", 1)
    done = start("--db", url)
    assert done.returncode == 2, done.stderr
    assert "password authentication failed" in done.stderr, done.stderr
    assert WRONG not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_role_that_may_not_create_the_schema_is_told_what_to_grant(
    password_role: str, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text(RIGHT + "\n")
    done = start("--db", password_role, "--db-password-file", str(secret), "--db-schema", "tq_x")
    assert done.returncode == 2, done.stderr
    assert "may not create the schema 'tq_x'" in done.stderr, done.stderr
    assert "grant it CREATE" in done.stderr and "Traceback" not in done.stderr
    assert RIGHT not in done.stderr + done.stdout


def serve_until_created(env: dict[str, str], *args: str) -> str:
    """Starts a server with `env` and `args`, creates a task through it; its serving line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0", *args],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if found := SERVING_LINE.search(line):
                with grpc.insecure_channel(f"{found.group(1)}:{found.group(2)}") as channel:
                    stub = pb_grpc.TaskQueueServiceStub(channel)
                    assert stub.CreateTask(create_request(), timeout=10).task.id
                return line
        raise AssertionError("the server did not start")
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_the_database_from_the_environment_in_either_scheme(
    postgres_url: str, tmp_path: Path, scheme: str
) -> None:
    url = postgres_url.replace("postgresql://", f"{scheme}://", 1)
    schema = schema_for(tmp_path)
    line = serve_until_created({"TASKQUEUE_DB": url, "TASKQUEUE_DB_SCHEMA": schema})
    assert f"database {url}" in line, line
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.tasks").format(sql.Identifier(schema))
        ).fetchone()
    assert found == (1,)


def test_the_database_from_the_toml_file(postgres_url: str, tmp_path: Path) -> None:
    schema = schema_for(tmp_path)
    toml = tmp_path / "taskqueue.toml"
    toml.write_text(f'db = "{postgres_url}"\ndb_schema = "{schema}"\n')
    line = serve_until_created({}, "--config", str(toml))
    assert "database postgresql://" in line, line
