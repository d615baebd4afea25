"""The SQLite adapter of the store port (APSW): schema, migrations, the group-commit writer,
the readers and the queries. Nothing outside `store/` and the composition root imports it."""

from __future__ import annotations
