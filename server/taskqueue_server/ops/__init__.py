"""Operations, a module each: the health probe, stats, server status, live config and its
revisions, backups, metrics. No gRPC and no storage adapter: main wires them to the store
port."""

from __future__ import annotations
