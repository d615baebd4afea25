"""PostgreSQL failures as the errors callers see: a lost or refused connection is
UNAVAILABLE (the server reconnects for the next batch); a full disk is StorageFull; a
violated constraint or any other refused statement is an error of its own, logged."""

from __future__ import annotations

import logging

import psycopg
from psycopg import errors as pg_errors

from taskqueue_server import errors

log = logging.getLogger(__name__)


def storage_error(exc: psycopg.Error) -> errors.TaskQueueError:
    """Maps a psycopg failure to the error callers see."""
    name = type(exc).__name__
    state = exc.sqlstate or ""
    if isinstance(exc, psycopg.DataError) and "NUL" in str(exc):
        # psycopg's own refusal, before sending: PostgreSQL text has no NUL characters
        return errors.InvalidArgument(
            [errors.FieldViolation(field="", description="text contains a NUL character")]
        )
    if isinstance(exc, pg_errors.DiskFull):
        return errors.StorageFull("the database's disk is full; writes are refused")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) or state.startswith(
        ("08", "57", "53")
    ):
        return errors.StorageUnavailable(
            f"the database is unavailable: {name}: {str(exc).strip()}",
            metadata={"postgres_error": state or name},
        )
    if not isinstance(exc, psycopg.IntegrityError):
        log.error("PostgreSQL refused a statement: %s: %s", name, exc)
    return errors.TaskQueueError(f"storage error {name}", metadata={"postgres_error": state})


def failure(exc: BaseException) -> BaseException:
    """What an operation's caller gets for its exception: psycopg failures mapped to ours."""
    return storage_error(exc) if isinstance(exc, psycopg.Error) else exc
