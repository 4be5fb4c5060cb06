"""What the receiving side keeps of an accepted invoice: its metadata record and roles.

One record per KSeF number, built from the stored XML (``derive.py``) and the dates of
the session pipeline. :func:`record_received_invoice` is the single way in: online and
batch acceptance call it, and so does anything that stores invoices "as if another
context had sent them" (the inbox generator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.domain.session import FormCode
from mock_ksef.timefmt import iso

SUBJECT_TYPES = ("Subject1", "Subject2", "Subject3", "SubjectAuthorized")


@dataclass(frozen=True)
class Identifier:
    """A party's identifier: ``Nip``, ``InternalId``, ``VatUe``, ``Other`` or ``None``."""

    type: str
    value: str | None = None


@dataclass(frozen=True)
class ThirdSubject:
    """One ``Podmiot3``: identifier, name, role (``Rola`` 1..11, 0 for ``RolaInna``)."""

    identifier: Identifier
    name: str | None
    role: int


@dataclass(frozen=True)
class AuthorizedSubject:
    """``PodmiotUpowazniony``: NIP, name, role (``RolaPU`` 1..3)."""

    nip: str
    name: str | None
    role: int


@dataclass(frozen=True)
class InvoiceContent:
    """What the metadata takes from the invoice XML (``BRIEF-RETRIEVAL.md`` 2.4)."""

    invoice_number: str
    issue_date: str  # YYYY-MM-DD
    seller_nip: str
    seller_name: str | None
    buyer: Identifier
    buyer_name: str | None
    net_amount: float
    vat_amount: float
    gross_amount: float
    currency: str
    invoice_type: str  # the spec's InvoiceType (Vat, Kor, VatPef, ...)
    form_type: str  # the filter's formType: FA, PEF or FA_RR
    is_self_invoicing: bool
    has_attachment: bool
    third_subjects: tuple[ThirdSubject, ...] = ()
    authorized_subject: AuthorizedSubject | None = None


@dataclass(frozen=True)
class StorageDates:
    """The dates of an accepted invoice on the mock's clock.

    ``available_from`` is when query, export and download first see the invoice (``None``:
    at ``permanent_storage``); a scenario can hold it back past ``permanent_storage``.
    """

    invoicing: datetime
    acquisition: datetime
    permanent_storage: datetime
    available_from: datetime | None = None


@dataclass(frozen=True)
class InvoiceRecord:
    """The metadata record of one received invoice (``InvoiceMetadata`` plus internals)."""

    ksef_number: str
    content: InvoiceContent
    form_code: FormCode
    invoice_hash: str
    invoice_size: int
    invoicing_date: datetime
    acquisition_date: datetime
    permanent_storage_date: datetime
    available_from: datetime
    invoicing_mode: str  # Online | Offline
    hash_of_corrected_invoice: str | None = None

    def date_of(self, date_type: str) -> str:
        """The sortable value of ``Issue``/``Invoicing``/``PermanentStorage`` (see repo)."""
        if date_type == "Issue":
            return self.content.issue_date
        if date_type == "Invoicing":
            return iso(self.invoicing_date)
        return iso(self.permanent_storage_date)


def roles(content: InvoiceContent) -> tuple[tuple[str, str], ...]:
    """``(subjectType, context key)`` pairs whose logged-in context sees the invoice.

    Context keys are ``ContextId.key`` texts (``Nip:5265877635``). A NipVatUe context
    ``N-V`` sees, as ``Subject1``, what seller ``N`` issued to the EU buyer ``V``.
    """
    found: list[tuple[str, str]] = [("Subject1", f"Nip:{content.seller_nip}")]
    buyer = content.buyer
    if buyer.type == "VatUe" and buyer.value:
        found.append(("Subject1", f"NipVatUe:{content.seller_nip}-{buyer.value}"))
    if buyer.type == "Nip" and buyer.value:
        found.append(("Subject2", f"Nip:{buyer.value}"))
    for third in content.third_subjects:
        if third.identifier.type in ("Nip", "InternalId") and third.identifier.value:
            found.append(("Subject3", f"{third.identifier.type}:{third.identifier.value}"))
    if content.authorized_subject is not None:
        found.append(("SubjectAuthorized", f"Nip:{content.authorized_subject.nip}"))
    return tuple(dict.fromkeys(found))


def build_record(
    xml: bytes,
    content: InvoiceContent,
    *,
    ksef_number: str,
    form_code: FormCode,
    dates: StorageDates,
    invoicing_mode: str,
    invoice_hash: str | None = None,
    hash_of_corrected_invoice: str | None = None,
) -> InvoiceRecord:
    """The record of ``xml`` (its hash is computed when not given)."""
    stored = dates.permanent_storage
    return InvoiceRecord(
        ksef_number=ksef_number,
        content=content,
        form_code=form_code,
        invoice_hash=invoice_hash or sha256_b64(xml),
        invoice_size=len(xml),
        invoicing_date=dates.invoicing,
        acquisition_date=dates.acquisition,
        permanent_storage_date=dates.permanent_storage,
        available_from=max(dates.available_from or stored, stored),
        invoicing_mode=invoicing_mode,
        hash_of_corrected_invoice=hash_of_corrected_invoice,
    )


def _identifier_doc(identifier: Identifier) -> dict[str, Any]:
    return {"type": identifier.type, "value": identifier.value}


def record_doc(record: InvoiceRecord) -> dict[str, Any]:
    """``codec.to_doc(record)``, written out: the same keys in the same order, ~15 times
    faster (the generic encoder asks ``dataclasses.fields`` of every nested value)."""
    content = record.content
    authorized = content.authorized_subject
    form = record.form_code
    return {
        "ksef_number": record.ksef_number,
        "content": {
            "invoice_number": content.invoice_number,
            "issue_date": content.issue_date,
            "seller_nip": content.seller_nip,
            "seller_name": content.seller_name,
            "buyer": _identifier_doc(content.buyer),
            "buyer_name": content.buyer_name,
            "net_amount": content.net_amount,
            "vat_amount": content.vat_amount,
            "gross_amount": content.gross_amount,
            "currency": content.currency,
            "invoice_type": content.invoice_type,
            "form_type": content.form_type,
            "is_self_invoicing": content.is_self_invoicing,
            "has_attachment": content.has_attachment,
            "third_subjects": [
                {"identifier": _identifier_doc(t.identifier), "name": t.name, "role": t.role}
                for t in content.third_subjects
            ],
            "authorized_subject": None
            if authorized is None
            else {"nip": authorized.nip, "name": authorized.name, "role": authorized.role},
        },
        "form_code": {
            "system_code": form.system_code,
            "schema_version": form.schema_version,
            "value": form.value,
        },
        "invoice_hash": record.invoice_hash,
        "invoice_size": record.invoice_size,
        "invoicing_date": record.invoicing_date.isoformat(),
        "acquisition_date": record.acquisition_date.isoformat(),
        "permanent_storage_date": record.permanent_storage_date.isoformat(),
        "available_from": record.available_from.isoformat(),
        "invoicing_mode": record.invoicing_mode,
        "hash_of_corrected_invoice": record.hash_of_corrected_invoice,
    }
