"""Server settings: defaults, then environment variables, then command-line flags.

A plain frozen record, free of any layer, so the queue can read its limits from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

DEFAULT_LISTEN: Final = "127.0.0.1:50051"
DEFAULT_DB: Final = "taskqueue.db"
SECOND_US: Final = 1_000_000


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the server is configured with."""

    listen: str = DEFAULT_LISTEN
    """Address to serve gRPC on, HOST:PORT; port 0 picks a free one."""
    db: str = DEFAULT_DB
    """Path of the SQLite database file; created when missing."""
    synchronous: str = "FULL"
    """SQLite `synchronous` pragma: FULL makes each acknowledged write durable."""
    max_prompt_bytes: int = 64 * 1024
    """Largest prompt accepted, in bytes of UTF-8."""
    prompt_match_threshold: float = 90.0
    """Lowest fuzzy score (0-100) at which a reported prompt counts as the task's prompt."""
    default_lease_us: int = 5 * 60 * SECOND_US
    """Lease of a claim that names none."""
    min_lease_us: int = SECOND_US
    """Shortest lease a claim may ask for."""
    max_lease_us: int = 24 * 3600 * SECOND_US
    """Longest lease a claim may ask for."""
    max_retries: int = 3
    """How many times RetryTask may put one failed task back to waiting."""
    max_lease_expiries: int = 5
    """A task whose lease ran out more often than this fails (LEASE_EXPIRED_TOO_OFTEN)."""
    max_working_per_directory: int = 0
    """At most this many working tasks per work directory; 0 means no limit."""
    retry_max_attempts: int = 3
    """Attempts of a task whose retry policy leaves max_attempts at 0."""
    retry_initial_backoff_us: int = SECOND_US
    """Backoff after a first failed attempt, when the policy leaves it at 0."""
    retry_max_backoff_us: int = 300 * SECOND_US
    """Longest backoff, when the policy leaves it at 0."""
    retry_backoff_multiplier: float = 2.0
    """Growth of the backoff per attempt, when the policy leaves it at 0."""
    grace_seconds: float = 10.0
    """How long in-flight calls may take to finish on shutdown."""

    def with_env(self, env: Mapping[str, str] | None = None) -> Settings:
        """These settings overridden by TASKQUEUE_LISTEN and TASKQUEUE_DB where set."""
        env = os.environ if env is None else env
        changes: dict[str, Any] = {}
        if env.get("TASKQUEUE_LISTEN"):
            changes["listen"] = env["TASKQUEUE_LISTEN"]
        if env.get("TASKQUEUE_DB"):
            changes["db"] = env["TASKQUEUE_DB"]
        if env.get("TASKQUEUE_SYNCHRONOUS"):
            changes["synchronous"] = env["TASKQUEUE_SYNCHRONOUS"].upper()
        return replace(self, **changes)
