"""The one wrapper of every TaskQueueService handler: counts the call in flight, observes
its outcome and latency (unary calls), and ends it with the status of a domain error
(api/statuses.py). `unary` for unary calls; `streaming` for server streams (WatchNext) and
bidirectional streams (Work), whose first argument is the request or the request iterator.
A stream's duration is no latency, so streams are counted in flight but not timed."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar

import grpc

from taskqueue_server.api import statuses
from taskqueue_server.ops.metrics import Metrics

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Context = grpc.aio.ServicerContext[Any, Any]


class Served(Protocol):
    """What the wrapped handlers' servicer keeps: calls in flight and the metrics."""

    in_flight: int
    metrics: Metrics


def unary(
    method: Callable[[Any, Req, Context], Awaitable[Resp]],
) -> Callable[[Any, Req, Context], Awaitable[Resp]]:
    @functools.wraps(method)
    async def guarded(self: Served, request: Req, context: Context) -> Resp:
        self.in_flight += 1
        started = time.perf_counter()
        try:
            response = await method(self, request, context)
        except Exception as exc:
            failure: Exception = exc
        else:
            self.metrics.observe_rpc(method.__name__, "OK", time.perf_counter() - started)
            return response
        finally:
            self.in_flight -= 1
        status = statuses.code_name(failure)
        self.metrics.observe_rpc(method.__name__, status, time.perf_counter() - started)
        await statuses.abort(context, failure)

    return guarded


def streaming(
    method: Callable[[Any, Req, Context], AsyncIterator[Resp]],
) -> Callable[[Any, Req, Context], AsyncIterator[Resp]]:
    @functools.wraps(method)
    async def guarded(self: Served, request: Req, context: Context) -> AsyncIterator[Resp]:
        self.in_flight += 1
        failure: Exception | None = None
        try:
            async with contextlib.aclosing(method(self, request, context)) as items:  # type: ignore[type-var]
                async for item in items:
                    yield item
        except Exception as exc:
            failure = exc
        finally:
            self.in_flight -= 1
        if failure is not None:
            await statuses.abort(context, failure)

    return guarded
