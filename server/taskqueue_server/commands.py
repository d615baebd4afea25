"""The admin sub-commands of `taskqueue-server`, run on a database file while the server
runs or not: `keys create|list|revoke`, `restore BACKUP`, and `--print-config`. They work on
the SQLite file directly (offline transactions of the same port the server uses)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from taskqueue_server import config, errors
from taskqueue_server.config import Settings
from taskqueue_server.model import StoredKey
from taskqueue_server.ops import backups
from taskqueue_server.queue.services import now_us
from taskqueue_server.security import keys as api_keys
from taskqueue_server.security import roles
from taskqueue_server.security.service import create_key_in, revoke_key_in
from taskqueue_server.store.port import Transaction
from taskqueue_server.store.postgres import copies as postgres_copies
from taskqueue_server.store.postgres import offline as postgres_offline
from taskqueue_server.store.postgres import restores as postgres_restores
from taskqueue_server.store.postgres import urls
from taskqueue_server.store.sqlite import copies
from taskqueue_server.store.sqlite import offline as sqlite_offline
from taskqueue_server.store.sqlite.config_revisions import stored_revision

T = TypeVar("T")


def print_config(settings: Settings, sources_of: dict[str, str]) -> None:
    """`taskqueue-server --print-config`: the effective settings, one per line: name = value
    (source). A stored revision in the database is applied on top of file and environment
    when the server starts."""
    values = settings.public()
    sources = dict(sources_of)
    latest = stored_revision(settings.db)
    if latest is not None:
        revision, stored_values = latest
        for name, value in stored_values.items():
            if name in values and not sources.get(name, "").startswith("flag"):
                values[name] = value
                sources[name] = f"revision {revision}"
    width = max(len(n) for n in values)
    for name, value in values.items():
        restart = "" if not config.needs_restart(name) else ", restart to change"
        print(f"{name:<{width}} = {value!r}  ({sources.get(name, 'default')}{restart})")


def _database_arguments(parser: argparse.ArgumentParser, *, schema: str) -> None:
    """--db, --db-schema and --db-password-file, defaulting as the server's settings do."""
    defaults = Settings().with_env()
    parser.add_argument(
        "--db", default=defaults.db, help="the database file, or a postgresql:// URL"
    )
    parser.add_argument("--db-schema", default=defaults.db_schema, help=schema)
    parser.add_argument(
        "--db-password-file",
        default=defaults.db_password_file,
        help="PostgreSQL: a file holding the password",
    )


