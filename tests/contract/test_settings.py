"""What the server keeps besides tasks, through the port: config revisions, API keys, the
auth log, the health probe, the secrets of ids and page tokens."""

from __future__ import annotations

from typing import Any

import pytest
from contract.harness import Harness
from taskqueue_server.model import AuditEvent, StoredKey

pytestmark = pytest.mark.anyio


async def test_config_revisions_are_numbered_and_paged_newest_first(h: Harness) -> None:
    assert await h.store.read(lambda s: s.latest_config()) is None
    numbers = []
    for i in range(5):
        numbers.append(
            await h.store.write(
                lambda tx, i=i: tx.insert_config(
                    now=h.tick(),
                    actor=f"admin {i}",
                    changes={"limit": (i, i + 1)},
                    settings={"limit": i + 1, "name": "é"},
                )
            )
        )
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    assert await h.store.read(lambda s: s.latest_config()) == (
        numbers[-1],
        {"limit": 5, "name": "é"},
    )
    page = await h.store.read(lambda s: s.config_revisions(before=numbers[-1], limit=2))
    assert [r.revision for r in page] == [numbers[3], numbers[2]]
    assert (page[0].actor, page[0].changes) == ("admin 3", {"limit": (3, 4)})


def key(key_id: str, name: str, create_time: int) -> StoredKey:
    return StoredKey(
        key_id=key_id, name=name, role="worker", salt=b"s" * 16, hash=b"h" * 32,
        create_time=create_time, expire_time=None, revoke_time=None,
    )  # fmt: skip


async def test_keys_are_revoked_by_id_or_name_once(h: Harness) -> None:
    await h.store.write(lambda tx: tx.insert_key(key("k1", "ci", 1)))
    await h.store.write(lambda tx: tx.insert_key(key("k2", "laptop", 2)))
    assert [k.key_id for k in await h.store.read(lambda s: s.api_keys())] == ["k2", "k1"]
    assert await h.store.read(lambda s: s.active_key_named("ci"))
    revoked = await h.store.write(lambda tx: tx.revoke_key("ci", 10))
    assert revoked is not None and (revoked.key_id, revoked.revoke_time) == ("k1", 10)
    assert await h.store.write(lambda tx: tx.revoke_key("k1", 11)) is None
    assert not await h.store.read(lambda s: s.active_key_named("ci"))
    assert (await h.store.write(lambda tx: tx.revoke_key("k2", 12))) is not None
    await h.store.write(lambda tx: tx.insert_key(key("k3", "ci", 20)))  # the name is free again
    assert await h.store.read(lambda s: s.active_key_named("ci"))


async def test_every_key_change_moves_the_generation_and_nothing_else_does(h: Harness) -> None:
    def generation() -> Any:
        return h.store.read(lambda s: s.keys_generation())

    seen = [await generation()]
    await h.store.write(lambda tx: tx.insert_key(key("k1", "ci", 1)))
    seen.append(await generation())
    await h.store.write(lambda tx: tx.revoke_key("ci", 2))
    seen.append(await generation())
    await h.store.write(lambda tx: tx.revoke_key("ci", 3))  # none active: nothing changes
    await h.store.write(lambda tx: tx.append_audit([], keep=10))
    seen.append(await generation())
    assert seen[0] < seen[1] < seen[2] == seen[3]


async def test_the_auth_log_keeps_the_newest_and_filters(h: Harness) -> None:
    def event(i: int) -> AuditEvent:
        return AuditEvent(
            seq=0, time=i, peer="ipv4:127.0.0.1:1", principal="ci" if i % 2 else "ops",
            method="/taskqueue.v1.TaskQueueService/CreateTask",
            outcome="OK" if i % 3 else "PERMISSION_DENIED", reason="",
        )  # fmt: skip

    await h.store.write(lambda tx: tx.append_audit([event(i) for i in range(10)], keep=6))
    everything = await h.store.read(
        lambda s: s.audit_events(before=1 << 62, limit=100, principal="", failures_only=False)
    )
    assert [e.time for e in everything] == [9, 8, 7, 6, 5, 4]
    seqs = [e.seq for e in everything]
    assert seqs == sorted(seqs, reverse=True)
    older = await h.store.read(
        lambda s: s.audit_events(before=seqs[1], limit=2, principal="", failures_only=False)
    )
    assert [e.time for e in older] == [7, 6]
    failures = await h.store.read(
        lambda s: s.audit_events(before=1 << 62, limit=100, principal="ops", failures_only=True)
    )
    assert [e.time for e in failures] == [6]


async def test_the_probe_and_the_secrets(h: Harness) -> None:
    assert await h.store.read(lambda s: s.probe_value()) is None
    await h.store.write(lambda tx: tx.touch_probe(12345))
    assert await h.store.read(lambda s: s.probe_value()) == 12345
    token_key = await h.store.read(lambda s: s.page_token_key())
    id_secret = await h.store.read(lambda s: s.task_id_secret())
    assert len(token_key) >= 16 and len(id_secret) >= 16 and token_key != id_secret
    assert await h.store.read(lambda s: s.page_token_key()) == token_key, "made once"
