"""Identifiers: KSeF reference numbers and KSeF numbers with their CRC-8 checksums.

Reference number: ``YYYYMMDD-TT-HHHHHHHHHH-HHHHHHHHHH-CC`` (36 characters).
KSeF number: ``NIP-YYYYMMDD-XXXXXXXXXXXX-CC`` (35 characters).
``CC`` is CRC-8 (polynomial 0x07, initial value 0, no reflection, no final XOR) over
the characters before the last dash, as two upper-case hex digits.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mock_ksef.timefmt import warsaw_date


def _crc8_table() -> tuple[int, ...]:
    table = []
    for value in range(256):
        crc = value
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC8_TABLE = _crc8_table()


def crc8(data: bytes, crc: int = 0) -> int:
    """CRC-8 with polynomial 0x07 and initial value 0 (CRC-8/SMBUS), table-driven.

    ``crc``: the CRC-8 of what came before ``data`` (so ``crc8(b, crc8(a)) == crc8(a + b)``).
    """
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def with_checksum(body: str) -> str:
    """Append ``-CC`` to ``body``."""
    return f"{body}-{crc8(body.encode('ascii')):02X}"


def has_valid_checksum(number: str) -> bool:
    """Tell whether a reference or KSeF number ends in the right CRC-8."""
    body, _, cc = number.rpartition("-")
    return bool(body) and with_checksum(body) == number and len(cc) == 2


def internal_id_check_digit(value: str) -> int | None:
    """The check digit an InternalId ``{NIP}-{5 digits}`` must end in: the weighted
    (1, 3, 1, 3, …) sum of its first 14 digits mod 10; ``None`` when not of that shape."""
    digits = value.replace("-", "")
    if len(value) != 16 or value[10] != "-" or not digits.isdigit():
        return None
    return sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:14])) % 10


def internal_id_valid(value: str) -> bool:
    """Whether ``value`` is an InternalId with the right check digit."""
    return internal_id_check_digit(value) == (int(value[-1]) if value[-1:].isdigit() else -1)


class RefType(StrEnum):
    """Two-letter type codes of reference numbers."""

    CHALLENGE = "CR"
    AUTH = "AU"
    ONLINE_SESSION = "SO"
    BATCH_SESSION = "SB"
    INVOICE = "EE"
    UPO = "EU"
    KSEF_TOKEN = "EC"
    CERTIFICATE_ENROLLMENT = "EH"
    EXPORT = "EH"  # the same type as enrolments (an alias of CERTIFICATE_ENROLLMENT)
    PERMISSION_OPERATION = "EG"


REFERENCE_RE = re.compile(r"^\d{8}-[0-9A-Z]{2}-[0-9A-F]{10}-[0-9A-F]{10}-[0-9A-F]{2}$")
KSEF_NUMBER_RE = re.compile(r"^\d{10}-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$")


@dataclass
class IdFactory:
    """Makes identifiers from a seeded random generator and a persistent sequence.

    The sequence number (from the store) keeps identifiers unique across restarts
    of a server that keeps its state; the random part makes them look like KSeF's.
    """

    rng: random.Random

    def _bits(self, stream: str, sequence: int, nbits: int) -> int:
        """The random part of an identifier of ``stream`` numbered ``sequence``."""
        return self.rng.getrandbits(nbits)

    def reference(self, kind: RefType, when: datetime, sequence: int) -> str:
        """A reference number of type ``kind`` created at ``when``."""
        first = f"{sequence:010X}"[-10:]
        second = f"{self._bits('reference', sequence, 40):010X}"
        return with_checksum(f"{warsaw_date(when)}-{kind.value}-{first}-{second}")

    def ksef_number(self, seller_nip: str, when: datetime, sequence: int) -> str:
        """A KSeF number for an invoice of ``seller_nip`` accepted at ``when``."""
        technical = f"{sequence:06X}"[-6:] + f"{self._bits('ksef', sequence, 24):06X}"
        return with_checksum(f"{seller_nip}-{warsaw_date(when)}-{technical}")

    def hex_token(self, nbytes: int) -> str:
        """Random hex text (trace ids and the like)."""
        return f"{self.rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"


@dataclass
class SequencedIds(IdFactory):
    """Identifiers whose random-looking part is a function of (seed, sequence) alone.

    The app's identifiers: a process keeps no generator state of its own, so replicas
    sharing one store give the same identifier for the same sequence number whichever
    of them answers (``docs/replicas.md``). ``hex_token`` draws its own store sequence.
    """

    seed: int = 0
    #: The store's named sequences (``Store.next_sequence``).
    sequence: Callable[[str], int] | None = None

    def _digest(self, stream: str, sequence: int, nbytes: int) -> bytes:
        text = f"{self.seed}|{stream}|{sequence}".encode()
        return hashlib.blake2b(text, digest_size=nbytes).digest()

    def _bits(self, stream: str, sequence: int, nbits: int) -> int:
        return int.from_bytes(self._digest(stream, sequence, 8)) >> (64 - nbits)

    def hex_token(self, nbytes: int) -> str:
        """Hex text derived from the seed and the store's ``hex`` sequence."""
        if self.sequence is None:
            return super().hex_token(nbytes)
        return self._digest("hex", self.sequence("hex"), nbytes).hex()

    def bits(self, stream: str) -> SequencedBits:
        """A generator of random bits derived from the seed and the store sequence
        ``stream``, drawn when first used (certificate serial numbers)."""
        return SequencedBits(self, stream)


class SequencedBits:
    """``getrandbits`` of a ``random.Random`` seeded by (seed, stream, store sequence).

    The sequence number is drawn at the first call, so a request that needs no random
    bits costs no store write.
    """

    def __init__(self, ids: SequencedIds, stream: str) -> None:
        self._ids, self._stream = ids, stream
        self._rng: random.Random | None = None

    def getrandbits(self, k: int) -> int:
        """``k`` random bits."""
        if self._rng is None:
            ids = self._ids
            if ids.sequence is None:
                self._rng = ids.rng
            else:
                sequence = ids.sequence(self._stream)
                self._rng = random.Random(f"{ids.seed}|{self._stream}|{sequence}")
        return self._rng.getrandbits(k)
