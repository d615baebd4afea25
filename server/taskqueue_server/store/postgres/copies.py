"""Copies of a PostgreSQL store: `pg_dump` of the taskqueue schema in its custom format,
verified by `pg_restore` (its table of contents, and the rows of the tasks and the schema
version read back from the file)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from taskqueue_server import errors
from taskqueue_server.store.port import CopyFacts

_TIMEOUT_S = 3600


def program(name: str) -> str:
    """A PostgreSQL client program from the PATH, else from /usr/lib/postgresql/N/bin (where
    Debian keeps the real ones); Unsupported when there is none."""
    found = shutil.which(name)
    if found is None:
        for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (directory / name).exists():
                return str(directory / name)
        raise errors.Unsupported(
            f"{name} is not installed on the server's machine: backups of a PostgreSQL store"
            " need the PostgreSQL client programs (Debian: apt-get install postgresql-client)",
            reason="PG_DUMP_MISSING",
        )
    return found


def run(args: list[str], password: str | None, what: str) -> str:
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise errors.StorageUnavailable(f"{what} failed: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise errors.StorageUnavailable(
            f"{what} failed: {said[-1] if said else f'exit status {done.returncode}'}"
        )
    return done.stdout


def dump(url: str, schema: str, target: str, password: str | None) -> None:
    """The schema, online (one consistent snapshot), into `target` in pg_dump's custom format."""
    run(
        [
            program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--schema={schema}",
            f"--file={target}",
            f"--dbname={url}",
        ],
        password,
        "pg_dump",
    )


def table_of_contents(path: str) -> str:
    """`pg_restore --list` of a dump: StorageUnavailable when it cannot be read."""
    return run([program("pg_restore"), "--list", path], None, "pg_restore --list")


def schema_of(toc: str) -> str:
    """The schema a dump's table of contents holds the tasks of."""
    return next(
        (
            line.split()[5]
            for line in toc.splitlines()
            if " TABLE DATA " in line and line.split()[6:7] == ["tasks"]
        ),
        "taskqueue",
    )


def inspect(path: str, schema: str | None = None) -> CopyFacts:
    """What a dump holds: its table of contents must read back ("ok"), the schema version and
    the number of tasks come from its rows."""
    restore = program("pg_restore")
    try:
        toc = table_of_contents(path)
    except errors.StorageUnavailable as exc:
        return CopyFacts(schema_version=0, task_count=0, integrity_check=exc.message)
    if schema is None:
        schema = schema_of(toc)
    tasks = _rows(restore, path, schema, "tasks")
    versions = _rows(restore, path, schema, "schema_version")
    version = max((int(v.split("\t")[0]) for v in versions), default=0)
    return CopyFacts(schema_version=version, task_count=len(tasks), integrity_check="ok")


def _rows(restore: str, path: str, schema: str, table: str) -> list[str]:
    out = run(
        [restore, "--data-only", f"--schema={schema}", f"--table={table}", "--file=-", path],
        None,
        "pg_restore",
    )
    rows: list[str] = []
    copying = False
    for line in out.splitlines():
        if line.startswith("COPY "):
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            rows.append(line)
    return rows
