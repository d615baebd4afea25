"""JWT verification with PyJWT: HS256 against a shared secret, RS256/ES256 against public
keys from a PEM file or a JWKS file. Each algorithm is tried only with its own kind of key,
so `alg: none` and HS/RS confusion are refused."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from taskqueue_server import errors
from taskqueue_server.config import SECOND_US, Settings
from taskqueue_server.security import roles
from taskqueue_server.security.principal import Principal

ASYMMETRIC: Final = {"RS256": rsa.RSAPublicKey, "ES256": ec.EllipticCurvePublicKey}


def _refused(message: str, reason: str) -> errors.Unauthenticated:
    return errors.Unauthenticated(message, reason=reason)


@dataclass(frozen=True, slots=True)
class JwtSettings:
    secret_file: str
    public_key_file: str
    jwks_file: str
    issuer: str
    audience: str
    role_claim: str
    leeway_us: int

    @classmethod
    def of(cls, s: Settings) -> JwtSettings:
        return cls(
            s.jwt_secret_file,
            s.jwt_public_key_file,
            s.jwt_jwks_file,
            s.jwt_issuer,
            s.jwt_audience,
            s.jwt_role_claim,
            s.jwt_leeway_us,
        )


class JwtVerifier:
    """Verifies JWTs under one set of settings (the key files are read once, here).

    Raises OSError or ValueError when a configured key file cannot be read or parsed."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._secret: bytes | None = None
        self._pem_key: Any = None
        self._jwks: dict[str, Any] = {}
        self._jwks_unnamed: list[Any] = []
        if settings.secret_file:
            with open(settings.secret_file, "rb") as stream:
                self._secret = stream.read().strip()
            if len(self._secret) < 32:
                raise ValueError(f"{settings.secret_file}: an HS256 secret needs 32 bytes or more")
        if settings.public_key_file:
            with open(settings.public_key_file, "rb") as stream:
                self._pem_key = load_pem_public_key(stream.read())
            if not isinstance(self._pem_key, tuple(ASYMMETRIC.values())):
                raise ValueError(f"{settings.public_key_file}: not an RSA or EC public key")
        if settings.jwks_file:
            with open(settings.jwks_file, encoding="utf-8") as stream:
                key_set = jwt.PyJWKSet.from_dict(json.load(stream))
            for key in key_set.keys:
                if key.key_id:
                    self._jwks[key.key_id] = key.key
                else:
                    self._jwks_unnamed.append(key.key)

    @property
    def configured(self) -> bool:
        return bool(self._secret or self._pem_key or self._jwks or self._jwks_unnamed)

    def _key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        alg = header.get("alg")
        if alg == "HS256" and self._secret is not None:
            return self._secret, alg
        if isinstance(alg, str) and alg in ASYMMETRIC:
            kind = ASYMMETRIC[alg]
            kid = header.get("kid")
            candidates = (
                [self._jwks[kid]]
                if isinstance(kid, str) and kid in self._jwks
                else [*self._jwks_unnamed, *([self._pem_key] if self._pem_key else [])]
            )
            for key in candidates:
                if isinstance(key, kind):
                    return key, alg
            raise _refused(
                f"no configured {alg} key matches this JWT (kid {kid!r})", "UNKNOWN_SIGNING_KEY"
            )
        raise _refused(
            f"JWT algorithm {alg!r} is not accepted by this server", "ALGORITHM_NOT_ALLOWED"
        )

    def verify(self, token: str) -> Principal:
        """The token's principal ("jwt:" + sub) with its roles; Unauthenticated when it is
        malformed, badly signed, expired, not yet valid, or for another issuer or audience;
        PermissionDenied when it names no known role."""
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise _refused("the token is neither an API key nor a JWT", "MALFORMED_TOKEN") from None
        key, alg = self._key_for(header)
        required = ["exp", "sub"] + (["iss"] if s.issuer else []) + (["aud"] if s.audience else [])
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=s.audience or None,
                issuer=s.issuer or None,
                leeway=s.leeway_us / SECOND_US,
                options={"require": required},
            )
        except jwt.ExpiredSignatureError:
            raise _refused("the JWT has expired", "TOKEN_EXPIRED") from None
        except jwt.ImmatureSignatureError:
            raise _refused("the JWT is not valid yet (nbf/iat)", "TOKEN_NOT_YET_VALID") from None
        except jwt.InvalidAudienceError:
            raise _refused("the JWT is for another audience", "WRONG_AUDIENCE") from None
        except jwt.InvalidIssuerError:
            raise _refused("the JWT is from another issuer", "WRONG_ISSUER") from None
        except jwt.InvalidSignatureError:
            raise _refused("the JWT signature does not verify", "BAD_SIGNATURE") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _refused(f"the JWT lacks the {exc.claim!r} claim", "MISSING_CLAIM") from None
        except (jwt.InvalidTokenError, jwt.exceptions.InvalidKeyError) as exc:
            raise _refused(f"the JWT is not valid: {type(exc).__name__}", "INVALID_TOKEN") from None
        raw = claims.get(s.role_claim)
        named = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        granted = frozenset(r for r in named if isinstance(r, str) and r in roles.ROLES)
        subject = str(claims["sub"])
        if not granted:
            raise errors.PermissionDenied(
                f"the JWT's {s.role_claim!r} claim names no role (one of {', '.join(roles.ROLES)})",
                reason="NO_ROLE",
                metadata={"principal": f"jwt:{subject}", "claim": s.role_claim},
            )
        return Principal(f"jwt:{subject}", granted)
