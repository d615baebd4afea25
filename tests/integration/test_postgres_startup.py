"""Start-up on PostgreSQL with the wrong credentials or too few rights: exit status 2 and one
line that names the problem, never a traceback and never the password; the right password
from --db-password-file starts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

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
