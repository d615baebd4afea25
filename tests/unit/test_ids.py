"""Task ids: a keyed permutation of a counter that reads as random version-4 UUIDs."""

from __future__ import annotations

import itertools
import os
import uuid

from taskqueue_server.task_ids import TaskIds

IDS = TaskIds(os.urandom(16))


def test_ids_are_distinct_canonical_version_4_uuids() -> None:
    made = IDS.ids(1, 2000) + IDS.ids(2001, 1)
    assert len(set(made)) == 2001
    for text in made:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # lower case, hyphenated
    assert IDS.ids(5, 0) == []
    assert IDS.ids(1, 3) == IDS.ids(1, 1) + IDS.ids(2, 2)  # the same key, the same id


def test_ids_look_random_in_every_other_bit() -> None:
    # Over 2,000 consecutive keys each of the 122 free bits is set about half the time; a
    # fixed or mangled bit (a slicing mistake, too few rounds) would sit at 0 or 1.
    values = [uuid.UUID(text).int for text in IDS.ids(1, 2000)]
    fixed = {48, 49, 50, 51, 64, 65}  # counted from the most significant: version, variant
    for bit in sorted(set(range(128)) - fixed):
        share = sum((value >> (127 - bit)) & 1 for value in values) / len(values)
        assert 0.4 < share < 0.6, (bit, share)


def test_neighbouring_keys_give_unrelated_ids() -> None:
    # Consecutive keys differ in about half their bits (61 of 122), never in a few.
    values = [uuid.UUID(text).int for text in IDS.ids(1_000_000, 500)]
    distances = [bin(a ^ b).count("1") for a, b in itertools.pairwise(values)]
    assert min(distances) > 30 and 50 < sum(distances) / len(distances) < 72


def test_an_id_gives_back_its_key_and_nothing_else_does() -> None:
    for first in (1, 2**32, 2**62, 2**63 - 3):
        for key, text in enumerate(IDS.ids(first, 3), first):
            assert IDS.keys_of([text])[0] == key
    made = IDS.ids(7, 1)[0]
    other = TaskIds(os.urandom(16))  # another database's secret
    assert other.keys_of([made])[0] != 7
    assert [IDS.keys_of([str(uuid.uuid4())])[0] for _ in range(200)] == [None] * 200
    not_ids = [made.upper(), made.replace("-", ""), "", "x" * 36, None, 7, b"7", made[:-1]]
    assert [IDS.keys_of([value])[0] for value in not_ids] == [7] + [None] * 7


def test_many_ids_turn_into_keys_as_each_alone_would() -> None:
    made = IDS.ids(40, 5)
    mixed = [made[0], "x", str(uuid.uuid4()), made[3], made[3], None, made[4].upper()]
    assert IDS.keys_of(mixed) == [IDS.keys_of([value])[0] for value in mixed] == [
        40, None, None, 43, 43, None, 44,
    ]  # fmt: skip
    assert IDS.keys_of([]) == []
