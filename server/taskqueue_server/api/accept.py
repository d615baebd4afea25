"""More calls accepted per turn of the event loop than grpc.aio accepts by itself.

grpc.aio (1.85) asks grpc core for the next call of each registered method one at a time:
its serving loop waits, with `asyncio.wait` over one pending request per method (about 30
here), for any of them to complete, hands what completed to a new task, and asks again
through another task. A method's next call is taken only several turns of the event loop
later, and every call pays for the wait over all the methods. Under load the calls of a busy
method queue inside grpc core before any Python code sees them: in the original acceptance
scenario (1,000 requests/s on 100 connections, 70% of them GetTask) GetTask calls waited
there up to 100 ms in some runs, and at 64 concurrent CreateTask calls the serving loop cost
a third of the server's CPU per call.

`Acceptors` keeps PER_METHOD more requests pending for each method of the service, each in a
coroutine of its own that hands the call it receives to grpc.aio's own handling (the same
`_handle_rpc` with the server's interceptors, and the same watch for cancellation as the
serving loop uses) and asks again at once. These are grpc.aio internals, so `start` checks
that each piece is there with the parameters it expects and otherwise leaves grpc.aio to
accept alone (with a log line). Calls of other services (health, reflection) are accepted
by grpc.aio alone.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Sequence
from typing import Any, Final

import grpc

cygrpc: Any = importlib.import_module("grpc._cython.cygrpc")  # no type stubs: internals
log = logging.getLogger(__name__)

PER_METHOD: Final = 8
"""Extra requests kept pending for each method, beside grpc.aio's own one."""

Handlers = dict[str, "grpc.RpcMethodHandler[Any, Any]"]


class _Capture:
    """Stands in for a server to collect the handlers a generated `add_*_to_server` adds."""

    def __init__(self) -> None:
        self.handlers: Handlers = {}

    def add_generic_rpc_handlers(self, handlers: Sequence[Any]) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: Handlers) -> None:
        for method, handler in handlers.items():
            self.handlers[f"/{service}/{method}"] = handler


def method_handlers(add_to_server: Any, servicer: Any) -> Handlers:
    """The handlers, by full method name, that a generated `add_*_to_server` registers."""
    capture = _Capture()
    add_to_server(servicer, capture)
    return capture.handlers


def _parameters(function: Any) -> tuple[str, ...]:
    code = getattr(function, "__code__", None)
    return () if code is None else tuple(code.co_varnames[: code.co_argcount])


def _internals_as_expected(core: Any) -> bool:
    """Whether this grpc has the internals `Acceptors` uses, with the parameters it passes."""
    return (
        _parameters(getattr(core, "_request_registered_call", None)) == ("self", "method")
        and callable(getattr(core, "is_running", None))
        and _parameters(getattr(cygrpc, "_handle_rpc", None))
        == (
            "method_name",
            "method_resolver",
            "interceptors",
            "rpc_state",
            "loop",
            "concurrency_exceeded",
        )
        and _parameters(getattr(cygrpc, "_schedule_rpc_coro", None))
        == ("rpc_coro", "rpc_state", "loop", "method_name")
        and hasattr(cygrpc, "_MethodResolver")
        and hasattr(cygrpc, "_RequestCallError")
    )


class Acceptors:
    """Extra pending requests for calls on a grpc.aio server with these interceptors."""

    def __init__(
        self,
        server: grpc.aio.Server,
        interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]],
        per_method: int = PER_METHOD,
    ) -> None:
        self._server = server
        self._interceptors = tuple(interceptors)
        self._per_method = per_method
        self._acceptors: set[asyncio.Task[None]] = set()
        self._calls: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> int:
        """How many acceptors are waiting for calls."""
        return sum(not acceptor.done() for acceptor in self._acceptors)

    def start(self, handlers: Handlers) -> bool:
        """Starts acceptors for the methods of `handlers` (by full method name, as
        `method_handlers` gives them) on the started server; False if this grpc lacks a piece
        they need, and grpc.aio accepts alone."""
        core = getattr(self._server, "_server", None)
        if not _internals_as_expected(core):
            log.info("grpc %s: calls are accepted by grpc.aio's own loop alone", grpc.__version__)
            return False
        resolver = cygrpc._MethodResolver([], dict(handlers))
        loop = asyncio.get_running_loop()
        for method in handlers:
            for _ in range(self._per_method):
                acceptor = loop.create_task(self._accept(core, method, resolver))
                self._acceptors.add(acceptor)
                acceptor.add_done_callback(self._acceptors.discard)
        return True

    async def _accept(self, core: Any, method: str, resolver: Any) -> None:
        """Takes calls of `method` until the server shuts down (which fails the request
        pending in grpc core, so none is left behind unanswered)."""
        method_bytes = method.encode()
        loop = asyncio.get_running_loop()
        while core.is_running():
            try:
                rpc_state = await core._request_registered_call(method_bytes)
            except cygrpc._RequestCallError:
                return
            rpc = cygrpc._handle_rpc(method, resolver, self._interceptors, rpc_state, loop, False)
            call = loop.create_task(
                cygrpc._schedule_rpc_coro(rpc, rpc_state, loop, method), name="rpc_task"
            )
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)
