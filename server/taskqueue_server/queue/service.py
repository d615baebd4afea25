"""The task queue's operations: validate, decide, have the store carry it out, wake watchers."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from typing import Any

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import CompleteInput, Completion, Lease, Task
from taskqueue_server.queue import leases, prompt_match, retries, validation
from taskqueue_server.queue.alarm import Alarm
from taskqueue_server.queue.control import Control
from taskqueue_server.queue.handoff import Handoff
from taskqueue_server.queue.listing import Lister
from taskqueue_server.queue.submit import Submitter
from taskqueue_server.queue.watchers import Watcher, WatcherHub
from taskqueue_server.store import ids, tasks
from taskqueue_server.store import leases as store_leases
from taskqueue_server.store.db import Connection, Database

MAX_BATCH_COMPLETE = 1000
"""At most this many completions in one CompleteTasks call."""
CLAIM_BATCH = 64
"""At most this many tasks are claimed for a WatchNext stream in one transaction."""


def now_us() -> int:
    """The wall clock in microseconds since the epoch."""
    return time.time_ns() // 1000


class TaskQueue:
    """The domain service the api layer calls.

    Args:
        db: the open database.
        settings: limits and defaults.
        clock: microseconds since the epoch; injectable for tests.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], int] = now_us,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.Random()
        self._hub = WatcherHub()
        self._reaper = Alarm(self._expire_leases, clock, "lease-reaper")
        self._schedule = Alarm(self._promote_due, clock, "schedule")
        self._stopping = False
        self._pending: set[asyncio.Task[None]] = set()
        self.submitter = Submitter(
            db, self._hub, self._schedule, settings, clock, self._reserve, self._settle
        )
        """CreateTask and BatchCreateTasks."""
        self.control = Control(db, self._hub, settings, clock)
        """Cancel, retry and re-prioritise."""
        self.lister = Lister(db)
        """ListTasks."""

    @property
    def open_watchers(self) -> int:
        return len(self._hub)

    async def start(self) -> None:
        """Starts the lease reaper from the soonest lease in the database."""
        await self.lister.start()
        await self.submitter.start()
        self._reaper.start(await self._db.read(store_leases.next_lease_expiry))
        self._schedule.start(await self._db.read(store_leases.next_due))

    async def stop(self) -> None:
        """Ends every WatchNext stream and the reaper; unary calls may still finish."""
        self._stopping = True
        self._hub.close_all()
        await self._reaper.stop()
        await self._schedule.stop()

    # -- submitters -----------------------------------------------------------------------

    async def get(self, task_id: str) -> Task:
        """The whole task with its history."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        v.raise_if_any()
        task = await self._db.read(lambda conn: tasks.get(conn, key), quick=True)
        if task is None:
            raise _not_found(key)
        return task

    # -- workers --------------------------------------------------------------------------

    def _claim_args(
        self,
        worker_id: str,
        work_directory: str,
        lease_us: int | None,
        tags: Sequence[str],
        v: validation.Violations,
    ) -> tuple[str, str | None, int, tuple[str, ...]]:
        worker = validation.worker_id(worker_id, v)
        directory = validation.work_directory(work_directory, v) if work_directory else None
        s = self._settings
        lease = validation.lease_duration(
            lease_us, v, default=s.default_lease_us, minimum=s.min_lease_us, maximum=s.max_lease_us
        )
        return worker, directory, lease, validation.tags(tags, v)

    async def claim(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
    ) -> Lease | None:
        """Takes the next claimable task in claim order; None when nothing matches."""
        v = validation.Violations()
        worker, directory, lease, wanted = self._claim_args(
            worker_id, work_directory, lease_duration_us, tags, v
        )
        v.raise_if_any()
        return await self._claim(worker, directory, lease, wanted)

    async def _claim(
        self, worker: str, directory: str | None, lease_us: int, tags: tuple[str, ...]
    ) -> Lease | None:
        granted = await self._claim_many(
            worker, directory, lease_us, tags, limit=1, with_history=True
        )
        return granted[0] if granted else None

    async def _claim_many(
        self,
        worker: str,
        directory: str | None,
        lease_us: int,
        tags: tuple[str, ...],
        *,
        limit: int,
        with_history: bool,
    ) -> list[Lease]:
        """Takes up to `limit` claimable tasks in claim order, in one transaction."""
        if self._stopping:
            raise errors.ShuttingDown("the server is shutting down; claim from another server")
        tokens = leases.new_tokens(limit)
        now = self._clock()

        def op(conn: Connection) -> list[Task]:
            return tasks.claim_many(
                conn,
                work_directory=directory,
                tags=tags,
                worker_id=worker,
                tokens=tokens,
                now=now,
                lease_duration=lease_us,
                directory_limit=self._settings.max_working_per_directory,
                with_history=with_history,
            )

        try:
            claimed = await self._db.write(op)
        except asyncio.CancelledError:
            # The caller gave up (cancelled, deadline passed) while the claim was in the
            # writer: it may still commit, so undo it rather than leave it to the lease.
            for token in tokens:
                self._background(self._abandon(token))
            raise
        return self._leases(claimed, tokens, now, lease_us)

    def _leases(
        self, claimed: list[Task], tokens: list[str], now: int, lease_us: int
    ) -> list[Lease]:
        if not claimed:
            return []
        expire = now + lease_us
        self._reaper.note(expire)
        return [
            Lease(task=task, token=token, expire_time=expire)
            for task, token in zip(claimed, tokens, strict=False)
        ]

    def _reserve(self, rows: Sequence[tasks.NewRow]) -> list[Handoff]:
        """Reserves, for the claimable tasks among `rows`, the parked watchers their creation
        would wake (as many as it takes to have room for them all), and prepares a claim
        for each to run in the creating transaction (see queue/handoff.py)."""
        if self._stopping or not self._hub.has_parked:
            return []
        wanted: dict[tuple[str, tuple[str, ...]], int] = {}
        for row in rows:
            if row.due_time is None:
                key = (row.work_directory, row.tags)
                wanted[key] = wanted.get(key, 0) + 1
        handoffs: list[Handoff] = []
        for (directory, labels), count in wanted.items():
            while count > 0:
                w = self._hub.reserve(directory, labels)
                if w is None:
                    break
                limit = min(w.max_in_flight - len(w.in_flight), CLAIM_BATCH)
                handoffs.append(
                    Handoff(
                        watcher=w,
                        tokens=leases.new_tokens(limit),
                        directory_limit=self._settings.max_working_per_directory,
                    )
                )
                count -= limit
        return handoffs

    def _settle(
        self, handoffs: list[Handoff], claimed: list[list[Task]] | None, cancelled: bool
    ) -> set[str]:
        """Gives each reserved watcher what its handoff claimed (None: the create failed; if
        it was cancelled it may still have committed, so its claims are undone) and wakes
        it; returns the ids of the tasks handed over."""
        handed: set[str] = set()
        for i, handoff in enumerate(handoffs):
            w = handoff.watcher
            w.reserved = w.claiming = False
            if claimed is None:
                if cancelled:
                    for token in handoff.tokens:
                        self._background(self._abandon(token))
                w.signal.set()
                continue
            granted = self._leases(claimed[i], handoff.tokens, handoff.now, w.lease_duration)
            if self._hub.is_open(w) and not w.closed:
                for lease in granted:
                    self._hub.deliver(w, lease.task.id, lease.token)
                    handed.add(lease.task.id)
                w.handed += granted
            else:  # the stream ended meanwhile: back to waiting
                for lease in granted:
                    self._background(self._abandon(lease.token))
            w.signal.set()
        return handed

    async def watch(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        max_in_flight: int = 0,
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
    ) -> AsyncGenerator[Lease, None]:
        """Yields a claimed task whenever the watcher has spare capacity and one matches.

        Validates before the first task; ends when the server stops. While it runs, the leases
        of the tasks it delivered are renewed.
        """
        watcher = self._watcher(worker_id, work_directory, max_in_flight, lease_duration_us, tags)
        return self._watch(watcher)

    async def watch_batches(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        max_in_flight: int = 0,
        lease_duration_us: int | None = None,
        tags: Sequence[str] = (),
        with_history: bool = True,
    ) -> AsyncGenerator[list[Lease], None]:
        """As `watch`, but yields the tasks of each claim transaction together (without
        their history if asked: one query less per task)."""
        watcher = self._watcher(worker_id, work_directory, max_in_flight, lease_duration_us, tags)
        return self._watch_batches(watcher, with_history=with_history)

    def _watcher(
        self,
        worker_id: str,
        work_directory: str,
        max_in_flight: int,
        lease_duration_us: int | None,
        tags: Sequence[str],
    ) -> Watcher:
        v = validation.Violations()
        worker, directory, lease, wanted = self._claim_args(
            worker_id, work_directory, lease_duration_us, tags, v
        )
        capacity = validation.max_in_flight(max_in_flight, v)
        v.raise_if_any()
        if self._stopping:
            raise errors.ShuttingDown("the server is shutting down; watch another server")
        return Watcher(
            worker_id=worker,
            work_directory=directory,
            tags=wanted,
            max_in_flight=capacity,
            lease_duration=lease,
        )

    async def _watch(self, w: Watcher) -> AsyncGenerator[Lease, None]:
        batches = self._watch_batches(w)
        unsent: list[Lease] = []
        try:
            async for batch in batches:
                unsent = batch[::-1]
                while unsent:
                    yield unsent.pop()
        finally:
            await batches.aclose()
            for lease in unsent:  # claimed for this stream, never sent: back to waiting
                self._background(self._abandon(lease.token))

    async def _watch_batches(
        self, w: Watcher, *, with_history: bool = True
    ) -> AsyncGenerator[list[Lease], None]:
        w.with_history = with_history
        self._hub.add(w)
        renewer = asyncio.create_task(self._renew_while_open(w), name=f"renew-{w.worker_id}")
        try:
            while not w.closed:
                if w.handed:  # claimed for this stream by a create (a handoff)
                    granted, w.handed = w.handed, []
                    yield granted
                    continue
                if w.reserved or not w.has_capacity:
                    w.signal.clear()
                    await w.signal.wait()
                    continue
                w.missed = False
                w.claiming = True
                try:
                    granted = await self._claim_many(
                        w.worker_id,
                        w.work_directory,
                        w.lease_duration,
                        w.tags,
                        limit=min(w.max_in_flight - len(w.in_flight), CLAIM_BATCH),
                        with_history=with_history,
                    )
                finally:
                    w.claiming = False
                for lease in granted:
                    self._hub.deliver(w, lease.task.id, lease.token)
                if granted:
                    yield granted
                # closed during the claim: end now
                elif not w.missed and not w.closed:
                    w.signal.clear()
                    self._hub.park(w)
                    await w.signal.wait()
                    self._hub.unpark(w)
        except errors.ShuttingDown:
            return
        finally:
            renewer.cancel()
            self._hub.remove(w)
            for lease in w.handed:  # handed over but never sent: back to waiting
                self._background(self._abandon(lease.token))
            w.handed = []

    async def _renew_while_open(self, w: Watcher) -> None:
        """Renews the leases of the tasks a stream delivered, a third of a lease apart."""
        interval = w.lease_duration / 3e6
        while True:
            await asyncio.sleep(interval)
            held = list(w.in_flight.items())
            if not held:
                continue
            now = self._clock()

            def op(
                conn: Connection, held: list[tuple[str, str]] = held, now: int = now
            ) -> dict[str, int]:
                return store_leases.renew_leases(conn, held, now=now)

            try:
                renewed = await self._db.write(op)
            except errors.TaskQueueError:
                continue  # storage trouble: try again next round; leases are still running
            for task_id, _token in held:
                if task_id not in renewed:
                    self._hub.release(task_id)

    async def heartbeat(self, *, task_id: str, lease_token: str) -> int:
        """Extends a current lease by its duration; returns the new expiry."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=True)
        v.raise_if_any()
        now = self._clock()

        def op(conn: Connection) -> int:
            lease = _lease_or_not_found(conn, key)
            leases.check_renewable(lease, token, now)
            expire = now + (lease.lease_duration or self._settings.default_lease_us)
            store_leases.extend_lease(conn, lease, expire_time=expire, now=now)
            return expire

        return await self._db.write(op)

    async def complete(
        self,
        *,
        task_id: str,
        lease_token: str = "",
        original_prompt: str = "",
        result: dict[str, Any] | None = None,
    ) -> Task:
        """Marks a working task completed with its result."""
        v = validation.Violations()
        encoded = validation.result(result, v)
        key, token, now = await self._finish_request(task_id, lease_token, original_prompt, v)

        task = await self._db.write(lambda conn: _complete_in(conn, key, token, encoded, now))
        self._finished(task)
        return task

    async def complete_many(
        self, items: Sequence[CompleteInput]
    ) -> list[Completion | errors.TaskQueueError]:
        """Completes each item as `complete` would, in one transaction; one refused item does
        not stop the others. The answers are in the items' order; a completed task is not read
        back (that was half of a completion's cost in the writer)."""
        if not 1 <= len(items) <= MAX_BATCH_COMPLETE:
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        field="requests", description=f"1 to {MAX_BATCH_COMPLETE} completions"
                    )
                ]
            )
        outcomes: list[Completion | errors.TaskQueueError | None] = [None] * len(items)
        checked: list[tuple[int, str, str, str | None, str]] = []  # index, key, token, ...
        for i, item in enumerate(items):
            v = validation.Violations()
            encoded = validation.result(item.result, v)
            key = validation.task_id(item.task_id, v)
            token = validation.lease_token(item.lease_token, v, required=False)
            reported = validation.original_prompt(
                item.original_prompt, v, max_bytes=self._settings.max_prompt_bytes
            )
            if v.items:
                outcomes[i] = errors.InvalidArgument(
                    [
                        errors.FieldViolation(
                            field=f"requests[{i}].{f.field}", description=f.description
                        )
                        for f in v.items
                    ]
                )
                continue
            checked.append((i, key, token, encoded, reported))
        wanted = [key for _, key, _, _, reported in checked if reported]
        stored = (
            await self._db.read(lambda conn: tasks.get_prompts(conn, wanted), quick=True)
            if wanted
            else {}
        )
        now = self._clock()
        todo: list[tuple[int, str, str, str | None]] = []
        for i, key, token, encoded, reported in checked:
            try:
                if reported:
                    self._match_prompt(key, stored.get(key), reported)
            except errors.TaskQueueError as exc:
                outcomes[i] = exc
                continue
            todo.append((i, key, token, encoded))

        def op(conn: Connection) -> list[tuple[int, Completion | errors.TaskQueueError]]:
            answers: list[tuple[int, Completion | errors.TaskQueueError]] = []
            id_keys = ids.keys_in(conn, [key for _, key, _, _ in todo])  # all in one go
            for (i, key, token, encoded), id_key in zip(todo, id_keys, strict=True):
                row = tasks.keyed_row(conn, key, id_key)  # after the completions before it
                try:  # no savepoint needed: _completable refuses before anything is written
                    lease, actor = _completable(row, key, token, now)
                except errors.TaskQueueError as exc:
                    answers.append((i, exc))
                    continue
                tasks.complete_quietly(conn, lease, result_json=encoded, now=now, actor=actor)
                done = Completion(
                    task_id=key,
                    work_directory=lease.work_directory,
                    start_time=lease.start_time,
                    complete_time=now,
                )
                answers.append((i, done))
            return answers

        for i, answer in await self._db.write(op) if todo else []:
            outcomes[i] = answer
            if isinstance(answer, Completion):
                self._released(answer.task_id, answer.work_directory)
        return [o for o in outcomes if o is not None]

    def _finished(self, task: Task) -> None:
        """A task left working (see _released); a retry backing off is scheduled."""
        self._released(task.id, task.work_directory)
        if task.due_time is not None:
            self._schedule.note(task.due_time)

    def _released(self, task_id: str, work_directory: str) -> None:
        """A task left working: its watcher has capacity again, and its directory has room
        (a task held back by a per-directory limit may be claimable now)."""
        self._hub.release(task_id)
        self._hub.notify(work_directory, None)

    async def fail(
        self,
        *,
        task_id: str,
        lease_token: str = "",
        original_prompt: str = "",
        error: str = "",
        retryable: bool = True,
    ) -> Task:
        """Marks a working task failed, or, when its retry policy has attempts left, queues it
        again after a backoff (retryable=False stops that)."""
        v = validation.Violations()
        message = validation.error_message(error, v)
        key, token, now = await self._finish_request(task_id, lease_token, original_prompt, v)

        def op(conn: Connection) -> Task:
            lease = _lease_or_not_found(conn, key)
            leases.check_current(lease, token, now)
            actor = lease.worker_id if token else "client"
            outcome = retries.after_failure(
                lease.retry_policy, lease.attempt, retryable=retryable, rng=self._rng
            )
            if outcome.retry_after_us is None:
                return tasks.fail(conn, lease, error=message, now=now, actor=actor)
            note = f"{outcome.reason}: {message}" if message else outcome.reason
            return store_leases.requeue(
                conn,
                lease,
                due_time=now + outcome.retry_after_us,
                error=message,
                lease_expired=False,
                now=now,
                actor=actor,
                reason=note,
            )

        task = await self._db.write(op)
        self._finished(task)
        return task

    async def _finish_request(
        self, task_id: str, lease_token: str, original_prompt: str, v: validation.Violations
    ) -> tuple[str, str, int]:
        """Validates what complete and fail share, checks the prompt; (id, token, now)."""
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=False)
        reported = validation.original_prompt(
            original_prompt, v, max_bytes=self._settings.max_prompt_bytes
        )
        v.raise_if_any()
        await self._check_prompt(key, reported)
        return key, token, self._clock()

    async def _check_prompt(self, task_id: str, reported: str) -> None:
        """Refuses a report whose prompt is not the task's (prompts never change, so this
        runs on a reader, outside the writer's transaction)."""
        if not reported:
            return
        stored = await self._db.read(lambda conn: tasks.get_prompt(conn, task_id), quick=True)
        self._match_prompt(task_id, stored, reported)

    def _match_prompt(self, task_id: str, stored: str | None, reported: str) -> None:
        if stored is None:
            raise _not_found(task_id)
        score = prompt_match.score(stored, reported)
        threshold = self._settings.prompt_match_threshold
        if score < threshold:
            raise errors.PromptMismatch(
                f"original_prompt does not match the task's prompt (score {score:.1f}, needs"
                f" {threshold:g}): this may be another task's result",
                metadata={"score": f"{score:.1f}", "threshold": f"{threshold:g}"},
            )

    # -- leases ---------------------------------------------------------------------------

    async def _expire_leases(self) -> int | None:
        """Ends every attempt whose lease ran out: back to waiting (at once, or after the
        retry policy's backoff), or failed when attempts or lease expiries are used up."""
        now = self._clock()
        s = self._settings

        def op(conn: Connection) -> tuple[list[Task], int | None]:
            ended = []
            for row in store_leases.expired_leases(conn, now=now):
                outcome = retries.after_lease_expiry(
                    row.retry_policy,
                    row.attempt,
                    row.lease_expiries,
                    max_lease_expiries=s.max_lease_expiries,
                    rng=self._rng,
                )
                if outcome.retry_after_us is None:
                    ended.append(
                        store_leases.fail_expired(conn, row, error=outcome.reason, now=now)
                    )
                    continue
                due = now + outcome.retry_after_us if outcome.retry_after_us else None
                ended.append(
                    store_leases.requeue(
                        conn,
                        row,
                        due_time=due,
                        error="",
                        lease_expired=True,
                        now=now,
                        actor="server",
                        reason=f"{outcome.reason} (lease of {row.worker_id})",
                    )
                )
            return ended, store_leases.next_lease_expiry(conn)

        ended, next_expiry = await self._db.write(op)
        for task in ended:
            self._finished(task)
            if task.due_time is None:
                self._hub.notify(task.work_directory, task.tags)
        return next_expiry

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _abandon(self, token: str) -> None:
        now = self._clock()
        try:
            task = await self._db.write(
                lambda conn: store_leases.abandon_claim(conn, token=token, now=now)
            )
        except errors.TaskQueueError:
            return  # the lease will run out instead
        if task is not None:
            self._hub.notify(task.work_directory, task.tags)

    async def _promote_due(self) -> int | None:
        """Makes scheduled tasks whose time has come claimable and wakes their watchers."""
        now = self._clock()

        def op(conn: Connection) -> tuple[list[tuple[str, tuple[str, ...]]], int | None]:
            return store_leases.promote_due(conn, now=now), store_leases.next_due(conn)

        promoted, next_due = await self._db.write(op)
        for directory, labels in promoted:
            self._hub.notify(directory, labels)
        return next_due


def _complete_in(conn: Connection, key: str, token: str, encoded: str | None, now: int) -> Task:
    """Completes one working task inside a writer operation, if the lease allows it."""
    lease, actor = _completable(tasks.task_row(conn, key), key, token, now)
    return tasks.complete(conn, lease, result_json=encoded, now=now, actor=actor)


def _completable(
    row: tasks.TaskRow | None, key: str, token: str, now: int
) -> tuple[tasks.TaskRow, str]:
    """The lease of the task `row` (that of the id `key`, None when there is none) if this
    caller may complete it now, and who completes it. Every refusal comes before the first
    write (batches rely on it to skip savepoints)."""
    lease = _found(row, key)
    leases.check_current(lease, token, now)
    return lease, lease.worker_id if token else "client"


def _lease_or_not_found(conn: Connection, task_id: str) -> tasks.TaskRow:
    return _found(tasks.task_row(conn, task_id), task_id)


def _found(row: tasks.TaskRow | None, task_id: str) -> tasks.TaskRow:
    if row is None:
        raise _not_found(task_id)
    return row


def _not_found(task_id: str) -> errors.NotFound:
    return errors.NotFound(f"no task with id {task_id}", metadata={"task_id": task_id})
