"""Wiring and the `taskqueue-server` command: settings -> store -> queue -> gRPC server."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import grpc
from grpc_health.v1 import _async as health_async
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from taskqueue.v1 import taskqueue_service_pb2, taskqueue_service_pb2_grpc

from taskqueue_server import __version__, commands, config, errors
from taskqueue_server.api import accept
from taskqueue_server.api.security import SecurityInterceptor
from taskqueue_server.api.servicer import TaskQueueServicer
from taskqueue_server.config import Settings, masked_db
from taskqueue_server.ops.backups import Backups
from taskqueue_server.ops.health_probe import HealthProbe
from taskqueue_server.ops.live_config import ConfigManager
from taskqueue_server.ops.metrics import Metrics
from taskqueue_server.ops.stats import Stats
from taskqueue_server.ops.status import LoopLag, ServerStatus
from taskqueue_server.queue.services import TaskQueue, now_us
from taskqueue_server.security.service import Security
from taskqueue_server.stores import backup_directory, new_store

log = logging.getLogger("taskqueue_server")

SERVICE_NAME: Final = taskqueue_service_pb2.DESCRIPTOR.services_by_name[
    "TaskQueueService"
].full_name
MAX_MESSAGE_BYTES: Final = 4 * 1024 * 1024
GRPC_OPTIONS: Final = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
)
"""Options of every gRPC server this package builds (the benchmark's echo server too)."""

EVENT_LOOPS: Final = ("auto", "uvloop", "asyncio")
"""--event-loop: auto is uvloop when it is installed (every platform but Windows), else asyncio."""

T = TypeVar("T")

SERVING: Final = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING: Final = health_pb2.HealthCheckResponse.NOT_SERVING


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from --tls-cert/--tls-key (and --tls-client-ca for mTLS); None for
    plaintext. OSError when a file cannot be read."""
    if not settings.tls_cert:
        return None
    with open(settings.tls_cert, "rb") as cert, open(settings.tls_key, "rb") as key:
        pair = (key.read(), cert.read())
    if not settings.tls_client_ca:
        return grpc.ssl_server_credentials([pair])
    with open(settings.tls_client_ca, "rb") as ca:
        return grpc.ssl_server_credentials(
            [pair], root_certificates=ca.read(), require_client_auth=True
        )


class Server:
    """One taskqueue server: the gRPC server, its health service, the queue and the database.

    Args:
        settings: what to listen on, where the database is, and the queue's limits.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sources: dict[str, str] | None = None,
        config_file: str = "",
    ) -> None:
        self.settings = settings
        self.port = 0
        self.metrics = Metrics(lambda: self.db.read_blocking(lambda s: s.counts()))
        self.db = new_store(settings, on_batch=self.metrics.batch_size.observe)
        self.queue = TaskQueue(self.db, settings)
        self.health = health_async.HealthServicer()
        self.security = Security(
            self.db,
            settings,
            now_us,
            on_throttle=lambda principal, method: self.metrics.throttled.labels(
                principal, method
            ).inc(),
        )
        self._interceptors = (SecurityInterceptor(self.security.gate),)
        self._grpc = grpc.aio.server(options=GRPC_OPTIONS, interceptors=self._interceptors)
        self.acceptors = accept.Acceptors(self._grpc, self._interceptors)
        self._stopped = asyncio.Event()
        self.probe: HealthProbe | None = None
        self._servicer: TaskQueueServicer | None = None
        directory = backup_directory(settings)
        self.config = ConfigManager(
            self.db, settings, sources if sources is not None else {}, config_file, now_us
        )
        self.stats = Stats(self.db, now_us)
        self.lag = LoopLag()
        self.backups = Backups(
            self.db,
            Path(directory),
            keep=lambda: self.settings.backup_keep,
            interval_s=lambda: self.settings.backup_interval_us / 1e6,
            clock=now_us,
            on_outcome=lambda outcome: self.metrics.backups.labels(outcome).inc(),
        )
        self.metrics_port = 0
        self.status = ServerStatus(
            settings=settings,
            db=self.db,
            probe=lambda: self.probe,
            backups=self.backups,
            lag=self.lag,
            in_flight=lambda: self._servicer.in_flight if self._servicer else 0,
            open_watchers=lambda: self.queue.open_watchers,
            address=lambda: self.advertised_address,
            clock=now_us,
        )

    async def start(self) -> None:
        """Serves health at once (NOT_SERVING), opens the database, then turns SERVING."""
        for name in ("", SERVICE_NAME):
            await self.health.set(name, NOT_SERVING)
        servicer = TaskQueueServicer(
            self.queue,
            backups=self.backups,
            stats=self.stats,
            status=self.status,
            metrics=self.metrics,
            config=self.config,
            security=self.security,
        )
        self._servicer = servicer
        taskqueue_service_pb2_grpc.add_TaskQueueServiceServicer_to_server(servicer, self._grpc)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._grpc)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self._grpc
        )
        self.security.gate.check_jwt_settings()
        credentials = server_credentials(self.settings)
        if credentials is None:
            self.port = self._grpc.add_insecure_port(self.settings.listen)
        else:
            self.port = self._grpc.add_secure_port(self.settings.listen, credentials)
        await self._grpc.start()
        self.acceptors.start(
            accept.method_handlers(
                taskqueue_service_pb2_grpc.add_TaskQueueServiceServicer_to_server, servicer
            )
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.db.open, loop)
        self.db.introduce(
            address=self.advertised_address, version=__version__, start_time=self.status.start_time
        )
        await self.config.load_latest()
        self.config.start()
        await self.security.start()
        await self.queue.start()
        for name in ("", SERVICE_NAME):
            await self.health.set(name, SERVING)
        self.probe = HealthProbe(
            self.db,
            interval_s=lambda: self.settings.probe_interval_us / 1e6,
            timeout_s=lambda: self.settings.probe_timeout_us / 1e6,
            on_change=self._health_changed,
            clock=now_us,
        )
        self.probe.start()
        self.backups.start()
        self.lag.start()
        if self.settings.metrics_listen:
            self.metrics_port = self.metrics.serve(self.settings.metrics_listen)

    async def _health_changed(self, healthy: bool, _reason: str) -> None:
        """Health follows the probe (which logs the reason itself)."""
        if self._stopped.is_set():
            return
        for name in ("", SERVICE_NAME):
            await self.health.set(name, SERVING if healthy else NOT_SERVING)

    @property
    def address(self) -> str:
        host = self.settings.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    @property
    def advertised_address(self) -> str:
        """Where other hosts reach this server: the host name when it listens on all."""
        host = self.settings.listen.rsplit(":", 1)[0]
        if host in ("", "0.0.0.0", "[::]", "::"):
            host = socket.gethostname()
        return f"{host}:{self.port}"

    async def stop(self, grace: float | None = None) -> None:
        """Health NOT_SERVING, end the streams, let in-flight calls finish, close the database."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.probe is not None:
            await self.probe.stop()
        await self.backups.stop()
        await self.security.stop()
        await self.config.stop()
        await self.lag.stop()
        self.metrics.stop()
        await self.health.enter_graceful_shutdown()
        await self.queue.stop()
        await self._grpc.stop(self.settings.grace_seconds if grace is None else grace)
        await asyncio.get_running_loop().run_in_executor(None, self.db.close)


@dataclass(frozen=True, kw_only=True)
class Startup:
    """What the command line asked for."""

    settings: Settings
    sources: dict[str, str]
    config_file: str
    print_config: bool
    event_loop: str = "auto"


def run(main: Coroutine[Any, Any, T], event_loop: str = "auto") -> T:
    """Runs `main` to the end on a new event loop: uvloop's when asked for or, with "auto",
    when it is installed; asyncio's own otherwise. uvloop serves the same load with 4-9%
    more throughput (end to end over WatchNext +7.6%, CreateTask at 64 in flight +6%)."""
    if event_loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if event_loop == "uvloop":
                raise SystemExit("--event-loop uvloop: uvloop is not installed") from None
        else:
            return uvloop.run(main)
    return asyncio.run(main)


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """Which implementation runs `loop`: "uvloop" or "asyncio"."""
    return type(loop).__module__.split(".")[0]


async def serve(startup: Startup) -> None:
    """Runs a server until SIGTERM or SIGINT, then shuts it down gracefully. SIGHUP reloads
    the --config file."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    # Installed before anything else, so that a SIGTERM during start-up is graceful too.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    try:
        server = Server(startup.settings, sources=startup.sources, config_file=startup.config_file)
    except errors.TaskQueueError as exc:  # a --db that names no store it can open
        log.error("cannot start: %s", exc.message)
        raise SystemExit(2) from None
    reloads: set[asyncio.Task[int | None]] = set()

    def reload() -> None:
        server.security.gate.reload()
        task = asyncio.create_task(server.config.reload_file())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    try:
        await server.start()
    except (errors.TaskQueueError, OSError, RuntimeError, ValueError) as exc:
        log.error("cannot start: %s", getattr(exc, "message", exc))
        await server.stop(0)
        raise SystemExit(2) from None
    untrack_startup_objects()
    log.info(
        "taskqueue %s serving %s on %s (database %s, event loop %s, %s); %s",
        __version__,
        SERVICE_NAME,
        server.address,
        masked_db(server.settings.db),
        loop_name(loop),
        "TLS" + (" with client certificates" if server.settings.tls_client_ca else "")
        if server.settings.tls_cert
        else "plaintext",
        "authentication is on: every call but health and reflection needs"
        " 'authorization: Bearer <API key or JWT>'"
        if server.settings.auth_enabled
        else "authentication is off: anyone who can reach this address can use it"
        " (--auth-enabled true turns it on)",
    )
    await done.wait()
    log.info("shutting down: finishing in-flight calls (grace %gs)", server.settings.grace_seconds)
    await server.stop()
    log.info("stopped; database closed")


