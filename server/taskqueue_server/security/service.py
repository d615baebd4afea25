"""Security for the API: the gate plus key management and the auth log's pages."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Final

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import AuditEvent, StoredKey
from taskqueue_server.security import keys
from taskqueue_server.security.audit import AuditLog
from taskqueue_server.security.gate import Gate
from taskqueue_server.security.keys import KeyRing
from taskqueue_server.store import auth as store
from taskqueue_server.store.db import Database

DEFAULT_PAGE: Final = 100
MAX_PAGE: Final = 1000


def create_key_in(conn: Any, stored: StoredKey) -> None:
    """Stores a key, refusing a name an active key already has (AlreadyExists)."""
    if store.active_name_taken(conn, stored.name):
        raise errors.AlreadyExists(
            f"an active API key is already named {stored.name!r}; revoke it or pick another name",
            reason="API_KEY_NAME_TAKEN",
            metadata={"name": stored.name},
        )
    store.insert_key(conn, stored)


def revoke_key_in(conn: Any, key: str, now: int) -> StoredKey:
    revoked = store.revoke_key(conn, key, now)
    if revoked is None:
        raise errors.NotFound(
            f"no active API key has the id or name {key!r}",
            reason="API_KEY_NOT_FOUND",
            metadata={"key": key},
        )
    return revoked


class Security:
    """Owns the gate, the key ring and the auth log of one server."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], int],
        on_throttle: Callable[[str, str], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self.audit = AuditLog(self._append, clock)
        self.keys = KeyRing(db.path, lambda: db.read(store.all_keys))
        self.gate = Gate(
            settings, keys=self.keys, audit=self.audit, clock=clock, on_throttle=on_throttle
        )
        self._settings = settings

    async def _append(self, events: list[AuditEvent]) -> None:
        keep = self._settings.audit_keep
        await self._db.write(lambda conn: store.append_events(conn, events, keep))

    async def start(self) -> None:
        await self.keys.reload()

    async def create_key(
        self, *, name: str, role: str, ttl_us: int | None
    ) -> tuple[str, StoredKey]:
        token, stored = keys.new_key(name=name, role=role, now_us=self._clock(), ttl_us=ttl_us)
        await self._db.write(lambda conn: create_key_in(conn, stored))
        keys.touch_stamp(self._db.path)
        await self.keys.reload()
        return token, stored

    async def list_keys(self, *, show_inactive: bool) -> list[StoredKey]:
        now = self._clock()
        listed = await self._db.read(store.all_keys)
        return [
            k
            for k in listed
            if show_inactive
            or (k.revoke_time is None and (k.expire_time is None or k.expire_time > now))
        ]

    async def revoke_key(self, key: str) -> StoredKey:
        if not key:
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="key", description="required: a key id or name")]
            )
        now = self._clock()
        revoked = await self._db.write(lambda conn: revoke_key_in(conn, key, now))
        keys.touch_stamp(self._db.path)
        await self.keys.reload()
        return revoked

    async def audit_page(
        self, *, page_size: int, page_token: str, principal: str, failures_only: bool
    ) -> tuple[list[AuditEvent], str]:
        if page_size < 0:
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="page_size", description="must not be negative")]
            )
        limit = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        before = _decode(page_token) if page_token else 2**62
        await self.audit.flush()
        events = await self._db.read(
            lambda conn: store.page_events(
                conn,
                before=before,
                limit=limit + 1,
                principal=principal,
                failures_only=failures_only,
            )
        )
        more = len(events) > limit
        events = events[:limit]
        return events, _encode(events[-1].seq) if more and events else ""


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{seq}".encode()).decode().rstrip("=")


def _decode(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, seq = raw.partition(":")
        if kind != "audit":
            raise ValueError(kind)
        return int(seq)
    except ValueError:
        raise errors.InvalidArgument(
            [errors.FieldViolation(field="page_token", description="not a token of this list")]
        ) from None
