"""`Worker`: runs a handler on every task WatchNext delivers.

The handler's return value (a JSON object, or None) completes the task; an exception fails
it with a short traceback as the error. The open stream keeps the leases of delivered tasks
alive. When the server goes away the worker reconnects with backoff; reports that could not
be sent are retried (the lease token fences them, so a report is never applied twice). `stop()`
ends the stream and lets in-flight handlers finish within a drain deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import grpc
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb

from taskqueue_client.client import TaskQueueClient, complete_request
from taskqueue_client.errors import FailedPrecondition, TaskQueueClientError, from_outcome
from taskqueue_client.retry import RetryPolicy

log = logging.getLogger(__name__)

Handler = Callable[[task_pb2.Task], Awaitable[Mapping[str, Any] | None]]
RECONNECT = RetryPolicy(max_attempts=1_000_000, initial_backoff=0.2, max_backoff=5.0)


def error_summary(exc: BaseException, limit: int = 4000) -> str:
    """The exception and the last frames of its traceback, short enough for a task error."""
    text = "".join(traceback.format_exception(exc, limit=-5))
    return text[-limit:]


class _Completions:
    """Sends completions in batches (CompleteTasks): those that arrive while a batch is on
    its way go together in the next one, so a busy worker makes few calls."""

    def __init__(self, client: TaskQueueClient) -> None:
        self._client = client
        self._pending: list[tuple[pb.CompleteTaskRequest, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def complete(self, request: pb.CompleteTaskRequest) -> None:
        """Completes one task; raises the client error CompleteTask would have raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((request, done))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send())
        await done

    async def _send(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:1000], self._pending[1000:]
            try:
                outcomes = await self._client.complete_tasks([r for r, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if done.done():
                    continue
                if outcome.code == 0:
                    done.set_result(None)
                else:
                    done.set_exception(from_outcome(outcome.code, outcome.reason, outcome.message))


class Worker:
    """Takes tasks over WatchNext and runs `handler` on each, `max_in_flight` at a time.

    Args:
        client: the client to use (its credentials and deadlines apply).
        handler: coroutine run per task; its return value is the task's result.
        worker_id: this worker's name, shown on the tasks it holds.
        work_directory, tags: only take such tasks.
        max_in_flight: how many tasks may be worked on at once.
        drain_seconds: how long `stop()` lets in-flight handlers finish.
    """

    def __init__(
        self,
        client: TaskQueueClient,
        handler: Handler,
        *,
        worker_id: str,
        work_directory: str = "",
        tags: Sequence[str] = (),
        max_in_flight: int = 1,
        lease_seconds: float | None = None,
        drain_seconds: float = 30.0,
    ) -> None:
        self._client = client
        self._handler = handler
        self._worker_id = worker_id
        self._work_directory = work_directory
        self._tags = tuple(tags)
        self._max_in_flight = max_in_flight
        self._lease_seconds = lease_seconds
        self._drain_seconds = drain_seconds
        self._running: set[asyncio.Task[None]] = set()
        self._completions = _Completions(client)
        self._stopping = asyncio.Event()
        self.completed = 0
        self.failed = 0

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM stop the worker gracefully."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Works until stopped; then waits up to drain_seconds for in-flight handlers."""
        delays = RECONNECT.delays(random.Random())
        while not self._stopping.is_set():
            try:
                await self._watch()
                delays = RECONNECT.delays(random.Random())
            except TaskQueueClientError as exc:
                if exc.code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                    raise
                wait = next(delays)
                log.warning("server unavailable (%s); reconnecting in %.1fs", exc.message, wait)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._stopping.wait()
        await self._drain()

    async def _watch(self) -> None:
        stream = self._client.watch_next(
            self._worker_id,
            work_directory=self._work_directory,
            tags=self._tags,
            max_in_flight=self._max_in_flight,
            lease_seconds=self._lease_seconds,
        )
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            while True:
                nxt = asyncio.ensure_future(stream.__anext__())
                done, _ = await asyncio.wait({nxt, stop}, return_when=asyncio.FIRST_COMPLETED)
                if nxt not in done:
                    nxt.cancel()
                    # Let the cancelled read unwind before the stream is closed.
                    with contextlib.suppress(BaseException):
                        await nxt
                    return
                try:
                    pushed = nxt.result()
                except StopAsyncIteration:
                    return  # the server ended the stream (shutting down): reconnect
                task = asyncio.create_task(self._work(pushed))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
        finally:
            stop.cancel()
            await stream.aclose()

    async def _work(self, pushed: pb.WatchNextResponse) -> None:
        task = pushed.task
        try:
            result = await self._handler(task)
        except Exception as exc:
            self.failed += 1
            error = error_summary(exc)
            await self._report(
                lambda: self._client.fail_task(
                    task.id,
                    lease_token=pushed.lease_token,
                    error=error,
                    original_prompt=task.prompt,
                )
            )
            return
        self.completed += 1
        request = complete_request(task.id, pushed.lease_token, task.prompt, result)
        await self._report(lambda: self._completions.complete(request))

    async def _report(self, send: Callable[[], Awaitable[Any]]) -> None:
        """Sends a completion or failure, retrying while the server is away. A retry whose
        first attempt did land is refused as TASK_NOT_WORKING: the report stands."""
        delays = RECONNECT.delays(random.Random())
        while True:
            try:
                await send()
                return
            except FailedPrecondition as exc:
                log.warning("report refused (%s): %s", exc.reason, exc.message)
                return
            except TaskQueueClientError as exc:
                if exc.code != grpc.StatusCode.UNAVAILABLE:
                    log.error("report failed: %s", exc)
                    return
                await asyncio.sleep(next(delays))

    async def _drain(self) -> None:
        if not self._running:
            return
        log.info(
            "stopping: waiting up to %gs for %d tasks", self._drain_seconds, len(self._running)
        )
        done, pending = await asyncio.wait(set(self._running), timeout=self._drain_seconds)
        for task in pending:  # their leases run out and the tasks go to another worker
            task.cancel()
        del done
