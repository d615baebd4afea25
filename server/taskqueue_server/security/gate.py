"""The decision on each call: rate limits, then who the caller is, then whether its role may
call the method. Settings are read on every call, so live config changes apply at once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Final

from taskqueue_server import errors
from taskqueue_server.config import Settings
from taskqueue_server.security import roles
from taskqueue_server.security.audit import AuditLog
from taskqueue_server.security.keys import PREFIX, KeyRing
from taskqueue_server.security.principal import ANONYMOUS, Principal
from taskqueue_server.security.ratelimit import TokenBuckets
from taskqueue_server.security.tokens import JwtSettings, JwtVerifier

MAX_THROTTLE_LABELS: Final = 10_000


@lru_cache(maxsize=4096)
def peer_address(peer: str) -> str:
    """The client address of a gRPC peer string: "ipv4:1.2.3.4:5" -> "1.2.3.4",
    "ipv6:[::1]:5" -> "::1", anything else as it is."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return peer


class Gate:
    """Admits or refuses calls (see module doc).

    Args:
        settings: the live settings.
        keys: the stored API keys.
        audit: where refusals and admin calls are recorded.
        clock: microseconds since the epoch.
        on_throttle: told (principal, method) of every rate-limited call.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        keys: KeyRing,
        audit: AuditLog,
        clock: Callable[[], int],
        on_throttle: Callable[[str, str], None] = lambda principal, method: None,
        key_generation: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self._key_generation = key_generation
        self.audit = audit
        self._clock = clock
        self._on_throttle = on_throttle
        self._jwt: JwtVerifier | None = None
        self.ip_buckets = TokenBuckets(time.monotonic)
        self.principal_buckets = TokenBuckets(time.monotonic)
        self.throttled: Counter[tuple[str, str]] = Counter()

    def check_jwt_settings(self) -> None:
        """Reads the configured JWT key files now; OSError/ValueError when one is unusable."""
        self._verifier()

    def _verifier(self) -> JwtVerifier:
        wanted = JwtSettings.of(self.settings)
        if self._jwt is None or self._jwt.settings != wanted:
            self._jwt = JwtVerifier(wanted)
        return self._jwt

    def reload(self) -> None:
        """Forget cached JWT keys (they are reread on the next JWT)."""
        self._jwt = None

    def is_open(self) -> bool:
        """True when there is nothing to check: authentication and the address rate limit are
        off (per-principal limits apply only to authenticated callers)."""
        s = self.settings
        return not s.auth_enabled and s.rate_limit_ip_per_second <= 0

    async def admit_now(
        self, method: str, full_method: str, authorization: str | None, peer: str
    ) -> Principal:
        """`admit`, once the key ring is up to date: reread when stale, and, for an API key
        it does not know (made by another process a moment ago?), when the store's count
        of key changes moved (one small read)."""
        if self.settings.auth_enabled:
            if self.keys.stale():
                await self.keys.reload()
            elif self._key_generation is not None and self.keys.unknown(authorization):
                await self.keys.recheck(self._key_generation)
        return self.admit(method, full_method, authorization, peer)

    def _throttle(self, principal: str, method: str, wait_s: float, scope: str) -> None:
        key = (principal, method)
        if key in self.throttled or len(self.throttled) < MAX_THROTTLE_LABELS:
            self.throttled[key] += 1
        self._on_throttle(principal, method)
        raise errors.RateLimited(
            f"too many calls from this {scope}; retry in {wait_s:.3f}s",
            retry_after_s=wait_s,
            metadata={"scope": scope, "retry_after_seconds": f"{wait_s:.3f}"},
        )

    def admit(
        self, method: str, full_method: str, authorization: str | None, peer: str
    ) -> Principal:
        """The caller's principal, or an Unauthenticated, PermissionDenied or RateLimited
        error. Refusals (but not rate limiting) are recorded in the auth log."""
        s = self.settings
        if s.rate_limit_ip_per_second > 0:
            wait = self.ip_buckets.take(
                peer_address(peer), s.rate_limit_ip_per_second, s.rate_limit_ip_burst
            )
            if wait:
                self._throttle("anonymous", method, wait, "address")
        if not s.auth_enabled:
            return ANONYMOUS
        try:
            principal = self._authenticate(authorization)
        except errors.TaskQueueError as exc:
            principal_name = exc.metadata.get("principal", "")
            self.audit.record(
                peer=peer,
                principal=principal_name,
                method=full_method,
                outcome=(
                    "PERMISSION_DENIED"
                    if isinstance(exc, errors.PermissionDenied)
                    else "UNAUTHENTICATED"
                ),
                reason=exc.reason,
            )
            raise
        role = principal.limit_role
        rate = float(getattr(s, f"rate_limit_{role}_per_second"))
        if rate > 0:
            burst = float(getattr(s, f"rate_limit_{role}_burst"))
            wait = self.principal_buckets.take(principal.name, rate, burst)
            if wait:
                self._throttle(principal.name, method, wait, "principal")
        if not roles.allowed(principal.roles, method):
            self.audit.record(
                peer=peer,
                principal=principal.name,
                method=full_method,
                outcome="PERMISSION_DENIED",
                reason="ROLE_NOT_ALLOWED",
            )
            raise errors.PermissionDenied(
                f"{principal.name} ({', '.join(sorted(principal.roles))}) may not call {method};"
                f" roles that may: {', '.join(roles.roles_of(method))}",
                metadata={
                    "principal": principal.name,
                    "method": method,
                    "roles": ",".join(sorted(principal.roles)),
                    "allowed_roles": ",".join(roles.roles_of(method)),
                },
            )
        return principal

    def _authenticate(self, authorization: str | None) -> Principal:
        if authorization is None:
            raise errors.Unauthenticated(
                "this server requires credentials: send metadata"
                " 'authorization: Bearer <API key or JWT>'"
            )
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise errors.Unauthenticated(
                "malformed authorization metadata: expected 'Bearer <API key or JWT>'",
                reason="MALFORMED_CREDENTIALS",
            )
        if token.startswith(PREFIX):
            return self.keys.verify(token, self._clock())
        try:
            verifier = self._verifier()
        except (OSError, ValueError) as exc:
            raise errors.Unauthenticated(
                f"JWTs cannot be verified: the server's JWT key files are unusable ({exc})",
                reason="JWT_NOT_CONFIGURED",
            ) from None
        if not verifier.configured:
            raise errors.Unauthenticated(
                "this server accepts API keys only (no JWT keys are configured)",
                reason="JWT_NOT_CONFIGURED",
            )
        return verifier.verify(token)
