"""What an inbox should hold: buyer, count, period, form, mix of kinds and features, seed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mock_ksef.xml.invoice_checks import nip_checksum_ok

#: Forms the generator writes.
FORMS = ("FA (3)", "FA (2)")
#: ``DataWytworzeniaFa`` minimum per form (XSD), plus room for offline issue dates.
_EARLIEST = {
    "FA (3)": datetime(2025, 9, 8, tzinfo=UTC),
    "FA (2)": datetime(2022, 1, 8, tzinfo=UTC),
}
_LATEST = datetime(2049, 12, 1, tzinfo=UTC)
#: Buyer identifier types: the buyer's NIP (``Subject2``) or a JST sub-unit's internal id
#: ``NIP-nnnnn`` (``Subject3``, ``Podmiot3/IDWew``).
BUYER_TYPES = ("Nip", "InternalId")
#: Characters a buyer's name must not hold: XML 1.0 has no place for control characters
#: (a CR would not survive a parse), surrogates or U+FFFE/U+FFFF.
_UNWRITABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
#: ``Nazwa`` is ``TZnakowy512``; a JST sub-unit's name adds ``Jednostka organizacyjna ``.
_NAME_LIMITS = {"Nip": 512, "InternalId": 512 - len("Jednostka organizacyjna ")}


class InboxSpecError(ValueError):
    """An inbox specification that cannot be generated (the message says why)."""


@dataclass(frozen=True)
class InvoiceMix:
    """Fractions (0..1) of the invoices with each trait; counts are exact (rounded).

    ``corrections`` (KOR) and ``advances`` (ZAL) share the invoices (their sum is at most 1;
    the rest are VAT). ``attachments`` (``Zalacznik``, FA (3) only), ``foreign_currency`` and
    ``offline`` are drawn independently of the kind.
    """

    corrections: float = 0.08
    advances: float = 0.04
    attachments: float = 0.02
    foreign_currency: float = 0.1
    offline: float = 0.05

    def problems(self, form: str) -> list[str]:
        """Why this mix is unusable for ``form`` (empty when it is fine)."""
        found = [
            f"mix.{name} must be between 0 and 1, not {value}"
            for name, value in vars(self).items()
            if not 0.0 <= value <= 1.0
        ]
        if self.corrections + self.advances > 1.0:
            found.append("mix.corrections + mix.advances must not exceed 1")
        if form == "FA (2)" and self.attachments > 0:
            found.append("FA (2) has no Zalacznik: mix.attachments must be 0")
        return found


#: The default mix of FA (2), which cannot carry attachments.
FA2_MIX = InvoiceMix(attachments=0.0)


@dataclass(frozen=True)
class Buyer:
    """The receiving context: whose inbox this is.

    Attributes:
        identifier_type: ``Nip`` (the invoices' ``Podmiot2``) or ``InternalId``
            (``NIP-nnnnn``: ``Podmiot2`` is the JST with that NIP, ``Podmiot3/IDWew`` the
            sub-unit, role 8 "JST - odbiorca").
        value: the NIP or internal id.
        name: the buyer's name on the invoices; ``None``: one from Faker.
    """

    identifier_type: str
    value: str
    name: str | None = None

    @property
    def nip(self) -> str:
        """The NIP in ``Podmiot2`` (for an internal id, its NIP part)."""
        return self.value.split("-", 1)[0]

    def problems(self) -> list[str]:
        """Why this buyer is unusable (empty when it is fine)."""
        if self.identifier_type not in BUYER_TYPES:
            return [f"buyer.identifier_type must be one of {', '.join(BUYER_TYPES)}"]
        if self.identifier_type == "InternalId":
            nip, _, unit = self.value.partition("-")
            if not (len(unit) == 5 and unit.isdigit()):
                return [f"buyer internal id '{self.value}' is not NIP-nnnnn"]
        else:
            nip = self.value
        if not nip_checksum_ok(nip) or nip[1:3] == "00" or nip[0] == "0":
            return [f"buyer NIP '{nip}' is not a valid NIP"]
        return self._name_problems()

    def _name_problems(self) -> list[str]:
        name: object = self.name
        if name is None:
            return []
        limit = _NAME_LIMITS[self.identifier_type]
        if not isinstance(name, str) or not 1 <= len(name) <= limit:
            return [f"buyer.name must be text of 1 to {limit} characters, not {name!r:.40}"]
        bad = _UNWRITABLE.search(name)
        if bad is not None:
            return [
                f"buyer.name must not contain control characters ({bad.group()!r} at "
                f"position {bad.start()})"
            ]
        return []


@dataclass(frozen=True)
class InboxSpec:
    """An inbox of ``count`` incoming invoices accepted between ``start`` and ``end``.

    Attributes:
        buyer: whose inbox.
        count: how many invoices.
        start: the first invoicing date (inclusive, timezone-aware).
        end: the invoicing dates end before this instant.
        form: ``FA (3)`` (default) or ``FA (2)``.
        mix: fractions of KOR/ZAL/attachments/foreign currency/offline; ``None``: the
            form's default (:class:`InvoiceMix` or :data:`FA2_MIX`).
        seed: same seed, same invoices (byte for byte).
        sellers: size of the seller pool (the same sellers recur).
        storage_lag: ``permanentStorageDate`` follows ``acquisitionDate`` by at least this.
    """

    buyer: Buyer
    count: int
    start: datetime
    end: datetime
    form: str = "FA (3)"
    mix: InvoiceMix | None = None
    seed: int = 0
    sellers: int = 200
    storage_lag: timedelta = field(default=timedelta(seconds=1))

    @property
    def effective_mix(self) -> InvoiceMix:
        """The mix in force (the form's default when none was given)."""
        if self.mix is not None:
            return self.mix
        return FA2_MIX if self.form == "FA (2)" else InvoiceMix()

    def validate(self) -> InboxSpec:
        """Return ``self`` when usable.

        Raises:
            InboxSpecError: naming every problem found.
        """
        found = [*self.buyer.problems()]
        if self.form not in FORMS:
            found.append(f"form must be one of {', '.join(FORMS)}, not '{self.form}'")
        if self.count < 0:
            found.append("count must not be negative")
        if not 1 <= self.sellers <= 100_000:
            found.append("sellers must be between 1 and 100000")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            found.append("start and end must be timezone-aware")
        elif self.end <= self.start:
            found.append("end must be after start")
        elif self.form in _EARLIEST and not _EARLIEST[self.form] <= self.start < _LATEST:
            found.append(
                f"start must be between {_EARLIEST[self.form].date()} and {_LATEST.date()} "
                f"for {self.form} (DataWytworzeniaFa bounds)"
            )
        elif self.end > _LATEST:
            found.append(f"end must not be after {_LATEST.date()}")
        if self.storage_lag < timedelta(0):
            found.append("storage_lag must not be negative")
        found.extend(self.effective_mix.problems(self.form))
        if found:
            raise InboxSpecError("; ".join(found))
        return self
