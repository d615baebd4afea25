"""The hot statements on PostgreSQL use their indexes, as on SQLite (tests/unit/
test_query_plans.py): no sequential scan of tasks for a claim, a lookup by id, the reaper,
the schedule, or the next page of a list, on a table large enough for the planner to care."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from support import schema_for
from taskqueue_server.model import ListOrder, Priority, TaskFilter, TaskQuery, TaskState, ValidTask
from taskqueue_server.store.postgres import listing_sql, task_sql
from taskqueue_server.store.postgres.database import PostgresDatabase
from taskqueue_server.task_ids import TaskIds

pytestmark = pytest.mark.anyio

TASKS = 20_000


def plan(conn: psycopg.Connection, statement: str, params: dict[str, Any]) -> str:
    rows = conn.execute("EXPLAIN " + statement, params).fetchall()
    return "\n".join(str(r[0]) for r in rows)


async def test_hot_statements_use_indexes(postgres_url: str, tmp_path: Path) -> None:
    schema = schema_for(tmp_path)
    store = PostgresDatabase(postgres_url, schema=schema)
    await asyncio.to_thread(store.open, asyncio.get_running_loop())
    try:
        secret, first = await store.read(lambda s: (s.task_id_secret(), s.next_task_key()))
        ids = TaskIds(secret).ids(first, TASKS)
        items = [
            ((first + i, ids[i]), ValidTask(
                work_directory=f"/d{i % 50}", prompt="p", priority=Priority(1 + i % 3),
                tags=("gpu",) if i % 10 == 0 else (),
            ))
            for i in range(TASKS)
        ]  # fmt: skip
        for start in range(0, TASKS, 5000):
            chunk = items[start : start + 5000]
            await store.write(lambda tx, c=chunk: tx.insert_tasks(c, now=1, actor="t"))
    finally:
        await asyncio.to_thread(store.close)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute("ANALYZE")
        claim = {"worker": "w", "now": 2, "expire": 3, "lease": 1, "directory": "/d1",
                 "directory_limit": 0, "token": "t", "reason": "r", "tag0": "gpu",
                 "tokens": [f"t{i}" for i in range(100)]}  # fmt: skip
        cases = {
            "claim": (task_sql.CLAIM_ANY, claim),
            "claim in a directory": (task_sql.CLAIM_IN_DIRECTORY, claim),
            "claim with a tag": (task_sql.claim_sql(in_directory=False, tag_count=1), claim),
            "claim of a batch": (task_sql.CLAIM_BATCH_ANY, claim),
            "batch in a directory": (task_sql.CLAIM_BATCH_IN_DIRECTORY, claim),
            "batch with a tag": (task_sql.claim_batch_sql(in_directory=False, tag_count=1), claim),
            "task by id": (task_sql.SELECT_ROW, {"id": ids[7], "key": first + 7}),
            "expired leases": (task_sql.SELECT_EXPIRED, {"now": 5}),
            "promote due": (task_sql.PROMOTE_DUE, {"now": 5}),
            "next due": (task_sql.NEXT_DUE, {}),
            "next lease expiry": (task_sql.NEXT_LEASE_EXPIRY, {}),
        }
        query = TaskQuery(
            filter=TaskFilter(states=(TaskState.WAITING,)), order=ListOrder.CREATE_TIME,
            after=(100,), limit=50,
        )  # fmt: skip
        cases["list page"] = listing_sql.page_sql(query)
        control = plan(conn, "SELECT seq FROM tasks WHERE prompt = %(p)s", {"p": "p"})
        assert "Seq Scan on tasks" in control, "the check sees a scan where there is one"
        for name, (statement, params) in cases.items():
            shown = plan(conn, statement, params)
            assert "Seq Scan on tasks" not in shown, f"{name}:\n{shown}"
