"""New tasks as rows of one JSON array, made on the event loop (`Store.prepare_tasks`) so
that a writer only runs the statements that unpack them: three statements whatever the
number of tasks (SQLite's json_each, PostgreSQL's json_array_elements)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from taskqueue_server import lifecycle
from taskqueue_server.model import TaskKey, ValidTask


def row_of(new_id: TaskKey, new: ValidTask, tags: str) -> tuple[Any, ...]:
    """A new task's row: [id, work_directory, prompt, priority, tags (JSON text),
    request_id, request_hash, due_time, max_attempts, initial_backoff, max_backoff,
    backoff_multiplier, max_working, reason of its creation event, id_key]."""
    p = new.retry_policy
    return (
        new_id[1], new.work_directory, new.prompt, int(new.priority), tags,
        new.request_id, new.request_hash, new.due_time,
        p.max_attempts if p else 0, p.initial_backoff_us if p else 0,
        p.max_backoff_us if p else 0, p.multiplier if p else 0.0, new.max_working,
        lifecycle.created(new.due_time), new_id[0],
    )  # fmt: skip


_ROWS_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(items: Sequence[tuple[TaskKey, ValidTask]]) -> str:
    """Waiting tasks ((key, id), task) as rows for an adapter's prepared insert: the
    elements of a JSON array without its brackets, so that the rows of several creates join
    with a comma. Pure Python, for the event loop: the writer thread then only runs the
    three statements."""
    encoded: dict[tuple[str, ...], str] = {}  # a batch's tasks mostly share their tags
    rows = []
    for new_id, new in items:
        tags = encoded.get(new.tags)
        if tags is None:
            tags = encoded[new.tags] = json.dumps(new.tags)
        rows.append(row_of(new_id, new, tags))
    return _ROWS_JSON.encode(rows)[1:-1]
