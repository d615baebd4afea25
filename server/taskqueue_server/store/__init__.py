"""SQLite through APSW: schema, migrations, the group-commit writer and the queries.

No gRPC and no rules live here: the queue layer decides, the store carries it out.
"""

from __future__ import annotations
