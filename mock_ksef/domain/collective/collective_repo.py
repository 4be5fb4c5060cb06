"""The IZ repository over the store (the IZ side's only store access).

Layout (``docs/collective-identifiers.md``):

* ``collective-identifier`` / IZ number: the IZ, indexed ``creator`` =
  ``{contextKey}|{dateCreated}|{number}`` and ``seller`` = ``{nip}|{dateCreated}|{number}``,
  so Q is two range walks over a date window;
* ``collective-member`` / ``{ksefNumber}|{number}``: one row per (invoice, IZ), indexed
  ``ksef`` = ``{ksefNumber}|{dateCreated}|{number}`` (K) and ``count`` =
  ``{ksefNumber}|{creator}|{dateCreated}`` (the 71002 cap per creating context).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.collective.collective_values import CollectiveIdentifier
from mock_ksef.store import kinds
from mock_ksef.store.base import Query, Store
from mock_ksef.timefmt import iso

IZ = kinds.COLLECTIVE_IDENTIFIER
MEMBER = kinds.COLLECTIVE_MEMBER
#: Sorts after every character an index value continues with (digits, letters, ``|``).
_END = "~"


@dataclass(frozen=True)
class IzMember:
    """An IZ seen from one of its invoices (a K row before the caller is judged)."""

    number: str
    creator: str
    date_created: datetime


@dataclass(frozen=True)
class CollectiveIdentifiers:
    """Typed access to the IZs in ``store``."""

    store: Store

    def transaction(self) -> AbstractContextManager[None]:
        """Serialise the 71002 count and the insert."""
        return self.store.transaction()

    def save(self, iz: CollectiveIdentifier) -> None:
        """Store ``iz`` and one member row per invoice."""
        created = iso(iz.date_created)
        with self.store.transaction():
            index = {
                "creator": f"{iz.creator}|{created}|{iz.number}",
                "seller": f"{iz.seller_nip}|{created}|{iz.number}",
            }
            self.store.put(IZ, iz.number, to_doc(iz), index)
            for entry in iz.entries:
                member = {"number": iz.number, "creator": iz.creator, "date_created": created}
                member_index = {
                    "ksef": f"{entry.ksef_number}|{created}|{iz.number}",
                    "count": f"{entry.ksef_number}|{iz.creator}|{created}",
                }
                self.store.put(MEMBER, f"{entry.ksef_number}|{iz.number}", member, member_index)

    def get(self, number: str) -> CollectiveIdentifier | None:
        """An IZ by its number."""
        doc = self.store.get(IZ, number)
        return None if doc is None else from_doc(CollectiveIdentifier, doc)

    def _window(
        self, index: str, key: str, low: datetime, high: datetime
    ) -> list[CollectiveIdentifier]:
        query = Query(order_by=index, low=f"{key}|{iso(low)}", high=f"{key}|{iso(high)}{_END}")
        return [from_doc(CollectiveIdentifier, hit.doc) for hit in self.store.query(IZ, query)]

    def created_by(self, creator: str, low: datetime, high: datetime) -> list[CollectiveIdentifier]:
        """IZs created in context ``creator`` within ``[low, high]``."""
        return self._window("creator", creator, low, high)

    def of_seller(self, nip: str, low: datetime, high: datetime) -> list[CollectiveIdentifier]:
        """IZs over invoices of seller ``nip`` created within ``[low, high]``."""
        return self._window("seller", nip, low, high)

    def containing(self, ksef_number: str) -> list[IzMember]:
        """Every IZ that holds invoice ``ksef_number``."""
        query = Query(order_by="ksef", low=f"{ksef_number}|", high=f"{ksef_number}|{_END}")
        return [
            IzMember(
                str(hit.doc["number"]),
                str(hit.doc["creator"]),
                datetime.fromisoformat(str(hit.doc["date_created"])),
            )
            for hit in self.store.query(MEMBER, query)
        ]

    def count_created_by(self, ksef_number: str, creator: str) -> int:
        """How many IZs context ``creator`` built over invoice ``ksef_number``."""
        start = f"{ksef_number}|{creator}|"
        query = Query(order_by="count", low=start, high=start + _END)
        return len(self.store.query(MEMBER, query))
