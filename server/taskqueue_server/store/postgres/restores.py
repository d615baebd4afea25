"""`taskqueue-server restore` into PostgreSQL: a verified backup (a `pg_dump` of one
taskqueue schema, store/postgres/copies.py) goes into an empty or absent schema, under any
name, beside the live schema of the same database if need be.

The schema is made by taskqueue's own migrations, up to the backup's version (the server
migrates it further when it starts), emptied of the rows the migrations seed (the secrets of
ids and page tokens: the backup's must come back), and filled with the backup's rows, table
by table, with COPY from `pg_restore --data-only` (in dependency order), the sequences set as
they were. All in one transaction, checked against the manifest's task count before it
commits: a restore that fails leaves nothing behind.
"""

from __future__ import annotations

import graphlib
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from taskqueue_server import errors
from taskqueue_server.config import masked_db
from taskqueue_server.model import BackupInfo
from taskqueue_server.store.postgres import copies, urls
from taskqueue_server.store.postgres.migrations import migrate
from taskqueue_server.store.postgres.schema import SCHEMA_VERSION

_RELATIONS: Final = """
SELECT count(c.oid) FROM pg_namespace AS n LEFT JOIN pg_class AS c ON c.relnamespace = n.oid
WHERE n.nspname = %s GROUP BY n.oid"""
_REFERENCES: Final = """
SELECT child.relname, parent.relname FROM pg_constraint AS c
JOIN pg_class AS child ON child.oid = c.conrelid JOIN pg_class AS parent ON parent.oid = c.confrelid
JOIN pg_namespace AS n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = %s"""
NOT_DATA: Final = frozenset({"servers"})
"""Tables whose rows a restore leaves out: the heartbeats of the servers that ran then."""
_TABLES: Final = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
_COPY: Final = re.compile(r'^COPY (?:"(?:[^"]|"")+"|[^\s.]+)\.(\w+) \(([\w", ]+)\) FROM stdin;$')
_SETVAL: Final = re.compile(
    r"^SELECT pg_catalog\.setval\('.+\.\"?(\w+)\"?', (\d+), (true|false)\);$"
)
_SET_SEQUENCE: Final = "SELECT setval(format('%%I.%%I', %s::text, %s::text)::regclass, %s, %s)"


class SchemaTarget:
    """A schema of a PostgreSQL database, which must be empty or absent."""

    scratch: Path | None = None
    magic = b"PGDMP"  # pg_dump's custom format

    def __init__(self, url: str, *, schema: str, password_file: str = "") -> None:
        self.schema = schema
        self._where = f"schema {schema!r} of {masked_db(url)}"
        self._url, extra = urls.conninfo(url, password_file)
        self._conninfo = make_conninfo(self._url, **extra)

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise errors.StorageUnavailable(
                f"cannot connect to {masked_db(self._url)}: {_first_line(exc)}"
            ) from None

    def _refuse_unless_empty(self, conn: psycopg.Connection) -> None:
        row = conn.execute(_RELATIONS, (self.schema,)).fetchone()
        if row is not None and row[0]:
            raise errors.TaskQueueError(
                f"{self._where} is not empty ({row[0]} tables, indexes and sequences): a"
                " backup is restored into an empty schema; drop that one first, or name"
                " another with --db-schema",
                reason="SCHEMA_NOT_EMPTY",
            )

    def check(self) -> None:
        with self._connect() as conn:
            self._refuse_unless_empty(conn)

    def place(self, copy: Path, info: BackupInfo) -> None:
        if info.schema_version > SCHEMA_VERSION:
            raise errors.TaskQueueError(
                f"the backup's schema is at version {info.schema_version}, made by a newer"
                f" taskqueue; this one knows versions up to {SCHEMA_VERSION}: upgrade it",
                reason="SCHEMA_TOO_NEW",
            )
        toc = copies.table_of_contents(str(copy))
        name = sql.Identifier(self.schema)
        with self._connect() as conn:
            try:
                with conn.transaction():
                    self._refuse_unless_empty(conn)
                    migrate(conn, self.schema, upto=max(info.schema_version, 1))
                    tables = {t for (t,) in conn.execute(_TABLES, (self.schema,))}
                    conn.execute(
                        sql.SQL("TRUNCATE {}").format(
                            sql.SQL(", ").join(
                                sql.SQL("{}.{}").format(name, sql.Identifier(t))
                                for t in sorted(tables)
                            )
                        )
                    )
                    self._load(conn, copy, toc, tables)
                    row = conn.execute(sql.SQL("SELECT count(*) FROM {}.tasks").format(name))
                    counted = int(row.fetchone()[0])  # type: ignore[index]
                    if counted != info.task_count:
                        raise errors.TaskQueueError(
                            f"the backup gave {counted} tasks; its manifest says"
                            f" {info.task_count}: nothing was restored",
                            reason="BACKUP_NOT_VERIFIED",
                        )
            except psycopg.Error as exc:
                raise errors.StorageUnavailable(
                    f"restoring into {self._where} failed, nothing was restored: {_first_line(exc)}"
                ) from None

    def _load(self, conn: psycopg.Connection, copy: Path, toc: str, tables: set[str]) -> None:
        """The backup's rows into the schema's tables, a table's after those it refers to,
        then its sequences' positions: pg_restore --data-only, one table of contents entry
        at a time (its own order is not the foreign keys')."""
        entries = {line.split()[6]: line for line in toc.splitlines() if " TABLE DATA " in line}
        unknown = set(entries) - tables
        if unknown:
            raise errors.TaskQueueError(
                f"the backup holds rows of tables taskqueue does not have: {sorted(unknown)}",
                reason="BACKUP_NOT_VERIFIED",
            )
        refers = graphlib.TopologicalSorter[str]({t: set() for t in tables})
        for child, parent in conn.execute(_REFERENCES, (self.schema,)):
            refers.add(child, parent)
        sequences = [line for line in toc.splitlines() if " SEQUENCE SET " in line]
        with tempfile.TemporaryDirectory(prefix="tq-restore-") as work:
            listing = Path(work) / "use.list"
            for table in refers.static_order():
                if table in entries and table not in NOT_DATA:
                    listing.write_text(entries[table] + "\n")
                    self._run(conn, copy, listing, tables)
            if sequences:
                listing.write_text("\n".join(sequences) + "\n")
                self._run(conn, copy, listing, tables)

    def _run(self, conn: psycopg.Connection, copy: Path, listing: Path, tables: set[str]) -> None:
        args = [copies.program("pg_restore"), "--data-only", f"--use-list={listing}",
                "--file=-", str(copy)]  # fmt: skip
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
            assert p.stdout is not None
            lines = _lines(p.stdout)
            for line in lines:
                if found := _COPY.match(line):
                    table, columns = found.groups()
                    assert table in tables, table
                    statement = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
                        sql.Identifier(self.schema), sql.Identifier(table), sql.SQL(columns)
                    )
                    with conn.cursor().copy(statement) as rows:
                        for row in lines:
                            if row == "\\.":
                                break
                            rows.write(row + "\n")
                elif found := _SETVAL.match(line):
                    sequence, value, called = found.groups()
                    conn.execute(
                        _SET_SEQUENCE, (self.schema, sequence, int(value), called == "true")
                    )
            said = p.stderr.read() if p.stderr else ""
        if p.returncode != 0:
            raise errors.TaskQueueError(
                f"pg_restore could not read the backup: {said.strip() or p.returncode}",
                reason="BACKUP_UNREADABLE",
            )


def _lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
