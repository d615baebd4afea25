"""The store port: what the queue, ops and security layers ask of storage, in their words.

Everything above the store talks to a `Store`. Writes are operations, functions of a
`Transaction`, that the adapter runs in its writer's next unit of work: many operations,
one transaction, one durable commit (group commit). An operation may run more than once
(when a neighbour in its batch fails and the batch runs again guarded), so it changes
nothing but the database; when it raises, its own changes are undone and the exception
reaches its caller while the others commit. Reads are functions of a `Snapshot`: one
consistent view, never older than a write acknowledged before the read was asked.

The queue decides (lifecycle.py); a transaction carries out: every method below records
exactly what it is told, with the reasons it is given. No driver type crosses this line.
An adapter: store/sqlite (APSW). The contract suite (tests/contract) states the promises
and runs against every adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

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

T = TypeVar("T")

PreparedTasks = str
"""New tasks made ready for `Transaction.insert_prepared` by `Store.prepare_tasks`, on the
event loop: opaque to the queue, which only joins them and measures their size."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigRevision:
    """One stored change of the live settings: who, when, and each (old, new) value."""

    revision: int
    time: int
    actor: str
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True, kw_only=True, slots=True)
class CopyFacts:
    """What a verified copy of the database holds."""

    schema_version: int
    task_count: int
    integrity_check: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StorageFigures:
    """Sizes an operator watches, in bytes (0 where the adapter has no such thing)."""

    location: str
    database_bytes: int
    log_bytes: int
    """The write-ahead log (SQLite's -wal file)."""
    engine: str = ""
    """The database engine and its version ("SQLite 3.46.1", "PostgreSQL 15.18")."""
    connections: int = 0
    """Connections open to the database (writer and readers)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerRecord:
    """A server sharing the store, as its heartbeat says (times in µs; `last_seen` on the
    database's clock; `live`: seen within a few seconds)."""

    id: str
    address: str
    version: str
    start_time: int
    last_seen: int
    leader: bool
    live: bool


class Snapshot(Protocol):
    """Reads, on one consistent view of the store."""

    def get_task(self, task_id: str, *, with_history: bool = True) -> Task | None:
        """The task with this id (its history when asked); None when there is none."""

    def get_prompt(self, task_id: str) -> str | None:
        """Only the prompt of a task (it never changes after creation)."""

    def get_prompts(self, task_ids: list[str]) -> dict[str, str]:
        """The prompts of these tasks by id; unknown ids are left out."""

    def task_facts(self, task_id: str) -> TaskFacts | None:
        """State, lease, counters and policy of a task, to judge a request on it."""

    def each_task_facts(self, task_ids: Sequence[str]) -> Iterator[TaskFacts | None]:
        """`task_facts` of each id in turn, each read when the caller asks for it (after
        the changes the caller made meanwhile); ids are resolved all at once."""

    def by_request_id(self, request_id: str) -> tuple[str, str] | None:
        """The (task id, request hash) a create with this request id made, if any."""

    def list_page(self, query: TaskQuery) -> tuple[list[tuple[int, Task]], bool]:
        """One page of (seq, task) in the query's order after its keyset position, and
        whether more follow."""

    def count(self, f: TaskFilter) -> int:
        """How many tasks the filter selects."""

    def page_token_key(self) -> bytes:
        """The secret page tokens are signed with (made once, with the schema)."""

    def task_id_secret(self) -> bytes:
        """The secret task ids are made under (task_ids.py)."""

    def next_task_key(self) -> int:
        """The key the next new task takes (the largest key stored, plus one)."""

    def next_lease_expiry(self) -> int | None:
        """When the soonest current lease runs out; None when no task is working."""

    def next_due(self) -> int | None:
        """When the soonest scheduled waiting task becomes claimable; None if none."""

    def counts(self) -> Counts:
        """Task counts by state, by priority, and of waiting tasks by priority."""

    def transitions(self, *, start: int, end: int) -> list[tuple[int | None, int, int]]:
        """(from state, to state, count) of every kind of transition in [start, end)."""

    def durations(self, *, start: int, end: int) -> Iterator[tuple[int, int, int, int | None]]:
        """(time, 2 for a wait or 3 for a run, priority, microseconds or None) of what
        ended in the range, in time order, streamed."""

    def latest_config(self) -> tuple[int, dict[str, Any]] | None:
        """The newest config revision and its settings; None before the first."""

    def config_revisions(self, *, before: int, limit: int) -> list[ConfigRevision]:
        """Revisions numbered below `before`, newest first."""

    def api_keys(self) -> list[StoredKey]:
        """Every API key, newest first."""

    def active_key_named(self, name: str) -> bool:
        """Whether a key that is not revoked has this name."""

    def audit_events(
        self, *, before: int, limit: int, principal: str, failures_only: bool
    ) -> list[AuditEvent]:
        """Auth-log entries numbered below `before`, newest first."""

    def probe_value(self) -> int | None:
        """What the health probe wrote last."""

    def servers(self) -> list[ServerRecord]:
        """The servers sharing the store, by their heartbeats (none on SQLite: one server)."""

    def keys_generation(self) -> int:
        """A count of the changes to API keys (creations, revocations) by any process, the
        admin commands included: a server that sees it move rereads its keys."""


class Transaction(Snapshot, Protocol):
    """Reads and writes inside the writer's unit of work."""

    def insert_tasks(
        self, items: Sequence[tuple[TaskKey, ValidTask]], *, now: int, actor: str
    ) -> int:
        """Inserts waiting tasks in order with their tags and creation events; returns
        their creation time (`now`, or the last task's when the clock stepped back:
        creation times never decrease in creation order)."""

    def reserve_task_keys(self) -> range:
        """A block of task keys no other server on this store takes (the server numbers its
        new tasks from it: their ids are the keyed permutation of these keys)."""

    def insert_prepared(self, batches: Sequence[PreparedTasks], *, now: int, actor: str) -> int:
        """`insert_tasks` for tasks prepared by `Store.prepare_tasks`, batch after batch."""

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
        """Moves up to one claimable task per token to working, in claim order (priority,
        then age), each under its token; skips tasks whose directory is at its limit or that
        lack a wanted tag. Fewer when fewer match."""

    def complete(
        self,
        facts: TaskFacts,
        *,
        result_json: str | None,
        now: int,
        actor: str,
        with_history: bool = True,
    ) -> Task:
        """Moves a working task to completed with its result (a JSON object's text)."""

    def complete_quietly(
        self, done: Sequence[tuple[TaskFacts, str | None, str]], *, now: int
    ) -> None:
        """`complete` of each (facts, result JSON, actor), without reading the tasks back;
        the tasks are distinct (a second completion of one reads its facts again first)."""

    def fail(self, facts: TaskFacts, *, error: str, now: int, actor: str, reason: str) -> Task:
        """Moves a working task to failed with its error."""

    def cancel(
        self, facts: TaskFacts, *, cancel_reason: str, now: int, actor: str, reason: str
    ) -> Task:
        """Moves a waiting task to cancelled."""

    def retry(self, facts: TaskFacts, *, now: int, actor: str, reason: str) -> Task:
        """Moves a failed task back to waiting, in its place, counting the retry."""

    def set_priority(
        self, facts: TaskFacts, *, priority: Priority, now: int, actor: str, reason: str
    ) -> Task:
        """Changes a waiting task's priority."""

    def extend_lease(self, facts: TaskFacts, *, expire_time: int, now: int) -> None:
        """Moves the end of a task's current lease."""

    def renew_leases(self, held: Iterable[tuple[str, str]], *, now: int) -> dict[str, int]:
        """Renews each (task id, token) lease still current by its own duration; the new
        expiry of each renewed (leases no longer held are left out)."""

    def expired_leases(self, *, now: int) -> list[TaskFacts]:
        """Every working task whose lease has run out."""

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
        """Moves a working task back to waiting: at once (due_time None) or later."""

    def fail_expired(self, facts: TaskFacts, *, error: str, now: int, reason: str) -> Task:
        """Moves a working task whose lease ran out for the last time to failed."""

    def abandon_claim(self, *, token: str, now: int, reason: str) -> Task | None:
        """Undoes the claim under `token` (the task waits again in its place, the attempt is
        not counted); None when that lease is no longer current."""

    def promote_due(self, *, now: int) -> list[tuple[str, tuple[str, ...]]]:
        """Makes every scheduled task whose time has come claimable; (directory, tags) of
        each."""

    def insert_key(self, key: StoredKey) -> None:
        """Adds an API key (the caller checked that no active key has its name)."""

    def revoke_key(self, key: str, now: int) -> StoredKey | None:
        """Revokes the active key with this id or name; None when there is none."""

    def append_audit(self, events: Iterable[AuditEvent], *, keep: int) -> None:
        """Appends auth-log entries and drops all but the newest `keep`."""

    def insert_config(
        self,
        *,
        now: int,
        actor: str,
        changes: dict[str, tuple[Any, Any]],
        settings: dict[str, Any],
    ) -> int:
        """Stores a config revision; returns its number."""

    def touch_probe(self, now: int) -> None:
        """The health probe's write."""


class Store(Protocol):
    """The storage of one server: a writer with group commit, readers, copies."""

    @property
    def pending(self) -> int:
        """Writes waiting for the writer (operations and the writes riding in them)."""

    @property
    def last_batch_size(self) -> int:
        """How many operations the writer's last transaction held."""

    def figures(self) -> StorageFigures:
        """Sizes for GetServerStatus."""

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Opens (and migrates) the store and starts its threads; answers go to `loop`.
        Blocking: run it in an executor."""

    def close(self) -> None:
        """Finishes every queued write and read, then closes. Idempotent; blocking."""

    async def write(self, op: Callable[[Transaction], T]) -> T:
        """Runs `op` in the writer's next transaction; its result once durable."""

    def write_soon(
        self, op: Callable[[Transaction], T], *, inserts_only: bool = False
    ) -> asyncio.Future[T]:
        """Queues `op` as `write` does and returns its future at once (for callers that
        share one operation: shield it, a cancelled waiter cancels it). `inserts_only`: `op`
        only inserts new tasks (no claim, no change to an existing row, no request-id
        lookup), so a store may run it in a transaction of its own beside the writer's."""

    shared: bool
    """Whether other servers may change this store (PostgreSQL): their creates reach this
    server through `watch_others`, and parked watchers also try a claim now and then, in case
    a wake-up was lost."""

    @property
    def leads(self) -> bool:
        """Whether this server runs the clocks (lease reaper, due tasks, scheduled backups):
        always on SQLite; on PostgreSQL the one server elected among those sharing it."""

    def watch_others(self, wake: Callable[[], None], lead: Callable[[], None]) -> None:
        """Calls `wake` on the event loop whenever another server sharing the store made tasks
        claimable, and `lead` when this server became the leader (SQLite: never, one server
        holds the file, and it leads)."""

    @property
    def server_id(self) -> str:
        """This server's id among those sharing the store."""

    def introduce(self, *, address: str, version: str, start_time: int) -> None:
        """What this server's heartbeat says of it (before `watch_others`)."""

    def follow(self, kind: str, call: Callable[[], None]) -> None:
        """Calls `call` on the event loop when another server (or an admin command) changed
        `kind`: "config" (a new revision) or "keys" (a key created or revoked)."""

    def acknowledge_keys(self, generation: int) -> None:
        """Says to the other servers that this one's keys are those of `generation`."""

    async def wait_keys_seen(self, generation: int, timeout_s: float) -> list[str]:
        """Waits until every other live server has acknowledged keys of `generation` (or
        later); the addresses of those that had not within `timeout_s`."""

    def add_riders(self, count: int) -> None:
        """Counts `count` more (or fewer) writes riding inside queued operations."""

    async def read(self, op: Callable[[Snapshot], T], *, quick: bool = False) -> T:
        """Runs `op` on a snapshot; `quick` for a lookup by key that may run at once."""

    def read_blocking(self, op: Callable[[Snapshot], T]) -> T:
        """`read` for threads other than the event loop's (the metrics scrape)."""

    def prepare_tasks(self, items: Sequence[tuple[TaskKey, ValidTask]]) -> PreparedTasks:
        """New tasks made ready for `Transaction.insert_prepared` (pure; any thread)."""

    def copy_to(self, target_path: str) -> None:
        """Copies the whole store, online, into a new file (blocking; not on the loop)."""

    def inspect_copy(self, path: str) -> CopyFacts:
        """Verifies a copy made by `copy_to` and says what it holds."""
