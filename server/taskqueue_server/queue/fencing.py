"""Fencing tokens: what a claim hands out and a worker shows back (the rules that check
them are lifecycle.py's)."""

from __future__ import annotations

import secrets


def new_tokens(count: int) -> list[str]:
    """Opaque, unguessable fencing tokens for `count` claims: 128 bits each in hex, so none
    starts with "-" (a base64 token sometimes did, and a command line then read it as an
    option: `taskqueue complete ID --lease-token -x…` failed about one time in 64). One read
    of the system's random source for all (a claim makes up to 64: 74 -> 13 µs)."""
    random = secrets.token_hex(16 * count)
    return [random[i : i + 32] for i in range(0, 32 * count, 32)]
