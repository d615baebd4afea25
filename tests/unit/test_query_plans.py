"""Every list filter is answered through an index: a full table scan fails this test.

The plans are read from SQLite itself (EXPLAIN QUERY PLAN) on the real schema.
"""

from __future__ import annotations

import apsw
import pytest
from taskqueue_server.model import ListOrder, Priority, TaskFilter, TaskQuery, TaskState
from taskqueue_server.store.sqlite import list_queries as listing
from taskqueue_server.store.sqlite import schema
from taskqueue_server.store.sqlite.database import migrate, open_connection

FILTERS = {
    "one state": TaskFilter(states=(TaskState.WAITING,)),
    "two states": TaskFilter(states=(TaskState.COMPLETED, TaskState.FAILED)),
    "priority": TaskFilter(priorities=(Priority.HIGH,)),
    "directory": TaskFilter(work_directory="/srv/a"),
    "worker": TaskFilter(worker_id="w1"),
    "tag": TaskFilter(tags=("gpu",)),
    "two tags": TaskFilter(tags=("gpu", "big")),
    "created after": TaskFilter(created_after=1_000),
    "created range": TaskFilter(created_after=1_000, created_before=2_000),
    "state and directory": TaskFilter(states=(TaskState.WAITING,), work_directory="/srv/a"),
    "due": TaskFilter(due=True),
    "scheduled": TaskFilter(due=False),
    "waiting and due": TaskFilter(states=(TaskState.WAITING,), due=True),
    "everything": TaskFilter(
        states=(TaskState.WAITING,),
        priorities=(Priority.LOW,),
        work_directory="/a",
        tags=("x",),
        worker_id="w",
        created_after=1,
        created_before=2,
    ),
}


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> apsw.Connection:
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    c = open_connection(str(path))
    migrate(c)
    assert c.pragma("user_version") == schema.SCHEMA_VERSION
    return c


def full_scans(plan: list[str]) -> list[str]:
    # "SCAN tasks" reads every row of the table or of one of its indexes; SEARCH does not.
    # Walking a claim index is the exception: it holds only waiting tasks, already in the
    # order asked for, so the LIMIT stops the walk after one page.
    walks = ("tasks_claim",)
    return [line for line in plan if line.startswith("SCAN") and not any(w in line for w in walks)]


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("order", list(ListOrder))
@pytest.mark.parametrize("after", [False, True])
def test_filtered_pages_use_an_index(
    conn: apsw.Connection, name: str, order: ListOrder, after: bool
) -> None:
    key = ((2, 100) if order is ListOrder.PRIORITY else (100,)) if after else None
    sql, params = listing.page_sql(TaskQuery(filter=FILTERS[name], order=order, after=key))
    plan = listing.plan(conn, sql, params)
    assert full_scans(plan) == [], plan


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filtered_counts_use_an_index(conn: apsw.Connection, name: str) -> None:
    sql, params = listing.count_sql(FILTERS[name])
    plan = listing.plan(conn, sql, params)
    assert full_scans(plan) == [], plan


def test_claims_use_the_partial_index_of_waiting_tasks(conn: apsw.Connection) -> None:
    from taskqueue_server.store.sqlite import task_queries as changes

    for sql in (changes.CLAIM_ANY, changes.CLAIM_IN_DIRECTORY):
        params = {"worker": "w", "now": 1, "token": "t", "expire": 2, "lease": 1, "directory": "/a",
                  "directory_limit": 0}  # fmt: skip
        plan = listing.plan(conn, sql, params)
        # The first entry of the partial index, in claim order: a "SCAN" that stops at once.
        assert any("tasks_claim" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


def test_lease_queries_use_the_partial_index_of_working_tasks(conn: apsw.Connection) -> None:
    from taskqueue_server.store.sqlite import clock_queries as store_leases

    for sql in (store_leases.SELECT_EXPIRED, store_leases.NEXT_LEASE_EXPIRY):
        plan = listing.plan(conn, sql, {"now": 1} if ":now" in sql else {})
        assert any("tasks_lease_expiry" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


def test_schedule_queries_use_the_partial_index_of_scheduled_tasks(conn: apsw.Connection) -> None:
    from taskqueue_server.store.sqlite import clock_queries as store_leases

    for sql in (store_leases.PROMOTE_DUE, store_leases.NEXT_DUE):
        plan = listing.plan(conn, sql, {"now": 1} if ":now" in sql else {})
        assert any("tasks_due" in line for line in plan), plan
        assert full_scans(plan) == [], plan


def test_claims_with_tags_and_directory_use_the_claim_index(conn: apsw.Connection) -> None:
    from taskqueue_server.store.sqlite import task_queries as changes

    for in_directory in (False, True):
        sql = changes.claim_sql(in_directory=in_directory, tag_count=2)
        params = {"worker": "w", "now": 1, "token": "t", "expire": 2, "lease": 1,
                  "directory": "/a", "directory_limit": 1, "tag0": "x", "tag1": "y"}  # fmt: skip
        plan = listing.plan(conn, sql, params)
        assert any("tasks_claim" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


def test_histories_of_many_tasks_are_searched_by_task(conn: apsw.Connection) -> None:
    from taskqueue_server.store.sqlite import task_rows

    plan = listing.plan(conn, task_rows.SELECT_HISTORIES.replace("?", "'[1, 2, 3]'"), {})
    assert any("task_events_by_task" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan  # the index gives the order


def test_tasks_are_found_by_id_through_their_key_or_the_legacy_index(
    conn: apsw.Connection,
) -> None:
    # Every lookup by task id: the key's index for ids with a key, the index of the ids of
    # tasks made before keys (which holds only those) for the others; never a walk over all
    # keyless tasks, which an upgraded database may have a million of.
    from taskqueue_server.store.sqlite import clock_queries as store_leases
    from taskqueue_server.store.sqlite import task_rows

    lookups = {
        "get": (task_rows.SELECT_TASK, {"id": "x", "key": 1}),
        "row": (task_rows.SELECT_ROW, {"id": "x", "key": 1}),
        "prompts": (task_rows.SELECT_PROMPTS, {"ids": '["x", "y"]', "keys": "[1, null]"}),
        "renew": (store_leases.RENEW_LEASE, {"id": "x", "key": 1, "token": "t", "now": 1}),
    }
    for name, (sql, params) in lookups.items():
        plan = listing.plan(conn, sql, params)
        walks = [line for line in full_scans(plan) if "json_each" not in line]  # the ids given
        assert walks == [], (name, plan)
        assert any("(id_key=?)" in line for line in plan), (name, plan)
        assert any("tasks_by_legacy_id (id=?)" in line for line in plan), (name, plan)


def test_the_guard_catches_a_full_scan(conn: apsw.Connection) -> None:
    plan = listing.plan(conn, "SELECT * FROM tasks WHERE prompt = :p", {"p": "x"})
    assert full_scans(plan) != []
