"""API keys: `tq_<key id>_<secret>`. Only a salted SHA-256 of the secret is stored.

Keys may be created or revoked by another process (`taskqueue-server keys ...`) while the
server runs; every change touches a stamp file beside the database, and the server rereads
its keys on the first call after the stamp changed, so a revocation holds from the next call.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from taskqueue_server import errors
from taskqueue_server.model import StoredKey
from taskqueue_server.security import roles
from taskqueue_server.security.principal import Principal

PREFIX: Final = "tq_"
NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9._@-]{1,100}")
_KEY_PATTERN: Final = re.compile(r"tq_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})")


def digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def new_key(*, name: str, role: str, now_us: int, ttl_us: int | None) -> tuple[str, StoredKey]:
    """A fresh key (to show once) and what is stored of it. InvalidArgument for a bad name,
    role or ttl."""
    problems = []
    if not NAME_PATTERN.fullmatch(name):
        problems.append(
            errors.FieldViolation(
                field="name", description="1-100 letters, digits, '.', '_', '-' or '@'"
            )
        )
    if role not in roles.ROLES:
        problems.append(
            errors.FieldViolation(field="role", description=f"one of {', '.join(roles.ROLES)}")
        )
    if ttl_us is not None and ttl_us <= 0:
        problems.append(errors.FieldViolation(field="ttl", description="must be positive"))
    if problems:
        raise errors.InvalidArgument(problems)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    stored = StoredKey(
        key_id=key_id,
        name=name,
        role=role,
        salt=salt,
        hash=digest(salt, secret),
        create_time=now_us,
        expire_time=None if ttl_us is None else now_us + ttl_us,
        revoke_time=None,
    )
    return f"{PREFIX}{key_id}_{secret}", stored


def stamp_path(db_path: str) -> str:
    return f"{db_path}.keys-changed"


def touch_stamp(db_path: str) -> None:
    """Tells a running server that the keys changed (a new file each time: a new inode)."""
    path = stamp_path(db_path)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".keys-")
    with os.fdopen(fd, "w") as stream:
        stream.write(secrets.token_hex(8))
    os.replace(temporary, path)


@dataclass(frozen=True, slots=True)
class _Entry:
    key: StoredKey
    principal: Principal


class KeyRing:
    """The server's copy of the stored keys, checked on every call that carries one. It is
    reread when the SQLite file's stamp changed (at once: a stat per call), or when the
    store's count of key changes moved (`observe`, polled by Security on a shared store,
    and read for an unknown key: any process).

    Args:
        db_path: the database; its stamp file says when to reread.
        load: reads every stored key.
    """

    def __init__(self, db_path: str, load: Callable[[], Awaitable[list[StoredKey]]]) -> None:
        self._stamp = stamp_path(db_path)
        self._load = load
        self._entries: dict[str, _Entry] = {}
        self._seen: tuple[int, int] | None = None
        self._generation = self._loaded_generation = -1

    def unknown(self, authorization: str | None) -> bool:
        """Whether `authorization` carries a well-formed API key this ring has no entry for."""
        token = (authorization or "").strip().partition(" ")[2].strip()
        match = _KEY_PATTERN.fullmatch(token)
        return match is not None and match.group(1) not in self._entries

    async def recheck(self, generation: Callable[[], Awaitable[int]]) -> bool:
        """For a key this ring does not know (made by another process a moment ago?): reads
        the store's count of key changes, and the keys when it moved; whether it did. A
        caller sending made-up keys costs one small read each, never a reread of all."""
        self.observe(await generation())
        if not self.stale():
            return False
        await self.reload()
        return True

    def observe(self, generation: int) -> None:
        """The store's count of key changes, as last read (the next call rereads on a move)."""
        self._generation = generation

    def _stamp_state(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._stamp)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    @property
    def loaded_generation(self) -> int:
        """The count of key changes the loaded keys are of."""
        return self._loaded_generation

    def stale(self) -> bool:
        return self._generation != self._loaded_generation or self._stamp_state() != self._seen

    async def reload(self) -> None:
        seen, generation = self._stamp_state(), self._generation
        stored = await self._load()
        self._entries = {
            k.key_id: _Entry(k, Principal(f"key:{k.name}", frozenset({k.role}))) for k in stored
        }
        self._seen, self._loaded_generation = seen, generation

    def verify(self, token: str, now_us: int) -> Principal:
        """The key's principal; Unauthenticated when the key is unknown, wrong, revoked or
        expired."""
        match = _KEY_PATTERN.fullmatch(token)
        if match is None:
            raise errors.Unauthenticated(
                "the API key is malformed (expected tq_<id>_<secret>)", reason="MALFORMED_API_KEY"
            )
        key_id, secret = match.groups()
        entry = self._entries.get(key_id)
        if entry is None or not hmac.compare_digest(digest(entry.key.salt, secret), entry.key.hash):
            raise errors.Unauthenticated(
                "the API key is not valid", reason="UNKNOWN_API_KEY", metadata={"key_id": key_id}
            )
        if entry.key.revoke_time is not None:
            raise errors.Unauthenticated(
                f"API key {entry.key.name!r} was revoked",
                reason="API_KEY_REVOKED",
                metadata={"key_id": key_id},
            )
        if entry.key.expire_time is not None and entry.key.expire_time <= now_us:
            raise errors.Unauthenticated(
                f"API key {entry.key.name!r} has expired",
                reason="API_KEY_EXPIRED",
                metadata={"key_id": key_id},
            )
        return entry.principal
