"""The port's `Transaction` (and `Snapshot`) on one APSW connection.

The writer hands its one instance to every operation it runs, and each reader thread its
own: no object is made per operation. Each method is the query module's function of the
same job, run on this connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import apsw

from taskqueue_server.model import (
    AuditEvent,
    Counts,
    Priority,
    StoredKey,
    Task,
    TaskFacts,
    TaskFilter,
    TaskKey,
    TaskQuery,
    ValidTask,
)
from taskqueue_server.store.port import ConfigRevision, PreparedTasks, ServerRecord
from taskqueue_server.store.sqlite import (
    clock_queries,
    config_revisions,
    counts,
    id_keys,
    insert_queries,
    list_queries,
    probe_queries,
    task_queries,
    task_rows,
)
from taskqueue_server.store.sqlite import keys_and_audit as keys

KEY_BLOCK: Final = 4096


class SqliteTransaction:
    """Reads and writes of the port on `conn` (inside a transaction its owner opened)."""

    __slots__ = ("_reserved", "conn")

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self._reserved = 0  # the writer's: one server holds the file (its lock), so in memory

    # -- reads ------------------------------------------------------------------------------

    def get_task(self, task_id: str, *, with_history: bool = True) -> Task | None:
        return task_rows.get(self.conn, task_id, with_history=with_history)

    def get_prompt(self, task_id: str) -> str | None:
        return task_rows.get_prompt(self.conn, task_id)

    def get_prompts(self, task_ids: list[str]) -> dict[str, str]:
        return task_rows.get_prompts(self.conn, task_ids)

    def task_facts(self, task_id: str) -> TaskFacts | None:
        return task_rows.task_row(self.conn, task_id)

    def each_task_facts(self, task_ids: Sequence[str]) -> Iterator[TaskFacts | None]:
        conn = self.conn
        for task_id, key in zip(task_ids, id_keys.keys_in(conn, task_ids), strict=True):
            yield task_rows.keyed_row(conn, task_id, key)

    def by_request_id(self, request_id: str) -> tuple[str, str] | None:
        return task_rows.by_request_id(self.conn, request_id)

    def list_page(self, query: TaskQuery) -> tuple[list[tuple[int, Task]], bool]:
        return list_queries.page(self.conn, query)

    def count(self, f: TaskFilter) -> int:
        return list_queries.count(self.conn, f)

    def page_token_key(self) -> bytes:
        return list_queries.page_token_key(self.conn)

    def task_id_secret(self) -> bytes:
        return id_keys.secret(self.conn)

    def next_task_key(self) -> int:
        return id_keys.next_key(self.conn)

    def next_lease_expiry(self) -> int | None:
        return clock_queries.next_lease_expiry(self.conn)

    def next_due(self) -> int | None:
        return clock_queries.next_due(self.conn)

    def counts(self) -> Counts:
        return counts.counts(self.conn)

    def transitions(self, *, start: int, end: int) -> list[tuple[int | None, int, int]]:
        return counts.transitions(self.conn, start=start, end=end)

    def durations(self, *, start: int, end: int) -> Iterator[tuple[int, int, int, int | None]]:
        return counts.durations(self.conn, start=start, end=end)

    def latest_config(self) -> tuple[int, dict[str, Any]] | None:
        return config_revisions.latest(self.conn)

    def config_revisions(self, *, before: int, limit: int) -> list[ConfigRevision]:
        return config_revisions.page(self.conn, before=before, limit=limit)

    def api_keys(self) -> list[StoredKey]:
        return keys.all_keys(self.conn)

    def active_key_named(self, name: str) -> bool:
        return keys.active_name_taken(self.conn, name)

    def audit_events(
        self, *, before: int, limit: int, principal: str, failures_only: bool
    ) -> list[AuditEvent]:
        return keys.page_events(
            self.conn, before=before, limit=limit, principal=principal, failures_only=failures_only
        )

    def keys_generation(self) -> int:
        return keys.keys_generation(self.conn)

    def servers(self) -> list[ServerRecord]:
        return []  # one server holds the file

    def probe_value(self) -> int | None:
        return probe_queries.read(self.conn)

    # -- writes -----------------------------------------------------------------------------

    def reserve_task_keys(self) -> range:
        first = max(self._reserved, id_keys.next_key(self.conn))
        self._reserved = first + KEY_BLOCK
        return range(first, self._reserved)

    def insert_tasks(
        self, items: Sequence[tuple[TaskKey, ValidTask]], *, now: int, actor: str
    ) -> int:
        return insert_queries.insert_many(self.conn, items, now=now, actor=actor)

    def insert_prepared(self, batches: Sequence[PreparedTasks], *, now: int, actor: str) -> int:
        return insert_queries.insert_encoded(self.conn, batches, now=now, actor=actor)

    def claim(
        self,
        *,
        work_directory: str | None,
        tags: tuple[str, ...],
        worker_id: str,
        tokens: Sequence[str],
        now: int,
        lease_duration: int,
        directory_limit: int,
        with_history: bool,
    ) -> list[Task]:
        return task_queries.claim_many(
            self.conn,
            work_directory=work_directory,
            tags=tags,
            worker_id=worker_id,
            tokens=tokens,
            now=now,
            lease_duration=lease_duration,
            directory_limit=directory_limit,
            with_history=with_history,
        )

    def complete(
        self,
        facts: TaskFacts,
        *,
        result_json: str | None,
        now: int,
        actor: str,
        with_history: bool = True,
    ) -> Task:
        return task_queries.complete(
            self.conn, facts, result_json=result_json, now=now, actor=actor,
            with_history=with_history,
        )  # fmt: skip

    def complete_quietly(
        self, done: Sequence[tuple[TaskFacts, str | None, str]], *, now: int
    ) -> None:
        for facts, result_json, actor in done:
            task_queries.complete_quietly(
                self.conn, facts, result_json=result_json, now=now, actor=actor
            )

    def fail(self, facts: TaskFacts, *, error: str, now: int, actor: str, reason: str) -> Task:
        return task_queries.fail(self.conn, facts, error=error, now=now, actor=actor, reason=reason)

    def cancel(
        self, facts: TaskFacts, *, cancel_reason: str, now: int, actor: str, reason: str
    ) -> Task:
        return task_queries.cancel(
            self.conn, facts, cancel_reason=cancel_reason, now=now, actor=actor, reason=reason
        )

    def retry(self, facts: TaskFacts, *, now: int, actor: str, reason: str) -> Task:
        return task_queries.retry(self.conn, facts, now=now, actor=actor, reason=reason)

    def set_priority(
        self, facts: TaskFacts, *, priority: Priority, now: int, actor: str, reason: str
    ) -> Task:
        return task_queries.set_priority(
            self.conn, facts, priority=priority, now=now, actor=actor, reason=reason
        )

    def extend_lease(self, facts: TaskFacts, *, expire_time: int, now: int) -> None:
        clock_queries.extend_lease(self.conn, facts, expire_time=expire_time, now=now)

    def renew_leases(self, held: Iterable[tuple[str, str]], *, now: int) -> dict[str, int]:
        return clock_queries.renew_leases(self.conn, held, now=now)

    def expired_leases(self, *, now: int) -> list[TaskFacts]:
        return clock_queries.expired_leases(self.conn, now=now)

    def requeue(
        self,
        facts: TaskFacts,
        *,
        due_time: int | None,
        error: str,
        lease_expired: bool,
        now: int,
        actor: str,
        reason: str,
        with_history: bool = True,
    ) -> Task:
        return clock_queries.requeue(
            self.conn, facts, due_time=due_time, error=error, lease_expired=lease_expired,
            now=now, actor=actor, reason=reason, with_history=with_history,
        )  # fmt: skip

    def fail_expired(self, facts: TaskFacts, *, error: str, now: int, reason: str) -> Task:
        return clock_queries.fail_expired(self.conn, facts, error=error, now=now, reason=reason)

    def abandon_claim(self, *, token: str, now: int, reason: str) -> Task | None:
        return clock_queries.abandon_claim(self.conn, token=token, now=now, reason=reason)

    def promote_due(self, *, now: int) -> list[tuple[str, tuple[str, ...]]]:
        return clock_queries.promote_due(self.conn, now=now)

    def insert_key(self, key: StoredKey) -> None:
        keys.insert_key(self.conn, key)

    def revoke_key(self, key: str, now: int) -> StoredKey | None:
        return keys.revoke_key(self.conn, key, now)

    def append_audit(self, events: Iterable[AuditEvent], *, keep: int) -> None:
        keys.append_events(self.conn, events, keep)

    def insert_config(
        self,
        *,
        now: int,
        actor: str,
        changes: dict[str, tuple[Any, Any]],
        settings: dict[str, Any],
    ) -> int:
        return config_revisions.insert(
            self.conn, now=now, actor=actor, changes=changes, settings=settings
        )

    def touch_probe(self, now: int) -> None:
        probe_queries.touch(self.conn, now)
