"""Domain records shared by the store and the queue: data only, no behaviour, no I/O.

Times are integer microseconds since the Unix epoch (UTC) throughout the server; the api
layer converts them to `google.protobuf.Timestamp`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class TaskState(enum.IntEnum):
    """Where a task is in its life; the numbers match `taskqueue.v1.TaskState`."""

    WAITING = 1
    WORKING = 2
    COMPLETED = 3
    FAILED = 4
    CANCELLED = 5


class Priority(enum.IntEnum):
    """Claim urgency; the numbers match `taskqueue.v1.Priority` and sort high first."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskEvent:
    """One transition in a task's history. `from_state` is None for the creation event."""

    from_state: TaskState | None
    to_state: TaskState
    time: int
    actor: str
    reason: str
    attempt: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """Automatic retries: up to max_attempts attempts, backing off exponentially between."""

    max_attempts: int
    initial_backoff_us: int
    max_backoff_us: int
    multiplier: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Task:
    """A task as stored. `history` is empty when the caller did not ask for it."""

    id: str
    work_directory: str
    prompt: str
    priority: Priority
    tags: tuple[str, ...]
    state: TaskState
    worker_id: str
    attempt: int
    retry_count: int
    result: dict[str, Any] | None
    error: str
    cancel_reason: str
    create_time: int
    start_time: int | None
    complete_time: int | None
    fail_time: int | None
    cancel_time: int | None
    update_time: int
    lease_expire_time: int | None
    history: tuple[TaskEvent, ...] = field(default=())
    due_time: int | None = None
    """While waiting: not claimable before this time (scheduled, or backing off)."""
    retry_policy: RetryPolicy | None = None
    max_working: int = 0
    """Per-task limit of working tasks in its directory; 0 = the server's."""
    lease_expiries: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class Completion:
    """A task a batch of completions completed: what is known of it without reading it back."""

    task_id: str
    work_directory: str
    start_time: int | None
    complete_time: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Lease:
    """What a claim hands out: the task and the fencing token to show back."""

    task: Task
    token: str
    expire_time: int


class ListOrder(enum.Enum):
    """The orders ListTasks offers; values are what callers write in `order_by`."""

    CREATE_TIME = "create_time"
    CREATE_TIME_DESC = "create_time desc"
    PRIORITY = "priority"


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskFilter:
    """Which tasks a list or batch cancel selects; empty fields select everything."""

    states: tuple[TaskState, ...] = ()
    priorities: tuple[Priority, ...] = ()
    work_directory: str | None = None
    tags: tuple[str, ...] = ()
    worker_id: str | None = None
    created_after: int | None = None
    created_before: int | None = None
    due: bool | None = None
    """True: waiting tasks claimable now; False: waiting tasks not due yet; None: any."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskQuery:
    """One page of a list: the filter, the order, where the last page ended, how much."""

    filter: TaskFilter
    order: ListOrder = ListOrder.CREATE_TIME
    after: tuple[int, ...] | None = None
    """The sort key of the last task of the previous page: (seq,) or (priority, seq)."""
    limit: int = 50
    full: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Counts:
    """How many tasks there are, by state, by priority, and waiting by priority."""

    by_state: dict[TaskState, int]
    by_priority: dict[Priority, int]
    waiting_by_priority: dict[Priority, int]
    scheduled: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class BackupInfo:
    """One verified, compressed backup and its manifest."""

    name: str
    path: str
    create_time: int
    size_bytes: int
    sha256: str
    schema_version: int
    task_count: int
    integrity_check: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CompleteInput:
    """One completion of a batch, as a worker reported it."""

    task_id: str
    lease_token: str = ""
    original_prompt: str = ""
    result: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredKey:
    """An API key as stored: a salted SHA-256 of its secret, never the secret."""

    key_id: str
    name: str
    role: str
    salt: bytes
    hash: bytes
    create_time: int
    expire_time: int | None
    revoke_time: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditEvent:
    """One entry of the auth log."""

    seq: int
    time: int
    peer: str
    principal: str
    method: str
    outcome: str
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskFacts:
    """What the queue needs to judge a request on a task: state, lease, counters, policy.
    The store reads it inside the writer's transaction; the state machine (lifecycle.py)
    decides on it."""

    seq: int
    """The store's handle on the task (its place in creation order)."""
    state: TaskState
    lease_token: str | None
    lease_expire_time: int | None
    lease_duration: int | None
    attempt: int
    worker_id: str
    retry_count: int = 0
    priority: Priority = Priority.MEDIUM
    work_directory: str = ""
    tags: tuple[str, ...] = ()
    retry_policy: RetryPolicy | None = None
    lease_expiries: int = 0
    start_time: int | None = None


class ValidTask(NamedTuple):
    """A valid task to insert, as the queue decided it. A named tuple, not a frozen
    dataclass as the other records: immutable all the same, and made in 0.6 instead of
    1.4 us, once for every task of every create."""

    work_directory: str
    prompt: str
    priority: Priority
    tags: tuple[str, ...]
    request_id: str | None = None
    request_hash: str | None = None
    due_time: int | None = None
    retry_policy: RetryPolicy | None = None
    max_working: int = 0


TaskKey = tuple[int, str]
"""A new task's key (the counter's number) and its id (see task_ids.py)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CreatedTasks:
    """New waiting tasks stored at creation time `now` by `actor`, before their records
    are made (queue/records.py makes them). A BatchCreateTasks answer is built from these
    rows instead (api/convert.add_created): making the records took 3.6 us a task on the
    event loop, the busiest thread under batched creates."""

    items: Sequence[tuple[TaskKey, ValidTask]]
    now: int
    actor: str
