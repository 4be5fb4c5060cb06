"""Identifiers: CRC-8 checksums, reference numbers, KSeF numbers, seeded determinism."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from mock_ksef.ids import (
    KSEF_NUMBER_RE,
    REFERENCE_RE,
    IdFactory,
    RefType,
    SequencedIds,
    crc8,
    has_valid_checksum,
    with_checksum,
)
from mock_ksef.store import MemoryStore

#: Examples from the KSeF documentation.
KSEF_NUMBER = "5265877635-20250826-0100001AF629-AF"
REFERENCE = "20250626-EE-2F20AD2000-242386DF86-52"
WHEN = datetime(2025, 8, 26, 10, 0, tzinfo=UTC)


class TestCrc8:
    """CRC-8/SMBUS and the ``-CC`` suffix."""

    def test_standard_check_value(self) -> None:
        """CRC-8/SMBUS of "123456789" is 0xF4 (the catalogue check value)."""
        assert crc8(b"123456789") == 0xF4
        assert crc8(b"") == 0

    @pytest.mark.parametrize("number", [KSEF_NUMBER, REFERENCE])
    def test_documented_examples_are_valid(self, number: str) -> None:
        """The documentation's KSeF number and reference number carry valid checksums."""
        assert has_valid_checksum(number)
        body = number.rpartition("-")[0]
        assert with_checksum(body) == number

    def test_documented_examples_match_the_patterns(self) -> None:
        """The examples match the KSeF number and reference number patterns."""
        assert KSEF_NUMBER_RE.match(KSEF_NUMBER)
        assert REFERENCE_RE.match(REFERENCE)

    @pytest.mark.parametrize(
        "number",
        [
            KSEF_NUMBER[:-2] + "AE",  # wrong checksum
            KSEF_NUMBER[:-2] + "af",  # lower-case hex
            KSEF_NUMBER.replace("5265877635", "5265877636"),  # altered body
            "AF",  # no body
            "",
            KSEF_NUMBER[:-3],  # no checksum at all
        ],
    )
    def test_invalid_numbers(self, number: str) -> None:
        """A changed body, a wrong or lower-case checksum, or a missing part is invalid."""
        assert not has_valid_checksum(number)


class TestIdFactory:
    """IdFactory makes well-formed, deterministic identifiers."""

    @pytest.mark.parametrize("kind", list(RefType))
    def test_reference_shape(self, kind: RefType) -> None:
        """References have the documented shape, type code, date and a valid checksum."""
        ref = IdFactory(random.Random(1)).reference(kind, WHEN, 42)
        assert REFERENCE_RE.match(ref), ref
        assert ref.startswith(f"20250826-{kind.value}-000000002A-")
        assert has_valid_checksum(ref)

    def test_reference_date_is_polish(self) -> None:
        """Just before midnight UTC in summer is already the next day in Warsaw."""
        late = datetime(2025, 6, 26, 22, 30, tzinfo=UTC)
        assert IdFactory(random.Random(1)).reference(RefType.INVOICE, late, 1)[:8] == "20250627"

    def test_ksef_number_shape(self) -> None:
        """KSeF numbers have the seller's NIP, the date and a valid checksum."""
        number = IdFactory(random.Random(1)).ksef_number("5265877635", WHEN, 1)
        assert KSEF_NUMBER_RE.match(number), number
        assert number.startswith("5265877635-20250826-000001")
        assert has_valid_checksum(number)

    def test_same_seed_same_identifiers(self) -> None:
        """Two factories with the same seed produce the same sequence of identifiers."""

        def draw(seed: int) -> list[str]:
            ids = IdFactory(random.Random(seed))
            return [
                ids.reference(RefType.ONLINE_SESSION, WHEN, 1),
                ids.ksef_number("5265877635", WHEN, 2),
                ids.hex_token(16),
                ids.reference(RefType.UPO, WHEN, 3),
            ]

        assert draw(7) == draw(7)
        assert draw(7) != draw(8)

    def test_sequence_makes_references_unique(self) -> None:
        """Different sequence numbers give different references even from the same seed."""
        first = IdFactory(random.Random(1)).reference(RefType.INVOICE, WHEN, 1)
        second = IdFactory(random.Random(1)).reference(RefType.INVOICE, WHEN, 2)
        assert first != second

    def test_hex_token_length(self) -> None:
        """hex_token(n) is 2n lower-case hex digits, leading zeros kept."""
        ids = IdFactory(random.Random(3))
        tokens = [ids.hex_token(4) for _ in range(50)]
        assert all(len(t) == 8 and t == t.lower() for t in tokens)
        assert all(int(t, 16) >= 0 for t in tokens)


class TestSequencedIds:
    """The app's ids: the random part is a function of (seed, store sequence) alone."""

    @staticmethod
    def _ids(seed: int) -> tuple[SequencedIds, MemoryStore]:
        store = MemoryStore()
        return SequencedIds(random.Random(99), seed=seed, sequence=store.next_sequence), store

    def test_the_same_seed_and_sequence_give_the_same_id_whatever_the_generator_did(self):
        """Two factories whose generators are in different states still agree."""
        first, _ = self._ids(5)
        second, _ = self._ids(5)
        second.rng.getrandbits(64)
        assert first.reference(RefType.INVOICE, WHEN, 7) == second.reference(
            RefType.INVOICE, WHEN, 7
        )
        assert first.ksef_number("5265877635", WHEN, 7) == second.ksef_number("5265877635", WHEN, 7)
        assert first.hex_token(16) == second.hex_token(16)
        other, _ = self._ids(6)
        assert other.reference(RefType.INVOICE, WHEN, 7) != first.reference(
            RefType.INVOICE, WHEN, 7
        )

    def test_bits_draw_their_sequence_number_only_when_used(self):
        """An unused ``bits`` costs no sequence number; a used one gives the same bits as
        the one that drew the same number from another store."""
        ids, store = self._ids(5)
        unused = ids.bits("serial")
        used = ids.bits("serial")
        value = used.getrandbits(32)  # draws number 1
        assert store.next_sequence("serial") == 2  # ``unused`` drew nothing
        assert unused is not used
        assert self._ids(5)[0].bits("serial").getrandbits(32) == value
        assert self._ids(6)[0].bits("serial").getrandbits(32) != value
