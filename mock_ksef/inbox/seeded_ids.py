"""KSeF numbers and reference numbers for generated invoices (the project's formats and CRC-8)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Protocol

from mock_ksef.ids import RefType, crc8
from mock_ksef.inbox.polish_days import PolishDays

#: Generated invoices count their sequence from here, far above the numbers a live mock
#: hands out (the live ``ksef``/``reference`` sequences start at 1), so the two never meet.
KSEF_SEQUENCE_BASE = 0xA00000
REFERENCE_SEQUENCE_BASE = 0xA000000000


class InboxIds(Protocol):
    """Where generated invoices get their identifiers."""

    def ksef_number(self, seller_nip: str, when: datetime) -> str:
        """A KSeF number for an invoice of ``seller_nip`` accepted at ``when``."""
        ...

    def reference(self, kind: RefType, when: datetime) -> str:
        """A reference number (session ``SO``, invoice ``EE``) created at ``when``."""
        ...


class SeededIds:
    """:class:`InboxIds` from a seeded generator and counters above the live sequences.

    The identifiers are exactly :class:`~mock_ksef.ids.IdFactory`'s for the same generator
    and sequence numbers (``tests/inbox/test_seeded_ids.py``), made faster for a stream of
    ascending instants: the Polish day's bounds are kept (:class:`PolishDays`) and the
    CRC-8 of each identifier's leading part (seller and day; day, type and the high digits
    of the sequence) is computed once per day, so only the last 12-13 characters are
    summed per identifier.
    """

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits
        self._ksef = KSEF_SEQUENCE_BASE
        self._reference = REFERENCE_SEQUENCE_BASE
        self._days = PolishDays()
        self._day = ""
        #: CRC-8 of the leading parts seen today.
        self._leads: dict[str, int] = {}

    def ksef_number(self, seller_nip: str, when: datetime) -> str:
        """See :class:`InboxIds` (``IdFactory.ksef_number``'s text)."""
        self._ksef = sequence = self._ksef + 1
        technical = f"{sequence:06X}"[-6:] + f"{self._bits(24):06X}"
        return self._checked(f"{seller_nip}-{self._today(when)}-", technical)

    def reference(self, kind: RefType, when: datetime) -> str:
        """See :class:`InboxIds` (``IdFactory.reference``'s text)."""
        self._reference = sequence = self._reference + 1
        first = f"{sequence:010X}"[-10:]
        rest = f"{first[8:]}-{self._bits(40):010X}"
        return self._checked(f"{self._today(when)}-{kind.value}-{first[:8]}", rest)

    def _today(self, when: datetime) -> str:
        self._days.of(when)
        day = self._days.compact
        if day != self._day:
            self._day = day
            self._leads.clear()
        return day

    def _checked(self, lead: str, rest: str) -> str:
        """``lead + rest`` with its ``-CC`` CRC-8 suffix (``with_checksum``)."""
        crc = self._leads.get(lead)
        if crc is None:
            crc = self._leads[lead] = crc8(lead.encode("ascii"))
        return f"{lead}{rest}-{crc8(rest.encode('ascii'), crc):02X}"
