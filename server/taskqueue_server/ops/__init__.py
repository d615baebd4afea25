"""Operations: a module each (the health probe for now). No gRPC: main wires them."""

from __future__ import annotations
