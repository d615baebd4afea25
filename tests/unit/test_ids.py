"""Task ids: random version-4 UUIDs in canonical form, made many at a time."""

from __future__ import annotations

import uuid

from taskqueue_server.queue.submit import new_ids


def test_new_ids_are_distinct_canonical_version_4_uuids() -> None:
    ids = new_ids(2000) + new_ids(1)
    assert len(ids) == 2001 and len(set(ids)) == 2001
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # lower case, hyphenated
    assert new_ids(0) == []


def test_new_ids_are_random_in_every_other_bit() -> None:
    # Over 2,000 ids each of the 122 free bits is set about half the time; a fixed or
    # mangled bit (a slicing mistake) would sit at 0 or 1.
    ids = [uuid.UUID(text).int for text in new_ids(2000)]
    fixed = {48, 49, 50, 51, 64, 65}  # counted from the most significant: version, variant
    for bit in sorted(set(range(128)) - fixed):
        share = sum((value >> (127 - bit)) & 1 for value in ids) / len(ids)
        assert 0.4 < share < 0.6, (bit, share)
