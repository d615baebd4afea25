"""ListTasks and filter-based batch operations in PostgreSQL: a `TaskQuery` becomes one
statement, keyset-paged as on SQLite (a page continues strictly after the sort key of the
previous page's last task)."""

from __future__ import annotations

from typing import Any, Final

from taskqueue_server.model import ListOrder, TaskFilter, TaskQuery
from taskqueue_server.store.states import WAITING, literal
from taskqueue_server.store.task_records import COLUMNS

_BASIC_COLUMNS: Final = COLUMNS.replace(" prompt,", " left(prompt, 256),").replace(
    " result,", " NULL,"
)
_ORDER: Final = {
    ListOrder.CREATE_TIME: ("seq > %(k0)s", "seq"),
    ListOrder.CREATE_TIME_DESC: ("seq < %(k0)s", "seq DESC"),
    ListOrder.PRIORITY: ("(priority, seq) > (%(k0)s, %(k1)s)", "priority, seq"),
}
# A time bound is the seq of the first task created at or after it (create_time never
# decreases with seq), so the range is answered by the primary key.
_FIRST_SEQ_AT: Final = (
    "coalesce((SELECT t2.seq FROM tasks AS t2 WHERE t2.create_time >= {param}"
    " ORDER BY t2.create_time LIMIT 1), 9223372036854775807)"
)


def where(f: TaskFilter, *, counting: bool = False) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.states:
        values = ", ".join(literal(s) for s in f.states)
        clauses.append(f"state = {values}" if len(f.states) == 1 else f"state IN ({values})")
    if f.priorities:
        clauses.append("priority = ANY(%(priorities)s)")
        params["priorities"] = [int(p) for p in f.priorities]
    if f.work_directory is not None:
        clauses.append("work_directory = %(directory)s")
        params["directory"] = f.work_directory
    if f.worker_id is not None:
        clauses.append("worker_id = %(worker)s AND worker_id <> ''")
        params["worker"] = f.worker_id
    clauses += [
        f"EXISTS (SELECT 1 FROM task_tags AS g{i} WHERE g{i}.tag = %(t{i})s"
        f" AND g{i}.task_seq = tasks.seq)"
        for i in range(len(f.tags))
    ]
    params.update({f"t{i}": tag for i, tag in enumerate(f.tags)})
    if f.due is not None:
        clauses.append(f"state = {WAITING} AND due_time IS {'' if f.due else 'NOT '}NULL")
    if f.created_after is not None:
        clauses.append("seq >= " + _FIRST_SEQ_AT.format(param="%(after)s"))
        params["after"] = f.created_after
    if f.created_before is not None:
        clauses.append("seq < " + _FIRST_SEQ_AT.format(param="%(before)s"))
        params["before"] = f.created_before
    return clauses, params


def page_sql(query: TaskQuery) -> tuple[str, dict[str, Any]]:
    """The statement for one page (one row more than the page, to tell if another follows)."""
    clauses, params = where(query.filter)
    keyset, order = _ORDER[query.order]
    if query.after is not None:
        clauses.append(keyset)
        params.update({f"k{i}": v for i, v in enumerate(query.after)})
    columns = COLUMNS if query.full else _BASIC_COLUMNS
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    params["limit"] = query.limit + 1
    return f"SELECT {columns} FROM tasks {condition} ORDER BY {order} LIMIT %(limit)s", params


def count_sql(f: TaskFilter) -> tuple[str, dict[str, Any]]:
    clauses, params = where(f, counting=True)
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"SELECT count(*) FROM tasks {condition}", params
