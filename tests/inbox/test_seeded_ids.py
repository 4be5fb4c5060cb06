"""``SeededIds`` writes exactly ``IdFactory``'s identifiers, only faster."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from mock_ksef.ids import (
    KSEF_NUMBER_RE,
    REFERENCE_RE,
    IdFactory,
    RefType,
    crc8,
    has_valid_checksum,
)
from mock_ksef.inbox.seeded_ids import KSEF_SEQUENCE_BASE, REFERENCE_SEQUENCE_BASE, SeededIds

NIPS = ("1165667132", "6362559449", "7460492586")


def test_the_identifiers_are_id_factorys() -> None:
    """3,000 KSeF numbers and 6,000 references over 12 days (a DST change, Polish midnights,
    the sequence's low byte wrapping): the same text as IdFactory's for the same generator
    and sequence numbers, in the same order of draws."""
    fast, reference = SeededIds(random.Random(7)), IdFactory(random.Random(7))
    when = datetime(2026, 3, 24, 21, 0, tzinfo=UTC)
    kinds = (RefType.ONLINE_SESSION, RefType.INVOICE)
    for i in range(1, 3_001):
        when += timedelta(minutes=5, seconds=i % 17)
        nip = NIPS[i % 3]
        number = fast.ksef_number(nip, when)
        assert number == reference.ksef_number(nip, when, KSEF_SEQUENCE_BASE + i)
        assert KSEF_NUMBER_RE.match(number)
        assert has_valid_checksum(number)
        for k, kind in enumerate(kinds):
            text = fast.reference(kind, when)
            assert text == reference.reference(kind, when, REFERENCE_SEQUENCE_BASE + 2 * i - 1 + k)
            assert REFERENCE_RE.match(text)
            assert has_valid_checksum(text)
    assert when > datetime(2026, 4, 4, tzinfo=UTC)


def test_crc8_continues_from_a_prefix() -> None:
    """``crc8(b, crc8(a)) == crc8(a + b)``, and the check value of CRC-8/SMBUS."""
    assert crc8(b"123456789") == 0xF4
    data = b"1165667132-20260105-A00001487158"
    assert all(crc8(data[k:], crc8(data[:k])) == crc8(data) for k in range(len(data) + 1))
