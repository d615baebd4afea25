"""Server settings: defaults, then a TOML file (--config), then environment variables
(TASKQUEUE_*), then the latest stored revision (see ops/live_config.py), then flags.

A plain record, free of any layer, shared by every part of the server: live updates change
it in place. Every setting carries its help text, range, and whether it can change without a
restart; `--NAME` flags, `TASKQUEUE_NAME` variables and TOML keys are derived from the fields.
Durations are stored in microseconds (`*_us`) and given in seconds (`*_seconds`).
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

DEFAULT_LISTEN: Final = "127.0.0.1:50051"
DEFAULT_DB: Final = "taskqueue.db"
SECOND_US: Final = 1_000_000


def _setting(
    default: Any,
    help: str,
    low: float | None = None,
    high: float | None = None,
    *,
    restart: bool = False,
) -> Any:
    meta = {"help": help, "low": low, "high": high, "restart": restart}
    return field(default=default, metadata=meta)


@dataclass(kw_only=True)
class Settings:
    """Everything the server is configured with."""

    listen: str = _setting(
        DEFAULT_LISTEN, "address to serve gRPC on, HOST:PORT (port 0: any)", restart=True
    )
    db: str = _setting(
        DEFAULT_DB,
        "the SQLite database file (created when missing), or a PostgreSQL URL"
        " postgresql://USER@HOST:PORT/DBNAME",
        restart=True,
    )
    db_schema: str = _setting(
        "taskqueue", "PostgreSQL: the schema that holds taskqueue's tables", restart=True
    )
    db_password_file: str = _setting(
        "", "PostgreSQL: a file holding the password (else the URL's or PGPASSWORD)", restart=True
    )
    synchronous: str = _setting(
        "FULL",
        "SQLite synchronous mode (FULL, EXTRA or NORMAL); FULL: every write is on disk",
        restart=True,
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
    backup_dir: str = _setting(
        "", "where backups go; empty: a 'backups' folder beside the db", restart=True
    )
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
    metrics_listen: str = _setting(
        "", "serve Prometheus metrics on HOST:PORT; empty: off", restart=True
    )
    busy_timeout_us: int = _setting(
        5 * SECOND_US,
        "how long a write waits for a lock held by another process",
        0,
        None,
        restart=True,
    )

    auth_enabled: bool = _setting(
        False,
        "require credentials (API key or JWT) on every call but health and reflection",
    )
    jwt_secret_file: str = _setting("", "file holding the HS256 secret of JWTs; empty: none")
    jwt_public_key_file: str = _setting(
        "", "PEM file of the RS256/ES256 public key of JWTs; empty: none"
    )
    jwt_jwks_file: str = _setting("", "JWKS file of RS256/ES256 public keys of JWTs; empty: none")
    jwt_issuer: str = _setting("", "the `iss` every JWT must carry; empty: not checked")
    jwt_audience: str = _setting("", "the `aud` every JWT must name; empty: JWTs with aud refused")
    jwt_role_claim: str = _setting("role", "the JWT claim that holds the role")
    jwt_leeway_us: int = _setting(
        30 * SECOND_US, "clock skew allowed on exp and nbf", 0, 600 * SECOND_US
    )
    tls_cert: str = _setting(
        "", "PEM certificate chain to serve TLS; empty: plaintext", restart=True
    )
    tls_key: str = _setting("", "PEM private key of tls_cert", restart=True)
    tls_client_ca: str = _setting(
        "", "PEM CA bundle; when set, clients must present a certificate it signed", restart=True
    )
    rate_limit_ip_per_second: float = _setting(
        0.0, "calls per second per client address; 0: unlimited", 0, None
    )
    rate_limit_ip_burst: int = _setting(200, "calls a client address may make at once", 1, None)
    rate_limit_submitter_per_second: float = _setting(
        0.0, "calls per second per submitter principal; 0: unlimited", 0, None
    )
    rate_limit_submitter_burst: int = _setting(200, "burst of a submitter principal", 1, None)
    rate_limit_worker_per_second: float = _setting(
        0.0, "calls per second per worker principal; 0: unlimited", 0, None
    )
    rate_limit_worker_burst: int = _setting(200, "burst of a worker principal", 1, None)
    rate_limit_monitor_per_second: float = _setting(
        0.0, "calls per second per monitor principal; 0: unlimited", 0, None
    )
    rate_limit_monitor_burst: int = _setting(50, "burst of a monitor principal", 1, None)
    rate_limit_admin_per_second: float = _setting(
        0.0, "calls per second per admin principal; 0: unlimited", 0, None
    )
    rate_limit_admin_burst: int = _setting(50, "burst of an admin principal", 1, None)
    audit_keep: int = _setting(100_000, "auth-log entries kept in the database", 100, None)

    def with_env(
        self, env: Mapping[str, str] | None = None, sources: dict[str, str] | None = None
    ) -> Settings:
        """These settings overridden by every TASKQUEUE_<NAME> variable that is set."""
        env = os.environ if env is None else env
        changes = {}
        for f in fields(self):
            variable = f"TASKQUEUE_{public_name(f.name).upper()}"
            raw = env.get(variable)
            if raw:
                try:
                    changes[f.name] = _parse(f.name, type(f.default), raw)
                except ValueError as exc:
                    raise ValueError(f"{variable}={raw!r}: {exc}") from exc
                if sources is not None:
                    sources[public_name(f.name)] = f"env {variable}"
        return replace(self, **changes)

    def with_file(self, path: str, sources: dict[str, str] | None = None) -> Settings:
        """These settings overridden by the keys of a TOML file (public names, e.g.
        max_retries = 5, default_lease_seconds = 600)."""
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
        changes, unknown = {}, []
        by_public = {public_name(f.name): f for f in fields(self)}
        for key, value in data.items():
            f = by_public.get(key)
            if f is None:
                unknown.append(key)
                continue
            try:
                changes[f.name] = _parse(f.name, type(f.default), str(value))
            except ValueError as exc:
                raise ValueError(f"{path}: {key} = {value!r}: {exc}") from exc
            if sources is not None:
                sources[key] = f"file {path}"
        if unknown:
            raise ValueError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def public(self) -> dict[str, Any]:
        """Every setting by its public name, durations in seconds."""
        return {public_name(f.name): _shown(f.name, getattr(self, f.name)) for f in fields(self)}

    def changed(self, values: Mapping[str, Any]) -> Settings:
        """A copy with `values` (public names, public units) applied; ValueError names a
        setting that does not exist or a value of the wrong kind."""
        by_public = {public_name(f.name): f for f in fields(self)}
        changes = {}
        for key, value in values.items():
            f = by_public.get(key)
            if f is None:
                raise ValueError(f"no setting named {key}")
            changes[f.name] = _parse(f.name, type(f.default), str(value))
        return replace(self, **changes)

    def problems(self) -> list[str]:
        """Every setting outside its range, in words."""
        out = []
        for f in fields(self):
            value, low, high = getattr(self, f.name), f.metadata["low"], f.metadata["high"]
            if (low is not None and value < low) or (high is not None and value > high):
                out.append(f"{public_name(f.name)}={_shown(f.name, value)} is outside its range")
        if bool(self.tls_cert) != bool(self.tls_key):
            out.append("tls_cert and tls_key go together: set both or neither")
        if self.tls_client_ca and not self.tls_cert:
            out.append("tls_client_ca needs tls_cert and tls_key")
        if self.synchronous not in ("FULL", "EXTRA", "NORMAL"):
            out.append(f"synchronous={self.synchronous} is not FULL, EXTRA or NORMAL")
        return out


def public_name(name: str) -> str:
    """The name users see: durations in seconds."""
    return name.removesuffix("_us") + "_seconds" if name.endswith("_us") else name


def needs_restart(public: str) -> bool:
    return any(public_name(f.name) == public and f.metadata["restart"] for f in fields(Settings))


def describe(public: str) -> str:
    return next(str(f.metadata["help"]) for f in fields(Settings) if public_name(f.name) == public)


def _shown(name: str, value: Any) -> Any:
    if name == "db":
        return masked_db(value)
    return value / SECOND_US if name.endswith("_us") else value


def masked_db(db: str) -> str:
    """`db` as it may be shown (logs, errors, --print-config, GetConfig): a PostgreSQL URL's
    password is replaced by `***`."""
    if "://" not in db:
        return db
    try:
        parts = urlsplit(db)
        if parts.password is None:
            return db
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return db.split("://", 1)[0] + "://(a malformed URL)"
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _parse(name: str, kind: type, raw: str) -> Any:
    if name.endswith("_us"):
        return round(float(raw) * SECOND_US)
    if kind is str:
        return raw.upper() if name == "synchronous" else raw
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{raw} is not true or false")
    if kind is int:
        as_float = float(raw)
        if not as_float.is_integer():
            raise ValueError(f"{raw} is not a whole number")
        return int(as_float)
    return kind(raw)


def add_flags(parser: argparse.ArgumentParser, base: Settings) -> None:
    """One --flag per setting; only the flags given end up in the parsed namespace."""
    for f in fields(base):
        public = public_name(f.name)
        value = _shown(f.name, getattr(Settings(), f.name))
        parser.add_argument(
            f"--{public.replace('_', '-')}",
            dest=f.name,
            default=argparse.SUPPRESS,
            type=str,
            metavar=type(value).__name__.upper(),
            help=f"{f.metadata['help']} (env TASKQUEUE_{public.upper()}; default {value})",
        )


def from_flags(
    args: argparse.Namespace, base: Settings, sources: dict[str, str] | None = None
) -> Settings:
    """The settings the parsed flags describe, on top of `base`."""
    changes = {}
    for f in fields(base):
        value = getattr(args, f.name, None)
        if isinstance(value, str):
            flag = f"--{public_name(f.name).replace('_', '-')}"
            try:
                changes[f.name] = _parse(f.name, type(f.default), value)
            except ValueError as exc:
                raise SystemExit(f"{flag}: {exc}") from exc
            if sources is not None:
                sources[public_name(f.name)] = f"flag {flag}"
    return replace(base, **changes)
