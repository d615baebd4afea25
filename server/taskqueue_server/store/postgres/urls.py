"""Which store a `--db` names, and PostgreSQL URLs without their passwords.

A value of the `postgresql://` or `postgres://` scheme selects PostgreSQL; anything else is
an SQLite path. The password may come from the URL, `PGPASSWORD` (libpq reads it itself) or
a file (`--db-password-file`); it is never shown: config.masked_db is what logs, errors,
`--print-config` and GetConfig say.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from taskqueue_server import errors

SCHEMES = ("postgresql", "postgres")


def is_postgres(db: str) -> bool:
    return db.split("://", 1)[0].lower() in SCHEMES and "://" in db


def conninfo(db: str, password_file: str = "") -> tuple[str, dict[str, str]]:
    """The URL to connect with and extra connection keywords (the password of a file)."""
    try:
        parts = urlsplit(db)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise errors.InvalidArgument(
            [errors.FieldViolation(field="db", description=f"malformed PostgreSQL URL: {exc}")]
        ) from None
    if not parts.hostname and not parts.path.strip("/"):
        raise errors.InvalidArgument(
            [
                errors.FieldViolation(
                    field="db",
                    description="a PostgreSQL URL names a host"
                    " and a database: postgresql://USER@HOST:PORT/DBNAME",
                )
            ]
        )
    extra: dict[str, str] = {}
    if password_file:
        try:
            extra["password"] = Path(password_file).read_text().strip()
        except OSError as exc:
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        field="db_password_file", description=f"cannot be read: {exc.strerror}"
                    )
                ]
            ) from None
    return db, extra
