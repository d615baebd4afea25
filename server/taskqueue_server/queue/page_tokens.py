"""Page tokens, one scheme for every paged list (ListTasks, ListAuditEvents,
ListConfigRevisions): the keyset position where the next page starts, bound to the query it
belongs to and signed with the store's secret, so a token cannot be forged, altered, or
replayed against another query. Opaque to callers (URL-safe base64)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Final

from taskqueue_server.queue import validation
from taskqueue_server.store.port import Store

_SIGNATURE_BYTES: Final = 16


def scope(*parts: object) -> str:
    """A short digest naming a query (its list, filters and order)."""
    canonical = json.dumps(list(parts), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def page_size(size: int, v: validation.Violations, *, default: int, maximum: int) -> int:
    """The page size a request asks for: `default` for 0, at most `maximum` (a larger size
    is lowered to it, as AIP-158 says); a negative size is refused."""
    if size < 0:
        v.add("page_size", f"must not be negative, got {size}")
    if size <= 0:
        return default
    return min(size, maximum)


class PageTokens:
    """Signs keyset positions with the query they belong to; refuses anything else."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    async def of(cls, store: Store) -> PageTokens:
        """Tokens under the store's secret."""
        return cls(await store.read(lambda s: s.page_token_key()))

    def encode(self, query: str, after: tuple[int, ...]) -> str:
        """The token of the page after `after` in the query named by `query` (`scope`)."""
        payload = json.dumps({"q": query, "k": list(after)}, separators=(",", ":"))
        raw = payload.encode()
        signature = hmac.digest(self._key, raw, "sha256")[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(raw + signature).decode().rstrip("=")

    def decode(
        self, token: str, query: str, v: validation.Violations, *, length: int | None = None
    ) -> tuple[int, ...] | None:
        """The position a token of `query` holds (`length` numbers, when given); None, with
        a violation of `page_token`, when it is no such token; None for no token."""
        if not token:
            return None
        try:
            blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            blob = b""
        raw, signature = blob[:-_SIGNATURE_BYTES], blob[-_SIGNATURE_BYTES:]
        expected = hmac.digest(self._key, raw, "sha256")[:_SIGNATURE_BYTES]
        if len(blob) <= _SIGNATURE_BYTES or not hmac.compare_digest(signature, expected):
            v.add("page_token", "not a page token this server issued (altered or truncated)")
            return None
        payload = json.loads(raw)
        keys = tuple(int(k) for k in payload["k"])
        if payload["q"] != query or (length is not None and len(keys) != length):
            v.add(
                "page_token",
                "this page token belongs to a different query: repeat the filters and order of"
                " the request that returned it",
            )
            return None
        return keys
