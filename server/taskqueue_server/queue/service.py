"""The task queue's operations: validate, decide, have the store carry it out, wake watchers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import Lease, Task
from taskqueue_server.queue import leases, prompt_match, validation
from taskqueue_server.queue.watchers import Watcher, WatcherHub
from taskqueue_server.store import tasks
from taskqueue_server.store.db import Connection, Database


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

    @property
    def open_watchers(self) -> int:
        return len(self._hub)

    async def start(self) -> None:
        """Starts the lease reaper from the soonest lease in the database."""
        self._reaper.start(await self._db.read(tasks.next_lease_expiry))

    async def stop(self) -> None:
        """Ends every WatchNext stream and the reaper; unary calls may still finish."""
        self._stopping = True
        self._hub.close_all()
        await self._reaper.stop()

    # -- submitters -----------------------------------------------------------------------

    async def create(
        self,
        *,
        work_directory: str,
        prompt: str,
        priority: int,
        tags: Sequence[str],
        actor: str = "client",
    ) -> Task:
        """Queues a new waiting task."""
        v = validation.Violations()
        directory = validation.work_directory(work_directory, v)
        text = validation.prompt(prompt, v, max_bytes=self._settings.max_prompt_bytes)
        level = validation.priority(priority, v)
        labels = validation.tags(tags, v)
        v.raise_if_any()
        task_id = str(uuid.uuid4())
        now = self._clock()

        def op(conn: Connection) -> Task:
            return tasks.insert(
                conn, task_id=task_id, work_directory=directory, prompt=text,
                priority=level, tags=labels, now=now, actor=actor,
            )  # fmt: skip

        task = await self._db.write(op)
        self._hub.notify(task.work_directory)
        return task

    async def get(self, task_id: str) -> Task:
        """The whole task with its history."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        v.raise_if_any()
        task = await self._db.read(lambda conn: tasks.get(conn, key))
        if task is None:
            raise _not_found(key)
        return task

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
                conn, work_directory=directory, worker_id=worker, token=token, now=now,
                lease_duration=lease_us,
            )  # fmt: skip

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
                elif not w.missed:
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


def _lease_or_not_found(conn: Connection, task_id: str) -> tasks.LeaseRow:
    lease = tasks.lease_row(conn, task_id)
    if lease is None:
        raise _not_found(task_id)
    return lease


def _not_found(task_id: str) -> errors.NotFound:
    return errors.NotFound(f"no task with id {task_id}", metadata={"task_id": task_id})
