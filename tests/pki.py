"""Throwaway key material for the security tests: a CA, server and client certificates,
JWT signing keys. Generated with `cryptography`, written to a temporary directory."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

ISSUER = "https://auth.example.test"
AUDIENCE = "taskqueue"


def _pem_key(key: Any) -> bytes:
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _cert(
    subject: str, key: Any, issuer_key: Any, issuer: x509.Name | None, *, ca: bool, server: bool
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    """Paths of a CA, a server certificate and a client certificate (PEM)."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_client_cert: Path
    other_client_key: Path


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("taskqueue test CA", ca_key, ca_key, None, ca=True, server=False)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = _cert("rogue CA", rogue_key, rogue_key, None, ca=True, server=False)
    out: dict[str, Path] = {}

    def write(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    out["ca"] = write("ca.pem", ca.public_bytes(serialization.Encoding.PEM))
    for role, issuer_key, issuer_cert in (
        ("server", ca_key, ca),
        ("client", ca_key, ca),
        ("other_client", rogue_key, rogue),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(
            f"taskqueue {role}", key, issuer_key, issuer_cert.subject, ca=False, server=True
        )
        out[f"{role}_cert"] = write(f"{role}.pem", cert.public_bytes(serialization.Encoding.PEM))
        out[f"{role}_key"] = write(f"{role}.key", _pem_key(key))
    return Pki(**out)


@dataclass
class JwtKeys:
    """Signing keys and the files the server verifies with."""

    secret: bytes
    secret_file: Path
    rsa_key: rsa.RSAPrivateKey
    rsa_public_file: Path
    ec_key: ec.EllipticCurvePrivateKey
    jwks_file: Path

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "alice",
            "role": "submitter",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def hs256(self, **overrides: Any) -> str:
        return jwt.encode(self.claims(**overrides), self.secret, algorithm="HS256")

    def rs256(self, **overrides: Any) -> str:
        return jwt.encode(self.claims(**overrides), self.rsa_key, algorithm="RS256")

    def es256(self, kid: str = "ec-1", **overrides: Any) -> str:
        return jwt.encode(
            self.claims(**overrides), self.ec_key, algorithm="ES256", headers={"kid": kid}
        )

    def unsigned(self, **overrides: Any) -> str:
        """`alg: none`."""
        return _raw_token({"alg": "none", "typ": "JWT"}, self.claims(**overrides), b"")

    def hs256_with_public_key(self, **overrides: Any) -> str:
        """Algorithm confusion: HS256 keyed with the RSA public key's PEM, which a naive
        server would use as the HMAC secret."""
        header = {"alg": "HS256", "typ": "JWT"}
        signing_input = _signing_input(header, self.claims(**overrides))
        signature = hmac.new(
            self.rsa_public_file.read_bytes(), signing_input, hashlib.sha256
        ).digest()
        return signing_input.decode() + "." + _b64(signature)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> bytes:
    return (_b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())).encode()


def _raw_token(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    return _signing_input(header, claims).decode() + "." + _b64(signature)


def make_jwt_keys(directory: Path) -> JwtKeys:
    directory.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    secret_file = directory / "jwt-secret"
    secret_file.write_bytes(secret)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_public_file = directory / "jwt-rsa.pem"
    rsa_public_file.write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    jwk.update({"kid": "ec-1", "use": "sig", "alg": "ES256"})
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    return JwtKeys(secret, secret_file, rsa_key, rsa_public_file, ec_key, jwks_file)
