"""Server settings: defaults, then environment variables (TASKQUEUE_*), then flags.

A plain frozen record, free of any layer, so the queue can read its limits from it. Every
setting carries its help text and range; `--NAME` flags and `TASKQUEUE_NAME` variables are
derived from the fields, so a new setting is configurable the moment it is declared.
Durations are stored in microseconds (`*_us`) and given in seconds (`--*-seconds`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final

DEFAULT_LISTEN: Final = "127.0.0.1:50051"
DEFAULT_DB: Final = "taskqueue.db"
SECOND_US: Final = 1_000_000


def _setting(default: Any, help: str, low: float | None = None, high: float | None = None) -> Any:
    return field(default=default, metadata={"help": help, "low": low, "high": high})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the server is configured with."""

    listen: str = _setting(DEFAULT_LISTEN, "address to serve gRPC on, HOST:PORT (port 0: any)")
    db: str = _setting(DEFAULT_DB, "the SQLite database file; created when missing")
    synchronous: str = _setting(
        "FULL", "SQLite synchronous mode (FULL, EXTRA or NORMAL); FULL: every write is on disk"
    )
    max_prompt_bytes: int = _setting(64 * 1024, "largest prompt accepted, bytes", 1, 16 << 20)
    prompt_match_threshold: float = _setting(
        90.0, "lowest fuzzy score (0-100) at which a reported prompt matches", 0, 100
    )
    default_lease_us: int = _setting(
        5 * 60 * SECOND_US, "lease of a claim that names none", SECOND_US, 24 * 3600 * SECOND_US
    )
    min_lease_us: int = _setting(SECOND_US, "shortest lease a claim may ask for", 1000, None)
    max_lease_us: int = _setting(24 * 3600 * SECOND_US, "longest lease a claim may ask for")
    max_retries: int = _setting(3, "how often RetryTask may revive one failed task", 0, 1000)
    max_lease_expiries: int = _setting(
        5, "a task whose lease ran out more often than this fails", 1, 1000
    )
    max_working_per_directory: int = _setting(
        0, "at most this many working tasks per work directory; 0: no limit", 0, 10_000
    )
    retry_max_attempts: int = _setting(
        3, "attempts of a retry policy that leaves max_attempts at 0", 1, 100
    )
    retry_initial_backoff_us: int = _setting(
        SECOND_US, "first backoff of a retry policy that leaves it at 0", 1000, 3600 * SECOND_US
    )
    retry_max_backoff_us: int = _setting(
        300 * SECOND_US, "longest backoff of a retry policy that leaves it at 0", 1000, None
    )
    retry_backoff_multiplier: float = _setting(
        2.0, "backoff growth of a retry policy that leaves it at 0", 1, 10
    )
    grace_seconds: float = _setting(10.0, "how long in-flight calls may finish on SIGTERM", 0)
    probe_interval_us: int = _setting(
        2 * SECOND_US, "how often the health probe checks the database", 10_000, 3600 * SECOND_US
    )
    probe_timeout_us: int = _setting(
        2 * SECOND_US, "a probe slower than this marks the server NOT_SERVING", 1000, None
    )
    backup_dir: str = _setting("", "where backups go; empty: a 'backups' folder beside the db")
    backup_interval_us: int = _setting(
        0, "take a backup this often; 0: only on request (CreateBackup)", 0, None
    )
    backup_keep: int = _setting(7, "how many backups to keep; older ones are deleted", 1, 10_000)
    degraded_loop_lag_us: int = _setting(
        200_000, "event-loop lag above this makes the status DEGRADED", 1000, None
    )
    degraded_writer_queue: int = _setting(
        1000, "writer queue longer than this makes the status DEGRADED", 1, None
    )
    metrics_listen: str = _setting("", "serve Prometheus metrics on HOST:PORT; empty: off")
    busy_timeout_us: int = _setting(
        5 * SECOND_US, "how long a write waits for a lock held by another process", 0, None
    )

    def with_env(self, env: Mapping[str, str] | None = None) -> Settings:
        """These settings overridden by every TASKQUEUE_<NAME> variable that is set."""
        env = os.environ if env is None else env
        changes = {}
        for f in fields(self):
            variable = f"TASKQUEUE_{_public(f.name).upper()}"
            raw = env.get(variable)
            if raw:
                try:
                    changes[f.name] = _parse(f.name, type(f.default), raw)
                except ValueError as exc:
                    raise ValueError(f"{variable}={raw!r}: {exc}") from exc
        return replace(self, **changes)

    def problems(self) -> list[str]:
        """Every setting outside its range, in words."""
        out = []
        for f in fields(self):
            value, low, high = getattr(self, f.name), f.metadata["low"], f.metadata["high"]
            if (low is not None and value < low) or (high is not None and value > high):
                out.append(f"{_public(f.name)}={_shown(f.name, value)} is outside its range")
        if self.synchronous not in ("FULL", "EXTRA", "NORMAL"):
            out.append(f"synchronous={self.synchronous} is not FULL, EXTRA or NORMAL")
        return out


def _public(name: str) -> str:
    return name.removesuffix("_us") + "_seconds" if name.endswith("_us") else name


def _shown(name: str, value: Any) -> Any:
    return value / SECOND_US if name.endswith("_us") else value


def _parse(name: str, kind: type, raw: str) -> Any:
    if name.endswith("_us"):
        return round(float(raw) * SECOND_US)
    if kind is str:
        return raw.upper() if name == "synchronous" else raw
    return kind(raw)


def add_flags(parser: argparse.ArgumentParser, base: Settings) -> None:
    """One --flag per setting, defaulting to `base` (defaults plus environment)."""
    for f in fields(base):
        public = _public(f.name)
        value = _shown(f.name, getattr(base, f.name))
        parser.add_argument(
            f"--{public.replace('_', '-')}",
            dest=f.name,
            default=value,
            type=str,
            metavar=type(value).__name__.upper(),
            help=f"{f.metadata['help']} (env TASKQUEUE_{public.upper()}; default {value})",
        )


def from_flags(args: argparse.Namespace, base: Settings) -> Settings:
    """The settings the parsed flags describe."""
    changes = {}
    for f in fields(base):
        value = getattr(args, f.name)
        if isinstance(value, str):
            try:
                changes[f.name] = _parse(f.name, type(f.default), value)
            except ValueError as exc:
                raise SystemExit(f"--{_public(f.name).replace('_', '-')}: {exc}") from exc
    return replace(base, **changes)