def untrack_startup_objects() -> None:
    """Moves what start-up made (modules, protobuf descriptors, grpc, settings: ~40,000
    objects that live as long as the process) out of the cyclic collector's sight. A full
    collection walked them all and stalled the event loop for 24-36 ms, about once every
    20 s under the mixed load; after this the longest loop stall measured there was 9 ms."""
    gc.collect()
    gc.freeze()


def load_startup(argv: Sequence[str] | None) -> Startup:
    """Settings from defaults, a TOML file, TASKQUEUE_* variables and flags, with where each
    value came from; refuses bad values."""
    parser = argparse.ArgumentParser(
        prog="taskqueue-server",
        description="Serve the taskqueue gRPC service. `taskqueue-server restore --help` for"
        " restoring a backup.",
    )
    parser.add_argument(
        "--config",
        default=os.environ.get("TASKQUEUE_CONFIG", ""),
        help="TOML file of settings (keys as the flags, with underscores); SIGHUP reloads it",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the effective settings and where each came from, then exit",
    )
    parser.add_argument(
        "--event-loop",
        choices=EVENT_LOOPS,
        default="auto",
        help="the asyncio event loop to serve on; auto: uvloop when installed (default auto)",
    )
    config.add_flags(parser, Settings())
    parser.add_argument("--version", action="version", version=f"taskqueue {__version__}")
    args = parser.parse_args(argv)
    sources = {name: "default" for name in Settings().public()}
    settings = Settings()
    try:
        if args.config:
            settings = settings.with_file(args.config, sources)
        settings = settings.with_env(sources=sources)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    settings = config.from_flags(args, settings, sources)
    problems = settings.problems()
    if problems:
        parser.error("; ".join(problems))
    return Startup(
        settings=settings,
        sources=sources,
        config_file=args.config,
        print_config=args.print_config,
        event_loop=args.event_loop,
    )


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if arguments[:1] == ["restore"]:
        commands.restore(arguments[1:])
        return
    if arguments[:1] == ["keys"]:
        commands.keys(arguments[1:])
        return
    startup = load_startup(arguments)
    if startup.print_config:
        commands.print_config(startup.settings, startup.sources)
        return
    run(serve(startup), startup.event_loop)


if __name__ == "__main__":
    main()
