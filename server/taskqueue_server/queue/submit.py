"""Creating tasks: validation, idempotent replays, schedules and retry policies.

Creates that need nothing but an insert (no request id to look up, no parked watcher to hand
the task to) go to the writer in waves: those of one actor that arrive while the writer is
busy become one operation, one set of INSERT statements for them all. Under load, every
statement the writer runs ends waiting for the GIL while the event loop holds it; a few
statements for twenty creates instead of three each made CreateTask at 64 concurrent calls
about 10% faster (the writer alone, with no event loop to wait for, gains nothing).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple, TypeVar

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import CreatedTasks, Task, TaskKey, ValidTask
from taskqueue_server.queue import records, retries, validation
from taskqueue_server.queue.clocks import Clocks
from taskqueue_server.queue.handoffs import Handoff, Handoffs, claim_all
from taskqueue_server.queue.task_keys import TaskKeys
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import PreparedTasks, Store, Transaction
from taskqueue_server.task_ids import TaskIds

T = TypeVar("T")

MAX_BATCH_CREATE: Final = 1000
MAX_DELAY_US: Final = 365 * 24 * 3600 * 1_000_000
MAX_WORKING_LIMIT: Final = 10_000
WAVE_LIMIT: Final = 4096
"""A wave takes no more tasks once it has this many (bounded transactions)."""
WAVE_CHARACTERS: Final = 32 << 20
"""Nor more once its encoded rows are this long (big prompts): the statements read them
as one value, which SQLite refuses past 1,000,000,000 bytes."""


class NewTask(NamedTuple):
    """A task as a submitter describes it, before validation. Times in microseconds.

    A named tuple, not a frozen dataclass as the other records: immutable all the same, and
    made in 0.6 instead of 1.4 us, once for every task of every create (always by keyword)."""

    work_directory: str
    prompt: str
    priority: int = 0
    tags: Sequence[str] = ()
    request_id: str = ""
    schedule_time: int | None = None
    delay: int | None = None
    retry_policy: retries.PolicyInput | None = None
    max_working_in_directory: int = 0


class _Wave:
    """Creates of one actor on their way to the writer as one insert. The event loop adds to
    it until the writer takes it, preparing the tasks (`Store.prepare_tasks`) once there is more
    than one; `done` has the tasks' creation time once durable. The creates that joined
    after the first are counted as writes waiting (`riders`) until the writer takes the
    wave."""

    done: asyncio.Future[int]

    def __init__(
        self,
        actor: str,
        items: Sequence[tuple[TaskKey, ValidTask]],
        riders: Callable[[int], None],
        prepare: Callable[[Sequence[tuple[TaskKey, ValidTask]]], PreparedTasks],
    ) -> None:
        self.actor = actor
        self._items = list(items)
        self._prepare = prepare
        self._rows: list[PreparedTasks] = []
        self._characters = 0
        self._riders = 0
        self._count_riders = riders
        self._taken = False
        self._lock = threading.Lock()
        if len(items) > 1:
            self._encode(items)

    def _encode(self, items: Sequence[tuple[TaskKey, ValidTask]]) -> None:
        self._rows.append(self._prepare(items))
        self._characters += len(self._rows[-1])

    def join(self, items: Sequence[tuple[TaskKey, ValidTask]]) -> bool:
        """Adds `items`, unless the writer has taken the wave or it would grow too big."""
        with self._lock:
            if (
                self._taken
                or len(self._items) + len(items) > WAVE_LIMIT
                or self._characters > WAVE_CHARACTERS
            ):
                return False
            if not self._rows:
                self._encode(self._items)
            self._encode(items)
            self._items += items
            self._riders += 1
            self._count_riders(1)
            return True

    def insert(self, tx: Transaction, now: int) -> int:
        """The writer's side: inserts the tasks (nothing joins any more) and returns their
        creation time. May run again (the writer reruns a failed batch): the same tasks."""
        with self._lock:
            if not self._taken:
                self._taken = True
                self._count_riders(-self._riders)
        if not self._rows:  # one task
            return tx.insert_tasks(self._items, now=now, actor=self.actor)
        return tx.insert_prepared(self._rows, now=now, actor=self.actor)


class Submitter:
    """CreateTask and BatchCreateTasks.

    Args:
        handoffs: reserves the parked watchers new tasks would wake, and settles what
            their claims took (see queue/handoffs.py).
    """

    def __init__(
        self,
        store: Store,
        hub: WatcherHub,
        clocks: Clocks,
        settings: Settings,
        clock: Callable[[], int],
        handoffs: Handoffs,
    ) -> None:
        self._store = store
        self._hub = hub
        self._clocks = clocks
        self._settings = settings
        self._clock = clock
        self._handoffs = handoffs
        self._waves: dict[str, _Wave] = {}
        self._ids: TaskIds | None = None
        self._keys = TaskKeys(store)

    async def start(self) -> None:
        """Reads the database's id secret and reserves a first block of task keys."""
        self._ids = TaskIds(await self._store.read(lambda s: s.task_id_secret()))
        await self._keys.start()

    async def _new_ids(self, count: int) -> list[TaskKey]:
        """Keys and ids for `count` new tasks: this server's next keys, taken on the event
        loop, so they grow with the order tasks arrive in (an id whose insert fails is never
        used)."""
        assert self._ids is not None, "Submitter.start() comes first"
        made: list[TaskKey] = []
        for run in await self._keys.take(count):
            made += zip(run, self._ids.ids(run.start, len(run)), strict=True)
        return made

    def _due_time(self, request: NewTask, v: validation.Violations) -> int | None:
        now = self._clock()
        if request.schedule_time is not None and request.delay is not None:
            v.add("delay", "give schedule_time or delay, not both")
            return None
        if request.delay is not None:
            if not 0 <= request.delay <= MAX_DELAY_US:
                v.add("delay", "must be from 0 to 365 days")
                return None
            due = now + request.delay
        elif request.schedule_time is not None:
            if request.schedule_time > now + MAX_DELAY_US:
                v.add("schedule_time", "must be at most 365 days ahead")
                return None
            due = request.schedule_time
        else:
            return None
        return due if due > now else None  # a time in the past means now

    def _validate(self, request: NewTask, v: validation.Violations, prefix: str = "") -> ValidTask:
        inner = validation.Violations()
        directory = validation.work_directory(request.work_directory, inner)
        text = validation.prompt(request.prompt, inner, max_bytes=self._settings.max_prompt_bytes)
        level = validation.priority(request.priority, inner)
        labels = validation.tags(request.tags, inner)
        request_id = (
            validation.task_id(request.request_id, inner, "request_id")
            if request.request_id
            else None
        )
        due = self._due_time(request, inner)
        policy = (
            retries.resolve(request.retry_policy, self._settings, inner)
            if request.retry_policy is not None
            else None
        )
        if not 0 <= request.max_working_in_directory <= MAX_WORKING_LIMIT:
            inner.add(
                "max_working_in_directory",
                f"must be from 0 (server default) to {MAX_WORKING_LIMIT}",
            )
        for item in inner.items:
            v.add(prefix + item.field, item.description)
        digest = None
        if request_id is not None:  # only an idempotent create needs its body remembered
            body = json.dumps(
                [
                    directory,
                    text,
                    int(level),
                    list(labels),
                    request.schedule_time,
                    request.delay,
                    repr(policy),
                    request.max_working_in_directory,
                ]
            )
            digest = hashlib.sha256(body.encode()).hexdigest()
        return ValidTask(
            work_directory=directory,
            prompt=text,
            priority=level,
            tags=labels,
            request_id=request_id,
            request_hash=digest,
            due_time=due,
            retry_policy=policy,
            max_working=request.max_working_in_directory,
        )

    def _insert(self, tx: Transaction, new_id: TaskKey, new: ValidTask, actor: str) -> Task | int:
        """Inserts one task and returns its creation time (`records.created` makes the record,
        outside the writer), or returns the task its request id created (a replay)."""
        if new.request_id is not None:
            earlier = tx.by_request_id(new.request_id)
            if earlier is not None:
                earlier_id, digest = earlier
                if digest != new.request_hash:
                    raise errors.AlreadyExists(
                        f"request_id {new.request_id} was used for a different task"
                        f" ({earlier_id}); use a new request_id for a new task",
                        metadata={"request_id": new.request_id, "task_id": earlier_id},
                    )
                task = tx.get_task(earlier_id)
                assert task is not None
                return task
        return tx.insert_tasks([(new_id, new)], now=self._clock(), actor=actor)

    def _announce(self, new: ValidTask) -> None:
        """Wakes a watcher the new task suits, or sets the schedule's alarm for it."""
        if new.due_time is None:
            self._hub.notify(new.work_directory, new.tags)
        else:
            self._clocks.note_due(new.due_time)

    async def _write(
        self, op: Callable[[Transaction], T], handoffs: list[Handoff]
    ) -> tuple[T, set[str]]:
        """Runs a create `op` and the handoffs' claims in one transaction; the result and the
        ids of the tasks handed to watchers."""

        def with_claims(tx: Transaction) -> tuple[T, list[list[Task]]]:
            result = op(tx)
            return result, claim_all(tx, handoffs, self._clock())

        try:
            result, claimed = await self._store.write(with_claims)
        except BaseException as exc:
            self._handoffs.settle(handoffs, None, isinstance(exc, asyncio.CancelledError))
            raise
        return result, self._handoffs.settle(handoffs, claimed, False)

    async def _create_plain(
        self, items: list[tuple[TaskKey, ValidTask]], actor: str
    ) -> CreatedTasks:
        """Creates tasks that need no request-id lookup and no handoff, in the wave of `actor`
        that is waiting for the writer (a new one if none is), and announces them."""
        wave = self._waves.get(actor)
        if wave is None or not wave.join(items):
            wave = _Wave(actor, items, self._store.add_riders, self._store.prepare_tasks)
            wave.done = self._store.write_soon(
                lambda tx: wave.insert(tx, self._clock()), inserts_only=True
            )
            wave.done.add_done_callback(lambda _: self._forget(wave))
            self._waves[actor] = wave
        made = CreatedTasks(items=items, now=await asyncio.shield(wave.done), actor=actor)
        for _, new in items:
            self._announce(new)
        return made

    def _forget(self, wave: _Wave) -> None:
        if self._waves.get(wave.actor) is wave:
            del self._waves[wave.actor]
        if not wave.done.cancelled():
            wave.done.exception()  # retrieved, even if every waiter gave up

    async def create(self, request: NewTask, *, actor: str = "client") -> Task:
        """Queues a new waiting task (or replays the one its request id created)."""
        v = validation.Violations()
        new = self._validate(request, v)
        v.raise_if_any()
        handoffs = self._handoffs.reserve((new,))
        (new_id,) = await self._new_ids(1)
        if not handoffs and new.request_id is None:
            (task,) = records.of_created(await self._create_plain([(new_id, new)], actor))
            return task
        outcome, handed = await self._write(
            lambda tx: self._insert(tx, new_id, new, actor), handoffs
        )
        if isinstance(outcome, Task):
            return outcome
        (task,) = records.created([(new_id, new)], now=outcome, actor=actor)
        if task.id not in handed:
            self._announce(new)
        return task

    async def batch_create(
        self, requests: Sequence[NewTask], *, actor: str = "client"
    ) -> list[Task] | CreatedTasks:
        """Queues up to 1,000 tasks in one transaction: all, or none when any is invalid.
        Returns the tasks in request order: as their rows when all are new and none was
        handed to a watcher (`Created`), else as records."""
        v = validation.Violations()
        if not requests:
            v.add("requests", "required: 1 to 1000 tasks")
        if len(requests) > MAX_BATCH_CREATE:
            v.add("requests", f"too many: {len(requests)}, at most {MAX_BATCH_CREATE}")
            v.raise_if_any()
        valid = [self._validate(r, v, f"requests[{i}].") for i, r in enumerate(requests)]
        v.raise_if_any()
        items = list(zip(await self._new_ids(len(valid)), valid, strict=True))

        handoffs = self._handoffs.reserve(valid)
        if not handoffs and all(new.request_id is None for new in valid):
            return await self._create_plain(items, actor)

        def op(tx: Transaction) -> list[Task | int] | int:
            if any(new.request_id is not None for new in valid):  # each may be a replay
                return [self._insert(tx, new_id, new, actor) for new_id, new in items]
            return tx.insert_tasks(items, now=self._clock(), actor=actor)

        outcome, handed = await self._write(op, handoffs)
        if isinstance(outcome, int):
            made = records.created(items, now=outcome, actor=actor)
            fresh = list(zip(made, items, strict=True))
        else:  # replays come back as tasks, new tasks as their creation times
            made, fresh = [], []
            for each, item in zip(outcome, items, strict=True):
                if isinstance(each, Task):
                    made.append(each)
                else:
                    made += records.created([item], now=each, actor=actor)
                    fresh.append((made[-1], item))
        for task, (_, new) in fresh:
            if task.id not in handed:
                self._announce(new)
        return made
