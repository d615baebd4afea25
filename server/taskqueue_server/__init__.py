"""taskqueue server: a durable task queue served over gRPC on one SQLite file."""

from __future__ import annotations

__version__ = "0.1.0"
