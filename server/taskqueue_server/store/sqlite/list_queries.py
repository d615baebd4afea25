"""ListTasks and filter-based batch operations: a `TaskQuery` becomes one indexed statement.

Paging is keyset-based: a page continues strictly after the sort key of the previous page's
last task, so tasks created or finished meanwhile never shift what the next page returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import apsw

from taskqueue_server.model import ListOrder, Task, TaskFilter, TaskQuery, TaskState
from taskqueue_server.store import task_records
from taskqueue_server.store.sqlite import task_rows
from taskqueue_server.store.states import WAITING, literal

_BASIC_COLUMNS: Final = task_records.COLUMNS.replace(
    " prompt,", " substr(prompt, 1, 256),"
).replace(" result,", " NULL,")
_FULL_COLUMNS: Final = task_records.COLUMNS

_ORDER: Final = {
    ListOrder.CREATE_TIME: ("seq > :k0", "seq"),
    ListOrder.CREATE_TIME_DESC: ("seq < :k0", "seq DESC"),
    ListOrder.PRIORITY: ("(priority, seq) > (:k0, :k1)", "priority, seq"),
}

# A time bound is the seq of the first task created at or after it (create_time never
# decreases with seq), so the range is answered by the rowid, not by scanning.
_FIRST_SEQ_AT: Final = (
    "coalesce((SELECT t2.seq FROM tasks AS t2 WHERE t2.create_time >= {param}"
    " ORDER BY t2.create_time LIMIT 1), 9223372036854775807)"
)


def where(f: TaskFilter, *, counting: bool = False) -> tuple[list[str], dict[str, Any]]:
    """The SQL conditions and parameters that select the tasks of a filter (shaped for a
    count when `counting`, for an ordered page otherwise)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.states:
        # Literal values (validated enums): a bound parameter would hide "state = 1" from the
        # planner, which then cannot use the partial indexes of waiting tasks.
        values = ", ".join(literal(s) for s in f.states)
        clauses.append(f"state = {values}" if len(f.states) == 1 else f"state IN ({values})")
    if f.priorities:
        names = [f":p{i}" for i in range(len(f.priorities))]
        clauses.append(f"priority IN ({', '.join(names)})")
        params.update({n[1:]: int(p) for n, p in zip(names, f.priorities, strict=True)})
    if f.work_directory is not None:
        clauses.append("work_directory = :directory")
        params["directory"] = f.work_directory
    if f.worker_id is not None:
        # The worker index holds only claimed tasks (worker_id != ''): say so, to use it.
        clauses.append("worker_id = :worker AND worker_id != ''")
        params["worker"] = f.worker_id
    if f.tags and counting:
        # Counting: one subquery intersecting the tags on the (tag, task_seq) key, so only
        # the tasks that carry all of them are looked up in tasks.
        joins = "".join(
            f" JOIN task_tags AS g{i} ON g{i}.tag = :t{i} AND g{i}.task_seq = g0.task_seq"
            for i in range(1, len(f.tags))
        )
        clauses.append(
            f"seq IN (SELECT g0.task_seq FROM task_tags AS g0{joins} WHERE g0.tag = :t0)"
        )
    elif f.tags:
        # A page: walk the first tag's tasks in order and probe the others, stopping after
        # one page instead of intersecting everything first.
        clauses.append("seq IN (SELECT task_seq FROM task_tags WHERE tag = :t0)")
        clauses += [
            f"EXISTS (SELECT 1 FROM task_tags AS g{i} WHERE g{i}.tag = :t{i}"
            f" AND g{i}.task_seq = tasks.seq)"
            for i in range(1, len(f.tags))
        ]
    params.update({f"t{i}": tag for i, tag in enumerate(f.tags)})
    if f.due is not None:
        clauses.append(f"state = {WAITING} AND due_time IS {'' if f.due else 'NOT '}NULL")
    if f.created_after is not None:
        clauses.append("seq >= " + _FIRST_SEQ_AT.format(param=":after"))
        params["after"] = f.created_after
    if f.created_before is not None:
        clauses.append("seq < " + _FIRST_SEQ_AT.format(param=":before"))
        params["before"] = f.created_before
    return clauses, params


def page_sql(query: TaskQuery) -> tuple[str, dict[str, Any]]:
    """The statement for one page (one row more than the page, to tell if another follows)."""
    clauses, params = where(query.filter)
    keyset, order = _ORDER[query.order]
    f = query.filter
    if query.order is ListOrder.PRIORITY and (f.created_after or f.created_before):
        # A time range is a rowid range: read it and sort, rather than walk the whole
        # priority index for the few rows in range ("+" stops the index being used to sort).
        order = "+priority, seq"
    if query.after is not None:
        clauses.append(keyset)
        params.update({f"k{i}": v for i, v in enumerate(query.after)})
    columns = _FULL_COLUMNS if query.full else _BASIC_COLUMNS
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    params["limit"] = query.limit + 1
    source = "tasks"
    if (
        query.order is ListOrder.PRIORITY
        and f.states in ((), (TaskState.WAITING,))
        and (f.states or f.due)
        and f.due is not False
        and f.work_directory is None
    ):
        # Waiting tasks in claim order are what these indexes hold, in that order: the claim
        # index has the due ones; (state, priority, seq) at state 1 has all of them.
        source = f"tasks INDEXED BY {'tasks_claim' if f.due else 'tasks_by_state_priority'}"
    return f"SELECT {columns} FROM {source} {condition} ORDER BY {order} LIMIT :limit", params


def count_sql(f: TaskFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = where(f, counting=True)
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"SELECT count(*) FROM tasks {condition}", params


def page(conn: apsw.Connection, query: TaskQuery) -> tuple[list[tuple[int, Task]], bool]:
    """One page of (seq, task), and whether more follow."""
    sql, params = page_sql(query)
    rows: Sequence[Sequence[Any]] = conn.execute(sql, params).fetchall()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if query.full:
        histories = task_rows.histories_of(conn, [r[0] for r in rows])
        return [(r[0], task_records.task_of(r, histories[r[0]])) for r in rows], more
    return [(r[0], task_records.task_of(r)) for r in rows], more


def count(conn: apsw.Connection, f: TaskFilter) -> int:
    """How many tasks the filter selects."""
    sql, params = count_sql(f)
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def plan(conn: apsw.Connection, sql: str, params: dict[str, Any]) -> list[str]:
    """EXPLAIN QUERY PLAN, one line per step (tests use it to forbid full scans)."""
    return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def page_token_key(conn: apsw.Connection) -> bytes:
    """The key page tokens are signed with (made once, at migration 2)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'page_token_key'").fetchone()
    assert row is not None, "migration 2 stores the page token key"
    return bytes(row[0])
