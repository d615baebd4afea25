"""The task queue's operations: validate, decide, have the store carry it out, wake watchers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import Counts, Lease, Priority, Task
from taskqueue_server.queue import leases, prompt_match, validation
from taskqueue_server.queue.control import Control
from taskqueue_server.queue.listing import Lister
from taskqueue_server.queue.watchers import Watcher, WatcherHub
from taskqueue_server.store import stats, tasks
from taskqueue_server.store.db import Connection, Database

MAX_BATCH_CREATE: Final = 1000


@dataclass(frozen=True, kw_only=True, slots=True)
class NewTask:
    """A task as a submitter describes it, before validation."""

    work_directory: str
    prompt: str
    priority: int = 0
    tags: Sequence[str] = ()
    request_id: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class _ValidTask:
    directory: str
    prompt: str
    priority: Priority
    tags: tuple[str, ...]
    request_id: str | None
    request_hash: str | None


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
        self, db: Database, settings: Settings, *, clock: Callable[[], int] = now_us
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._hub = WatcherHub()
        self._reaper = leases.LeaseReaper(self._expire_leases, clock)
        self._stopping = False
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
        self._reaper.start(await self._db.read(tasks.next_lease_expiry))

    async def stop(self) -> None:
        """Ends every WatchNext stream and the reaper; unary calls may still finish."""
        self._stopping = True
        self._hub.close_all()
        await self._reaper.stop()

    # -- submitters -----------------------------------------------------------------------

    def _new_task(self, request: NewTask, v: validation.Violations, prefix: str = "") -> _ValidTask:
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
        for item in inner.items:
            v.add(prefix + item.field, item.description)
        digest = None
        if request_id is not None:  # only an idempotent create needs its body remembered
            body = json.dumps([directory, text, int(level), list(labels)])
            digest = hashlib.sha256(body.encode()).hexdigest()
        return _ValidTask(
            directory=directory,
            prompt=text,
            priority=level,
            tags=labels,
            request_id=request_id,
            request_hash=digest,
        )

    def _insert(self, conn: Connection, new: _ValidTask, actor: str) -> tuple[Task, bool]:
        """Inserts one task, or replays the one its request id created; (task, is_new)."""
        if new.request_id is not None:
            earlier = tasks.by_request_id(conn, new.request_id)
            if earlier is not None:
                task_id, digest = earlier
                if digest != new.request_hash:
                    raise errors.AlreadyExists(
                        f"request_id {new.request_id} was used for a different task"
                        f" ({task_id}); use a new request_id for a new task",
                        metadata={"request_id": new.request_id, "task_id": task_id},
                    )
                task = tasks.get(conn, task_id)
                assert task is not None
                return task, False
        task = tasks.insert(
            conn,
            task_id=str(uuid.uuid4()),
            work_directory=new.directory,
            prompt=new.prompt,
            priority=new.priority,
            tags=new.tags,
            now=self._clock(),
            actor=actor,
            request_id=new.request_id,
            request_hash=new.request_hash,
        )
        return task, True

    async def create(self, request: NewTask, *, actor: str = "client") -> Task:
        """Queues a new waiting task (or replays the one its request id created)."""
        v = validation.Violations()
        new = self._new_task(request, v)
        v.raise_if_any()
        task, is_new = await self._db.write(lambda conn: self._insert(conn, new, actor))
        if is_new:
            self._hub.notify(task.work_directory)
        return task

    async def batch_create(
        self, requests: Sequence[NewTask], *, actor: str = "client"
    ) -> list[Task]:
        """Queues up to 1,000 tasks in one transaction: all, or none when any is invalid."""
        v = validation.Violations()
        if not requests:
            v.add("requests", "required: 1 to 1000 tasks")
        if len(requests) > MAX_BATCH_CREATE:
            v.add("requests", f"too many: {len(requests)}, at most {MAX_BATCH_CREATE}")
            v.raise_if_any()
        valid = [self._new_task(r, v, f"requests[{i}].") for i, r in enumerate(requests)]
        v.raise_if_any()

        def op(conn: Connection) -> list[tuple[Task, bool]]:
            return [self._insert(conn, new, actor) for new in valid]

        created = await self._db.write(op)
        for task, is_new in created:
            if is_new:
                self._hub.notify(task.work_directory)
        return [task for task, _ in created]

    async def get(self, task_id: str) -> Task:
        """The whole task with its history."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        v.raise_if_any()
        task = await self._db.read(lambda conn: tasks.get(conn, key))
        if task is None:
            raise _not_found(key)
        return task

    async def stats(self) -> Counts:
        """How many tasks there are, by state and priority."""
        return await self._db.read(stats.counts)

    # -- workers --------------------------------------------------------------------------

    def _claim_args(
        self, worker_id: str, work_directory: str, lease_us: int | None, v: validation.Violations
    ) -> tuple[str, str | None, int]:
        worker = validation.worker_id(worker_id, v)
        directory = validation.work_directory(work_directory, v) if work_directory else None
        s = self._settings
        lease = validation.lease_duration(
            lease_us, v, default=s.default_lease_us, minimum=s.min_lease_us, maximum=s.max_lease_us
        )
        return worker, directory, lease

    async def claim(
        self, *, worker_id: str, work_directory: str = "", lease_duration_us: int | None = None
    ) -> Lease | None:
        """Takes the next waiting task in claim order; None when nothing matches."""
        v = validation.Violations()
        worker, directory, lease = self._claim_args(worker_id, work_directory, lease_duration_us, v)
        v.raise_if_any()
        return await self._claim(worker, directory, lease)

    async def _claim(self, worker: str, directory: str | None, lease_us: int) -> Lease | None:
        if self._stopping:
            raise errors.ShuttingDown("the server is shutting down; claim from another server")
        token = leases.new_token()
        now = self._clock()

        def op(conn: Connection) -> Task | None:
            return tasks.claim_next(
                conn,
                work_directory=directory,
                worker_id=worker,
                token=token,
                now=now,
                lease_duration=lease_us,
            )

        task = await self._db.write(op)
        if task is None:
            return None
        expire = now + lease_us
        self._reaper.note(expire)
        return Lease(task=task, token=token, expire_time=expire)

    async def watch(
        self,
        *,
        worker_id: str,
        work_directory: str = "",
        max_in_flight: int = 0,
        lease_duration_us: int | None = None,
    ) -> AsyncGenerator[Lease, None]:
        """Yields a claimed task whenever the watcher has spare capacity and one matches.

        Validates before the first task; ends when the server stops. While it runs, the leases
        of the tasks it delivered are renewed.
        """
        v = validation.Violations()
        worker, directory, lease = self._claim_args(worker_id, work_directory, lease_duration_us, v)
        capacity = validation.max_in_flight(max_in_flight, v)
        v.raise_if_any()
        if self._stopping:
            raise errors.ShuttingDown("the server is shutting down; watch another server")
        watcher = Watcher(
            worker_id=worker, work_directory=directory, max_in_flight=capacity, lease_duration=lease
        )
        return self._watch(watcher)

    async def _watch(self, w: Watcher) -> AsyncGenerator[Lease, None]:
        self._hub.add(w)
        renewer = asyncio.create_task(self._renew_while_open(w), name=f"renew-{w.worker_id}")
        try:
            while not w.closed:
                if not w.has_capacity:
                    w.signal.clear()
                    await w.signal.wait()
                    continue
                w.missed = False
                w.claiming = True
                try:
                    granted = await self._claim(w.worker_id, w.work_directory, w.lease_duration)
                finally:
                    w.claiming = False
                if granted is not None:
                    self._hub.deliver(w, granted.task.id, granted.token)
                    yield granted
                elif not w.missed and not w.closed:  # closed during the claim: end now
                    w.signal.clear()
                    self._hub.park(w)
                    await w.signal.wait()
                    self._hub.unpark(w)
        except errors.ShuttingDown:
            return
        finally:
            renewer.cancel()
            self._hub.remove(w)

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
                return tasks.renew_leases(conn, held, now=now)

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
            tasks.extend_lease(conn, lease, expire_time=expire, now=now)
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
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=False)
        reported = validation.original_prompt(
            original_prompt, v, max_bytes=self._settings.max_prompt_bytes
        )
        encoded = validation.result(result, v)
        v.raise_if_any()
        await self._check_prompt(key, reported)
        now = self._clock()

        def op(conn: Connection) -> Task:
            lease = _lease_or_not_found(conn, key)
            leases.check_current(lease, token, now)
            actor = lease.worker_id if token else "client"
            return tasks.complete(conn, lease, result_json=encoded, now=now, actor=actor)

        task = await self._db.write(op)
        self._hub.release(task.id)
        return task

    async def fail(
        self, *, task_id: str, lease_token: str = "", original_prompt: str = "", error: str = ""
    ) -> Task:
        """Marks a working task failed with an error message."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=False)
        reported = validation.original_prompt(
            original_prompt, v, max_bytes=self._settings.max_prompt_bytes
        )
        message = validation.error_message(error, v)
        v.raise_if_any()
        await self._check_prompt(key, reported)
        now = self._clock()

        def op(conn: Connection) -> Task:
            lease = _lease_or_not_found(conn, key)
            leases.check_current(lease, token, now)
            actor = lease.worker_id if token else "client"
            return tasks.fail(conn, lease, error=message, now=now, actor=actor)

        task = await self._db.write(op)
        self._hub.release(task.id)
        return task

    async def _check_prompt(self, task_id: str, reported: str) -> None:
        """Refuses a report whose prompt is not the task's (prompts never change, so this
        runs on a reader, outside the writer's transaction)."""
        if not reported:
            return
        stored = await self._db.read(lambda conn: tasks.get_prompt(conn, task_id))
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
        now = self._clock()

        def op(conn: Connection) -> tuple[list[Task], int | None]:
            return tasks.expire_leases(conn, now=now), tasks.next_lease_expiry(conn)

        expired, next_expiry = await self._db.write(op)
        for task in expired:
            self._hub.release(task.id)
            self._hub.notify(task.work_directory)
        return next_expiry


def _lease_or_not_found(conn: Connection, task_id: str) -> tasks.TaskRow:
    lease = tasks.task_row(conn, task_id)
    if lease is None:
        raise _not_found(task_id)
    return lease


def _not_found(task_id: str) -> errors.NotFound:
    return errors.NotFound(f"no task with id {task_id}", metadata={"task_id": task_id})
