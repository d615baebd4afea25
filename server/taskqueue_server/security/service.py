"""Security for the API: the gate plus key management and the auth log's pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.model import AuditEvent, StoredKey
from taskqueue_server.polling import Poll
from taskqueue_server.queue import page_tokens, validation
from taskqueue_server.queue.page_tokens import PageTokens
from taskqueue_server.security import keys
from taskqueue_server.security.audit import AuditLog
from taskqueue_server.security.gate import Gate
from taskqueue_server.security.keys import KeyRing
from taskqueue_server.store.port import Store, Transaction

log = logging.getLogger(__name__)

DEFAULT_PAGE: Final = 100
KEYS_POLL_S: Final = 10.0
"""How often the store's count of key changes is read on a shared store, besides when
another server's notification says it moved (in case one was lost)."""
REVOKE_WAIT_S: Final = 2.0
"""How long a revocation waits for the other live servers to reload their keys."""
MAX_PAGE: Final = 1000


def create_key_in(tx: Transaction, stored: StoredKey) -> None:
    """Stores a key, refusing a name an active key already has (AlreadyExists)."""
    if tx.active_key_named(stored.name):
        raise errors.AlreadyExists(
            f"an active API key is already named {stored.name!r}; revoke it or pick another name",
            reason="API_KEY_NAME_TAKEN",
            metadata={"name": stored.name},
        )
    tx.insert_key(stored)


def revoke_key_in(tx: Transaction, key: str, now: int) -> StoredKey:
    revoked = tx.revoke_key(key, now)
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
        db: Store,
        settings: Settings,
        clock: Callable[[], int],
        on_throttle: Callable[[str, str], None],
    ) -> None:
        self._db = db
        self._path = db.figures().location
        self._tokens: PageTokens | None = None
        self._clock = clock
        self.audit = AuditLog(self._append, clock)
        self.keys = KeyRing(self._path, lambda: db.read(lambda s: s.api_keys()))
        self.gate = Gate(
            settings,
            keys=self.keys,
            audit=self.audit,
            clock=clock,
            on_throttle=on_throttle,
            key_generation=lambda: db.read(lambda s: s.keys_generation(), quick=True),
        )
        self._settings = settings
        self._watching = Poll("key changes", KEYS_POLL_S, self._observe_keys)

    def _touch_stamp(self) -> None:
        """The SQLite file's stamp, for the admin commands' changes to be seen at once (a
        PostgreSQL store has no file: its servers poll the count of key changes)."""
        if not self._db.shared:
            keys.touch_stamp(self._path)

    async def _append(self, events: list[AuditEvent]) -> None:
        keep = self._settings.audit_keep
        await self._db.write(lambda tx: tx.append_audit(events, keep=keep))

    async def start(self) -> None:
        await self._observe_keys()  # on a shared store it loads the keys, and says so
        if not self._db.shared:  # on SQLite the keys command touches the file's stamp instead
            await self.keys.reload()
            return
        self._db.follow("keys", self._watching.nudge)
        self._watching.start()

    async def stop(self) -> None:
        await self._watching.stop()

    async def _observe_keys(self) -> None:
        """The store's count of key changes, read when another process says it changed them
        (`taskqueue-server keys` on a PostgreSQL schema, another server) and every
        KEYS_POLL_S: when it moved, the keys are reloaded and the other servers told."""
        self.keys.observe(await self._db.read(lambda s: s.keys_generation(), quick=True))
        if self._db.shared and self.keys.stale():
            await self.keys.reload()
            self._db.acknowledge_keys(self.keys.loaded_generation)

    async def create_key(
        self, *, name: str, role: str, ttl_us: int | None
    ) -> tuple[str, StoredKey]:
        token, stored = keys.new_key(name=name, role=role, now_us=self._clock(), ttl_us=ttl_us)
        await self._db.write(lambda tx: create_key_in(tx, stored))
        self._touch_stamp()
        await self.keys.reload()
        return token, stored

    async def list_keys(self, *, show_inactive: bool) -> list[StoredKey]:
        now = self._clock()
        listed = await self._db.read(lambda s: s.api_keys())
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
        if "\x00" in key:  # no key has one (and PostgreSQL text refuses it)
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="key", description="contains a NUL character")]
            )
        now = self._clock()
        revoked = await self._db.write(lambda tx: revoke_key_in(tx, key, now))
        self._touch_stamp()
        if not self._db.shared:
            await self.keys.reload()
            return revoked
        # Several servers: the revocation is answered once every live one has reloaded its
        # keys, so that the key is refused everywhere from the caller's next call.
        await self._observe_keys()
        generation = self.keys.loaded_generation
        behind = await self._db.wait_keys_seen(generation, REVOKE_WAIT_S)
        if behind:
            log.warning("API key %r revoked; servers %s had not reloaded their keys within"
                        " %ss (they will when they next hear of it)", revoked.name,
                        ", ".join(behind), REVOKE_WAIT_S)  # fmt: skip
        return revoked

    async def audit_page(
        self, *, page_size: int, page_token: str, principal: str, failures_only: bool
    ) -> tuple[list[AuditEvent], str]:
        """One page of the auth log, newest first, and the next page's token."""
        if self._tokens is None:
            self._tokens = await PageTokens.of(self._db)
        v = validation.Violations()
        limit = page_tokens.page_size(page_size, v, default=DEFAULT_PAGE, maximum=MAX_PAGE)
        query = page_tokens.scope("audit", principal, failures_only)
        after = self._tokens.decode(page_token, query, v, length=1)
        v.raise_if_any()
        before = after[0] if after else 2**62
        await self.audit.flush()
        events = await self._db.read(
            lambda s: s.audit_events(
                before=before,
                limit=limit + 1,
                principal=principal,
                failures_only=failures_only,
            )
        )
        more = len(events) > limit
        events = events[:limit]
        token = self._tokens.encode(query, (events[-1].seq,)) if more and events else ""
        return events, token
