"""Who is calling."""

from __future__ import annotations

from dataclasses import dataclass

from taskqueue_server.security import roles


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: "key:NAME" or "jwt:SUBJECT", and its roles."""

    name: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return roles.ADMIN in self.roles

    @property
    def limit_role(self) -> str:
        """The role whose rate limit applies: the most privileged one it holds."""
        return next(r for r in reversed(roles.ROLES) if r in self.roles)


ANONYMOUS = Principal("anonymous", frozenset(roles.ROLES))
"""The caller when authentication is off: may call everything."""
