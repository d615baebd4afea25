"""Copies through the port: an online copy holds everything, and is verified."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from contract.harness import Harness, new

pytestmark = pytest.mark.anyio


async def test_an_online_copy_is_verified_and_holds_every_task(h: Harness, tmp_path: Path) -> None:
    await h.create(*[new(f"t{i}") for i in range(25)])
    await h.claim(5)
    target = tmp_path / "copy-of-store"
    copied = asyncio.to_thread(h.store.copy_to, str(target))
    await asyncio.gather(copied, h.create(*[new("during") for _ in range(10)]))
    facts = await asyncio.to_thread(h.store.inspect_copy, str(target))
    assert facts.integrity_check == "ok"
    assert facts.task_count in (25, 35), "a copy is one consistent view"
    assert facts.schema_version > 0
