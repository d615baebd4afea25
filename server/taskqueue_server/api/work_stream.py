"""The Work stream (bidi): tasks pushed in batches one way, completions and failures
reported the other, over one stream. Two pumps feed one queue of responses; the stream ends
when either side ends, and a pump's failure is the stream's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator

from taskqueue.v1 import taskqueue_service_pb2 as pb

from taskqueue_server import errors
from taskqueue_server.api import requests, responses
from taskqueue_server.api.reporting import Reporting
from taskqueue_server.queue.services import TaskQueue


def _subscribe_first() -> errors.InvalidArgument:
    return errors.InvalidArgument(
        [
            errors.FieldViolation(
                field="subscribe",
                description="required in the first request: which tasks to take",
            )
        ]
    )


async def serve(
    queue: TaskQueue, reporting: Reporting, request_iterator: AsyncIterator[pb.WorkRequest]
) -> AsyncGenerator[pb.WorkResponse, None]:
    """The responses of one Work stream, for its requests."""
    out: asyncio.Queue[pb.WorkResponse | None] = asyncio.Queue()
    pumps: list[asyncio.Task[None]] = []
    try:
        first = await anext(aiter(request_iterator), None)
        if first is None or not first.HasField("subscribe"):
            raise _subscribe_first()
        sub = first.subscribe
        batches = await queue.streams.watch_batches(
            worker_id=sub.worker_id,
            work_directory=sub.work_directory,
            max_in_flight=sub.max_in_flight,
            lease_duration_us=requests.lease_duration(sub),
            tags=sub.tags,
            with_history=False,
        )

        async def send_tasks() -> None:
            try:
                async with contextlib.aclosing(batches):
                    async for batch in batches:
                        for lease in batch:
                            reporting.observe_wait(lease)
                        tasks = [responses.pushed(lease) for lease in batch]
                        out.put_nowait(pb.WorkResponse(tasks=tasks))
            finally:
                out.put_nowait(None)  # the server is stopping (or failed): end the stream

        async def take_reports() -> None:
            try:
                request: pb.WorkRequest | None = first
                requests_ = aiter(request_iterator)
                while request is not None:
                    if request.completions or request.failures:
                        outcomes = await reporting.of_work_request(request)
                        out.put_nowait(pb.WorkResponse(outcomes=outcomes))
                    request = await anext(requests_, None)
            finally:
                out.put_nowait(None)  # the worker closed its side (or failed): end

        pumps = [asyncio.create_task(send_tasks()), asyncio.create_task(take_reports())]
        while (message := await out.get()) is not None:
            yield message
        for pump in pumps:
            if pump.done() and not pump.cancelled():
                failure = pump.exception()
                if failure is not None:
                    raise failure
    finally:
        for pump in pumps:
            pump.cancel()
