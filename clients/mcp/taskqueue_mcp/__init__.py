"""The taskqueue MCP shim: each agent tool call becomes one gRPC call to a taskqueue server."""

from __future__ import annotations

__version__ = "0.1.0"
