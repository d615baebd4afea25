"""Task ids and keys in an SQLite database: the secret the ids are made under (meta
`task_id_key`), the next key, and ids turned into keys for the statements of a connection
(the permutation itself is taskqueue_server/task_ids.py)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Final

import apsw

from taskqueue_server.task_ids import TaskIds

SECRET_SQL: Final = "SELECT value FROM meta WHERE key = 'task_id_key'"
LAST_KEY_SQL: Final = "SELECT max(id_key) FROM tasks"


def secret(conn: apsw.Connection) -> bytes:
    """The secret of a migrated database."""
    row = conn.execute(SECRET_SQL).fetchone()
    assert row is not None, "the migration that makes the id secret has run"
    return bytes(row[0])


def load(conn: apsw.Connection) -> TaskIds | None:
    """The permutation of the database `conn` is on; None before the migration that makes
    its secret."""
    try:
        row = conn.execute(SECRET_SQL).fetchone()
    except apsw.SQLError:  # no meta table yet: a new database, not migrated
        return None
    return None if row is None else TaskIds(row[0])


_OF_CONNECTION: weakref.WeakKeyDictionary[apsw.Connection, TaskIds] = weakref.WeakKeyDictionary()


def install(conn: apsw.Connection) -> None:
    """Lets `keys_in` turn ids into keys for the statements of `conn` (once its database has a
    secret). Keys are worked out in Python before a statement and bound as parameters, many
    at once where a batch has many ids: decoding them one at a time took ~6% of the event
    loop and ~4% of the writer end to end over the Work stream."""
    found = load(conn)
    if found is not None:
        _OF_CONNECTION[conn] = found


def keys_in(conn: apsw.Connection, task_ids: Sequence[str]) -> list[int | None]:
    """The keys of `task_ids` in the database of `conn` (see `TaskIds.keys_of`)."""
    found = _OF_CONNECTION.get(conn)
    return [None] * len(task_ids) if found is None else found.keys_of(task_ids)


def next_key(conn: apsw.Connection) -> int:
    """The key the next new task takes."""
    (last,) = conn.execute(LAST_KEY_SQL).fetchone() or (None,)
    return 1 if last is None else int(last) + 1
