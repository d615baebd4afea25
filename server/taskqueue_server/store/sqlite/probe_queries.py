"""The health probe's round trip: one write through the writer, one read on a reader."""

from __future__ import annotations

from typing import Final

import apsw

TOUCH: Final = """
INSERT INTO meta (key, value) VALUES ('health_probe', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
READ: Final = "SELECT value FROM meta WHERE key = 'health_probe'"


def touch(conn: apsw.Connection, now: int) -> None:
    conn.execute(TOUCH, (now.to_bytes(8, "big"),))


def read(conn: apsw.Connection) -> int | None:
    row = conn.execute(READ).fetchone()
    return None if row is None else int.from_bytes(row[0], "big")
