"""`taskqueue-mcp`: serve the shim over stdio (default) or streamable HTTP."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from mcp.server.transport_security import TransportSecuritySettings

from taskqueue_mcp import __version__
from taskqueue_mcp.server import Config, build


def parse(argv: Sequence[str] | None = None) -> tuple[Config, str]:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="taskqueue-mcp",
        description="MCP server that turns agents' tool calls into taskqueue gRPC calls.",
    )
    parser.add_argument(
        "--server",
        default=env.get("TASKQUEUE_SERVER", "127.0.0.1:50051"),
        help="taskqueue gRPC address HOST:PORT (env TASKQUEUE_SERVER; default 127.0.0.1:50051)",
    )
    parser.add_argument(
        "--token",
        default=env.get("TASKQUEUE_TOKEN", ""),
        help="sent as 'authorization: Bearer TOKEN' on every call (env TASKQUEUE_TOKEN)",
    )
    parser.add_argument("--tls-ca", default="", help="PEM file of the CA that signed the server")
    parser.add_argument("--tls-cert", default="", help="client certificate (PEM) for mTLS")
    parser.add_argument("--tls-key", default="", help="client private key (PEM) for mTLS")
    parser.add_argument(
        "--http",
        default="",
        metavar="HOST:PORT",
        help="serve streamable HTTP on HOST:PORT at /mcp instead of stdio",
    )
    parser.add_argument("--version", action="version", version=f"taskqueue-mcp {__version__}")
    args = parser.parse_args(argv)
    config = Config(
        server=args.server,
        token=args.token,
        tls_ca=args.tls_ca,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    return config, args.http


def security(host: str) -> TransportSecuritySettings:
    """DNS-rebinding protection: only requests addressed to this host (and loopback) pass."""
    hosts = {host, "127.0.0.1", "localhost", "[::1]"}
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:*" for h in sorted(hosts)],
        allowed_origins=[f"http://{h}:*" for h in sorted(hosts)],
    )


def main(argv: Sequence[str] | None = None) -> None:
    config, http = parse(argv)
    mcp = build(config)
    if not http:
        mcp.run()
        return
    host, _, port = http.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    mcp.run("streamable-http", host=host, port=int(port), transport_security=security(host))


if __name__ == "__main__":
    main()