def restore(argv: Sequence[str]) -> None:
    """`taskqueue-server restore BACKUP --db PATH|URL`."""
    parser = argparse.ArgumentParser(
        prog="taskqueue-server restore",
        description="Restore a backup into a database file (the server must not be running"
        " on it) or into an empty PostgreSQL schema. The checksum and the copy's integrity"
        " are verified first; a database file that is replaced is kept beside it as"
        " PATH.before-restore-<time>.",
    )
    parser.add_argument("backup", help="the .db.gz file (its .json manifest must be beside it)")
    _database_arguments(parser, schema="PostgreSQL: the schema to restore into")
    args = parser.parse_args(argv)
    try:
        if urls.is_postgres(args.db):
            target: backups.RestoreTarget = postgres_restores.SchemaTarget(
                args.db, schema=args.db_schema, password_file=args.db_password_file
            )
            info = backups.restore(args.backup, target, inspect=postgres_copies.inspect)
            where = f"schema {args.db_schema!r} of {config.masked_db(args.db)}"
        else:
            target = backups.FileTarget(args.db, in_use=copies.is_locked)
            info = backups.restore(args.backup, target, inspect=copies.inspect)
            where = args.db
    except errors.TaskQueueError as exc:
        print(f"restore refused: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"restored {info.name} ({info.task_count} tasks, taken {info.create_time}) into {where}")


def keys(argv: Sequence[str]) -> None:
    """`taskqueue-server keys create|list|revoke`: API keys, straight in the database file
    (works while the server runs; it sees the change on the next call)."""
    parser = argparse.ArgumentParser(
        prog="taskqueue-server keys",
        description="Manage API keys in the database file or PostgreSQL schema. A running"
        " server applies a change from its next call on (on PostgreSQL within a second)."
        " Clients send a key as 'authorization: Bearer <key>'.",
    )
    _database_arguments(parser, schema="PostgreSQL: taskqueue's schema")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (only this once)")
    create.add_argument(
        "--name", required=True, help="a name for the key, unique among active keys"
    )
    create.add_argument("--role", required=True, choices=roles.ROLES)
    create.add_argument("--ttl-seconds", type=float, help="the key expires after this long")
    create.add_argument("--json", action="store_true", help="print JSON")
    listing = commands.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--all", action="store_true", help="also revoked and expired keys")
    listing.add_argument("--json", action="store_true", help="print JSON")
    revoke = commands.add_parser("revoke", help="revoke a key by id or name")
    revoke.add_argument("key", help="the key's id or name")
    args = parser.parse_args(argv)
    postgres = urls.is_postgres(args.db)
    db_path = args.db if postgres else os.path.abspath(args.db)

    def run_offline(op: Callable[[Transaction], T]) -> T:
        if postgres:
            return postgres_offline.run_offline(
                db_path, op, schema=args.db_schema, password_file=args.db_password_file
            )
        return sqlite_offline.run_offline(db_path, op)

    def touch_stamp() -> None:  # the SQLite file's stamp, seen at once (a server on either
        if not postgres:  # store also polls the count of key changes, security/service.py)
            api_keys.touch_stamp(db_path)

    now = now_us()
    try:
        if args.command == "create":
            ttl = None if args.ttl_seconds is None else round(args.ttl_seconds * 1e6)
            token, stored = api_keys.new_key(name=args.name, role=args.role, now_us=now, ttl_us=ttl)
            run_offline(lambda tx: create_key_in(tx, stored))
            touch_stamp()
            if args.json:
                print(json.dumps({**_key_json(stored, now), "key": token}))
            else:
                print(token)
                print(
                    f"created API key {stored.name!r} (id {stored.key_id}, role {stored.role});"
                    " it is shown only now",
                    file=sys.stderr,
                )
        elif args.command == "list":
            listed = run_offline(lambda tx: tx.api_keys())
            shown = [_key_json(k, now) for k in listed]
            if not args.all:
                shown = [k for k in shown if k["status"] == "active"]
            if args.json:
                print(json.dumps(shown))
            else:
                print(f"{'ID':<16}  {'NAME':<24} {'ROLE':<9} {'STATUS':<7} CREATED")
                for k in shown:
                    print(
                        f"{k['key_id']:<16}  {k['name']:<24} {k['role']:<9} {k['status']:<7}"
                        f" {k['create_time']}"
                    )
        else:
            revoked = run_offline(lambda tx: revoke_key_in(tx, args.key, now))
            touch_stamp()
            print(f"revoked API key {revoked.name!r} (id {revoked.key_id})")
    except errors.TaskQueueError as exc:
        print(f"keys {args.command}: {exc.message}", file=sys.stderr)
        raise SystemExit(2 if isinstance(exc, errors.InvalidArgument) else 1) from None


def _key_json(key: StoredKey, now: int) -> dict[str, Any]:
    def iso(us: int | None) -> str | None:
        if us is None:
            return None
        return datetime.fromtimestamp(us / 1e6, UTC).isoformat(timespec="seconds")

    status = (
        "revoked"
        if key.revoke_time is not None
        else "expired"
        if key.expire_time is not None and key.expire_time <= now
        else "active"
    )
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role,
        "status": status,
        "create_time": iso(key.create_time),
        "expire_time": iso(key.expire_time),
        "revoke_time": iso(key.revoke_time),
    }
