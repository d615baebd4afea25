"""The port's `Transaction` (and `Snapshot`) on one psycopg connection, inside a transaction
its owner (the writer, a reader) opened. The statements are task_sql.py's and the other
query modules'; rows become domain records through store/task_records.py, as on SQLite.

Over 400 lines for a reason: it is one class, the ~45 methods of the port, each a few lines
around a statement of task_sql.py, listing_sql.py or other_sql.py; split, the halves of one
interface would sit in two files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg

from taskqueue_server import lifecycle
from taskqueue_server.model import (
    AuditEvent,
    Counts,
    Priority,
    StoredKey,
    Task,
    TaskEvent,
    TaskFacts,
    TaskFilter,
    TaskKey,
    TaskQuery,
    TaskState,
    ValidTask,
)
from taskqueue_server.store import new_rows
from taskqueue_server.store.port import ConfigRevision, PreparedTasks, ServerRecord
from taskqueue_server.store.postgres import heartbeats, other_sql, task_sql
from taskqueue_server.store.postgres import listing_sql as listing
from taskqueue_server.store.postgres.schema import KEY_BLOCK
from taskqueue_server.store.task_records import event_of, facts_of, task_of
from taskqueue_server.task_ids import TaskIds


class PostgresTransaction:
    """Reads and writes of the port on `conn`; `ids` turns task ids into their keys. The
    writer's (`writer`) reads the facts it decides on FOR UPDATE: they hold until commit."""

    __slots__ = ("_facts_sql", "_writer", "announce", "conn", "ids", "tell")

    def __init__(self, conn: psycopg.Connection, ids: TaskIds, *, writer: bool = False) -> None:
        self.conn = conn
        self.ids = ids
        self._writer = writer
        self.announce = False
        """Set when this transaction made tasks claimable: its writer sends other servers a
        wake-up (store/postgres/listener.py) before it commits."""
        self.tell: set[str] = set()
        """What else it changed that other servers follow ("config", "keys"): a
        notification each, sent the same way."""
        self._facts_sql = task_sql.SELECT_ROW_FOR_UPDATE if writer else task_sql.SELECT_ROW

    # -- helpers -----------------------------------------------------------------------------

    def _one(self, sql: str, params: Any) -> Any:
        return self.conn.execute(sql, params).fetchone()

    def _by_id(self, task_id: str) -> dict[str, Any]:
        return {"id": task_id, "key": self.ids.keys_of([task_id])[0]}

    def _history(self, seq: int) -> tuple[TaskEvent, ...]:
        return tuple(event_of(r) for r in self.conn.execute(task_sql.SELECT_EVENTS, (seq,)))

    def _histories(self, seqs: Sequence[int]) -> dict[int, tuple[TaskEvent, ...]]:
        found: dict[int, list[TaskEvent]] = {seq: [] for seq in seqs}
        for row in self.conn.execute(task_sql.SELECT_HISTORIES, (list(seqs),)):
            found[row[0]].append(event_of(row[1:]))
        return {seq: tuple(events) for seq, events in found.items()}

    def _event(
        self,
        seq: int,
        now: int,
        from_state: TaskState | None,
        to_state: TaskState,
        actor: str,
        reason: str,
        attempt: int,
    ) -> None:
        self.conn.execute(
            task_sql.INSERT_EVENT,
            (
                seq,
                now,
                None if from_state is None else int(from_state),
                int(to_state),
                actor,
                reason,
                attempt,
            ),
        )

    def _transition(
        self,
        facts: TaskFacts,
        sql: str,
        params: tuple[Any, ...],
        *,
        to_state: TaskState,
        now: int,
        actor: str,
        reason: str,
        leaves_working: bool,
        with_history: bool = True,
    ) -> Task:
        row = self._one(sql, params)
        assert row is not None, "the task was read in this transaction"
        self._record(facts, to_state, now, actor, reason, leaves_working)
        return task_of(row, self._history(facts.seq) if with_history else ())

    def _record(
        self,
        facts: TaskFacts,
        to_state: TaskState,
        now: int,
        actor: str,
        reason: str,
        leaves_working: bool,
    ) -> None:
        if leaves_working:
            self.conn.execute(task_sql.LOAD_DOWN, (facts.work_directory,))
        self._event(facts.seq, now, facts.state, to_state, actor, reason, facts.attempt)

    # -- reads --------------------------------------------------------------------------------

    def get_task(self, task_id: str, *, with_history: bool = True) -> Task | None:
        row = self._one(task_sql.SELECT_TASK, self._by_id(task_id))
        if row is None:
            return None
        return task_of(row, self._history(row[0]) if with_history else ())

    def get_prompt(self, task_id: str) -> str | None:
        row = self._one(task_sql.SELECT_PROMPT, self._by_id(task_id))
        return None if row is None else str(row[0])

    def get_prompts(self, task_ids: list[str]) -> dict[str, str]:
        keys = [k for k in self.ids.keys_of(task_ids) if k is not None]
        rows = self.conn.execute(task_sql.SELECT_PROMPTS, {"keys": keys, "ids": task_ids})
        return {str(task_id): str(prompt) for task_id, prompt in rows}

    def task_facts(self, task_id: str) -> TaskFacts | None:
        row = self._one(self._facts_sql, self._by_id(task_id))
        return None if row is None else facts_of(row)

    def each_task_facts(self, task_ids: Sequence[str]) -> Iterator[TaskFacts | None]:
        """One statement reads the facts of every id (one round trip, not one per task);
        an id asked for a second time is read again, after the caller's changes to it."""
        keys = self.ids.keys_of(task_ids)
        found: dict[str, TaskFacts] = {}
        known = [k for k in keys if k is not None]
        if known:
            sql = task_sql.SELECT_ROWS_FOR_UPDATE if self._writer else task_sql.SELECT_ROWS
            for row in self.conn.execute(sql, {"keys": known, "ids": list(task_ids)}):
                found[row[0]] = facts_of(row[1:])
        seen: set[str] = set()
        for task_id, key in zip(task_ids, keys, strict=True):
            if task_id in seen:
                row = self._one(self._facts_sql, {"id": task_id, "key": key})
                yield None if row is None else facts_of(row)
            else:
                seen.add(task_id)
                yield found.get(task_id)

    def by_request_id(self, request_id: str) -> tuple[str, str] | None:
        row = self._one(task_sql.SELECT_BY_REQUEST_ID, (request_id,))
        return None if row is None else (str(row[0]), str(row[1]))

    def list_page(self, query: TaskQuery) -> tuple[list[tuple[int, Task]], bool]:
        sql, params = listing.page_sql(query)
        rows = self.conn.execute(sql, params).fetchall()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        if query.full:
            histories = self._histories([r[0] for r in rows])
            return [(r[0], task_of(r, histories[r[0]])) for r in rows], more
        return [(r[0], task_of(r)) for r in rows], more

    def count(self, f: TaskFilter) -> int:
        sql, params = listing.count_sql(f)
        row = self._one(sql, params)
        return int(row[0]) if row else 0

    def page_token_key(self) -> bytes:
        return other_sql.meta_value(self.conn, "page_token_key")

    def task_id_secret(self) -> bytes:
        return other_sql.meta_value(self.conn, "task_id_key")

    def next_task_key(self) -> int:
        row = self._one(task_sql.LAST_KEY, ())
        return 1 if row is None or row[0] is None else int(row[0]) + 1

    def next_lease_expiry(self) -> int | None:
        row = self._one(task_sql.NEXT_LEASE_EXPIRY, ())
        return None if row is None or row[0] is None else int(row[0])

    def next_due(self) -> int | None:
        row = self._one(task_sql.NEXT_DUE, ())
        return None if row is None or row[0] is None else int(row[0])

    def counts(self) -> Counts:
        return other_sql.counts(self.conn)

    def transitions(self, *, start: int, end: int) -> list[tuple[int | None, int, int]]:
        return other_sql.transitions(self.conn, start=start, end=end)

    def durations(self, *, start: int, end: int) -> Iterator[tuple[int, int, int, int | None]]:
        return other_sql.durations(self.conn, start=start, end=end)

    def latest_config(self) -> tuple[int, dict[str, Any]] | None:
        return other_sql.latest_config(self.conn)

    def config_revisions(self, *, before: int, limit: int) -> list[ConfigRevision]:
        return other_sql.config_revisions(self.conn, before=before, limit=limit)

    def api_keys(self) -> list[StoredKey]:
        return other_sql.api_keys(self.conn)

    def active_key_named(self, name: str) -> bool:
        return other_sql.active_key_named(self.conn, name)

    def audit_events(
        self, *, before: int, limit: int, principal: str, failures_only: bool
    ) -> list[AuditEvent]:
        return other_sql.audit_events(
            self.conn,
            before=before,
            limit=limit,
            principal=principal,
            failures_only=failures_only,
        )

    def keys_generation(self) -> int:
        return other_sql.keys_generation(self.conn)

    def servers(self) -> list[ServerRecord]:
        return heartbeats.listed(self.conn)

    def probe_value(self) -> int | None:
        row = self._one("SELECT value FROM meta WHERE key = 'health_probe'", ())
        return None if row is None else int.from_bytes(bytes(row[0]), "big")

    # -- writes -------------------------------------------------------------------------------

    def reserve_task_keys(self) -> range:
        """A block of the task_key_blocks sequence (schema.py, version 2): shared by every
        server on the schema, never handed out twice, never rolled back."""
        row = self._one(task_sql.RESERVE_KEYS, ())
        return range(int(row[0]), int(row[0]) + KEY_BLOCK)

    def insert_tasks(
        self, items: Sequence[tuple[TaskKey, ValidTask]], *, now: int, actor: str
    ) -> int:
        self.announce = True
        if len(items) != 1:
            return self.insert_prepared([new_rows.encode(items)], now=now, actor=actor)
        ((new_id, new),) = items
        first, now = self._first_seq(now)
        row = new_rows.row_of(new_id, new, json.dumps(new.tags))
        self.conn.execute(task_sql.INSERT_TASK, (first, *row[:5], now, now, *row[5:13], row[14]))
        self.conn.execute(task_sql.ADD_DIRECTORY, (new.work_directory,))
        for tag in new.tags:
            self.conn.execute(task_sql.INSERT_TAG, (tag, first))
        self._event(first, now, None, TaskState.WAITING, actor, row[13], 0)
        return now

    def insert_prepared(self, batches: Sequence[PreparedTasks], *, now: int, actor: str) -> int:
        """One statement whatever the number of tasks: the rows go over as one JSON array,
        which PostgreSQL unpacks, numbers, and inserts with their tags and events."""
        self.announce = True
        params = {"now": now, "actor": actor, "rows": f"[{','.join(batches)}]"}
        row = self._one(task_sql.INSERT_TASKS, params)
        return int(row[0])

    def _first_seq(self, now: int) -> tuple[int, int]:
        """The seq of one new task (from the counter: never another writer's) and its
        creation time."""
        row = self._one(task_sql.NEXT_SEQS, {"n": 1, "now": now})
        return int(row[0]), int(row[1])

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
        params: dict[str, Any] = {
            "worker": worker_id,
            "now": now,
            "expire": now + lease_duration,
            "lease": lease_duration,
            "directory": work_directory,
            "directory_limit": directory_limit,
        }
        in_directory = work_directory is not None
        if tags:
            batch_sql = task_sql.claim_batch_sql(in_directory=in_directory, tag_count=len(tags))
            params.update({f"tag{i}": tag for i, tag in enumerate(tags)})
        else:
            batch_sql = (
                task_sql.CLAIM_BATCH_IN_DIRECTORY if in_directory else task_sql.CLAIM_BATCH_ANY
            )
        params["reason"] = lifecycle.CLAIMED
        found = self.conn.execute(batch_sql, {**params, "tokens": list(tokens)}).fetchall()
        refused = found[0][0]
        rows = [row[2:] for row in found if row[1] is not None]
        if refused and len(rows) < len(tokens):
            # A directory limit turned candidates down: the rest one by one, each seeing the
            # loads the claims before it left.
            one = task_sql.claim_sql(in_directory=in_directory, tag_count=len(tags))
            cursors = []
            with self.conn.pipeline():
                for token in tokens[len(rows) :]:
                    cursors.append(self.conn.execute(one, {**params, "token": token}))
            rows += [row for cur in cursors for row in cur.fetchall()]
            rows.sort(key=lambda row: (row[4], row[0]))  # claim order: priority, then seq
        if not rows:
            return []
        if not with_history:
            return [task_of(row) for row in rows]
        histories = self._histories([row[0] for row in rows])
        return [task_of(row, histories[row[0]]) for row in rows]

    def complete(
        self,
        facts: TaskFacts,
        *,
        result_json: str | None,
        now: int,
        actor: str,
        with_history: bool = True,
    ) -> Task:
        return self._transition(
            facts,
            task_sql.COMPLETE,
            (result_json, now, now, facts.seq),
            to_state=TaskState.COMPLETED,
            now=now,
            actor=actor,
            reason=lifecycle.COMPLETED,
            leaves_working=True,
            with_history=with_history,
        )

    def complete_quietly(
        self, done: Sequence[tuple[TaskFacts, str | None, str]], *, now: int
    ) -> None:
        """One statement for all (their rows, directory loads and history entries)."""
        if not done:
            return
        self.conn.execute(
            task_sql.COMPLETE_ALL_AND_RECORD,
            {
                "seqs": [f.seq for f, _, _ in done],
                "results": [r for _, r, _ in done],
                "froms": [int(f.state) for f, _, _ in done],
                "actors": [a for _, _, a in done],
                "attempts": [f.attempt for f, _, _ in done],
                "now": now,
                "reason": lifecycle.COMPLETED,
            },
        )

    def fail(self, facts: TaskFacts, *, error: str, now: int, actor: str, reason: str) -> Task:
        return self._transition(
            facts,
            task_sql.FAIL,
            (error, now, now, facts.seq),
            to_state=TaskState.FAILED,
            now=now,
            actor=actor,
            reason=reason,
            leaves_working=True,
        )

    def cancel(
        self, facts: TaskFacts, *, cancel_reason: str, now: int, actor: str, reason: str
    ) -> Task:
        return self._transition(
            facts,
            task_sql.CANCEL,
            (cancel_reason, now, now, facts.seq),
            to_state=TaskState.CANCELLED,
            now=now,
            actor=actor,
            reason=reason,
            leaves_working=False,
        )

    def retry(self, facts: TaskFacts, *, now: int, actor: str, reason: str) -> Task:
        self.announce = True
        return self._transition(
            facts,
            task_sql.RETRY,
            (now, facts.seq),
            to_state=TaskState.WAITING,
            now=now,
            actor=actor,
            reason=reason,
            leaves_working=False,
        )

    def set_priority(
        self, facts: TaskFacts, *, priority: Priority, now: int, actor: str, reason: str
    ) -> Task:
        return self._transition(
            facts,
            task_sql.SET_PRIORITY,
            (int(priority), now, facts.seq),
            to_state=facts.state,
            now=now,
            actor=actor,
            reason=reason,
            leaves_working=False,
        )

    def extend_lease(self, facts: TaskFacts, *, expire_time: int, now: int) -> None:
        self.conn.execute(task_sql.EXTEND_LEASE, (expire_time, now, facts.seq))

    def renew_leases(self, held: Iterable[tuple[str, str]], *, now: int) -> dict[str, int]:
        renewed: dict[str, int] = {}
        for task_id, token in held:
            row = self._one(
                task_sql.RENEW_LEASE, {**self._by_id(task_id), "now": now, "token": token}
            )
            if row is not None:
                renewed[task_id] = int(row[0])
        return renewed

    def expired_leases(self, *, now: int) -> list[TaskFacts]:
        return [facts_of(r) for r in self.conn.execute(task_sql.SELECT_EXPIRED, {"now": now})]

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
        self.announce = self.announce or due_time is None  # a due one announces when promoted
        return self._transition(
            facts,
            task_sql.REQUEUE,
            (error, due_time, int(lease_expired), now, facts.seq),
            to_state=TaskState.WAITING,
            now=now,
            actor=actor,
            reason=reason,
            leaves_working=True,
            with_history=with_history,
        )

    def fail_expired(self, facts: TaskFacts, *, error: str, now: int, reason: str) -> Task:
        return self._transition(
            facts,
            task_sql.FAIL_EXPIRED,
            (error, now, now, facts.seq),
            to_state=TaskState.FAILED,
            now=now,
            actor="server",
            reason=reason,
            leaves_working=True,
            with_history=False,
        )

    def abandon_claim(self, *, token: str, now: int, reason: str) -> Task | None:
        row = self._one(task_sql.ABANDON, {"now": now, "token": token})
        if row is None:
            return None
        self.announce = True
        self.conn.execute(task_sql.LOAD_DOWN, (row[2],))
        self._event(row[0], now, TaskState.WORKING, TaskState.WAITING, "server", reason, row[8])
        return task_of(row)

    def promote_due(self, *, now: int) -> list[tuple[str, tuple[str, ...]]]:
        promoted = [
            (d, tuple(json.loads(t)))
            for d, t in self.conn.execute(task_sql.PROMOTE_DUE, {"now": now})
        ]
        self.announce = self.announce or bool(promoted)
        return promoted

    def insert_key(self, key: StoredKey) -> None:
        other_sql.insert_key(self.conn, key)
        self.tell.add("keys")

    def revoke_key(self, key: str, now: int) -> StoredKey | None:
        revoked = other_sql.revoke_key(self.conn, key, now)
        if revoked is not None:
            self.tell.add("keys")
        return revoked

    def append_audit(self, events: Iterable[AuditEvent], *, keep: int) -> None:
        other_sql.append_audit(self.conn, events, keep)

    def insert_config(
        self, *, now: int, actor: str, changes: dict[str, tuple[Any, Any]], settings: dict[str, Any]
    ) -> int:
        self.tell.add("config")
        return other_sql.insert_config(
            self.conn, now=now, actor=actor, changes=changes, settings=settings
        )

    def touch_probe(self, now: int) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('health_probe', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (now.to_bytes(8, "big"),),
        )
