"""SQLite failures as the errors callers see: the storage itself (disk, file, locks) is
UNAVAILABLE or full; anything else is a bug in a statement, logged."""

from __future__ import annotations

import logging
from typing import Final

import apsw

from taskqueue_server import errors

log = logging.getLogger(__name__)

# Failures of the storage itself (disk, file, locks), as opposed to a bug in a statement.
_UNAVAILABLE: Final = (
    apsw.IOError,
    apsw.CantOpenError,
    apsw.BusyError,
    apsw.LockedError,
    apsw.ReadOnlyError,
    apsw.CorruptError,
    apsw.NotADBError,
    apsw.PermissionsError,
    apsw.ProtocolError,
)


def storage_error(exc: apsw.Error) -> errors.TaskQueueError:
    """Maps an SQLite failure to the error callers see."""
    name = type(exc).__name__
    if isinstance(exc, apsw.FullError):
        return errors.StorageFull("the disk under the database is full; writes are refused")
    if isinstance(exc, _UNAVAILABLE):
        return errors.StorageUnavailable(
            f"the database is unavailable: {name}: {exc}", metadata={"sqlite_error": name}
        )
    log.error("SQLite refused a statement: %s: %s", name, exc)
    return errors.TaskQueueError(f"storage error {name}", metadata={"sqlite_error": name})


def failure(exc: BaseException) -> BaseException:
    """What an operation's caller gets for its exception: SQLite failures mapped to ours."""
    return storage_error(exc) if isinstance(exc, apsw.Error) else exc
