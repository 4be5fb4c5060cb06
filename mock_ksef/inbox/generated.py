"""A generated invoice: the exact bytes and everything KSeF knows about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mock_ksef.domain.retrieval.derive import INVOICE_TYPES
from mock_ksef.timefmt import iso


@dataclass(frozen=True, slots=True)
class Identifier:
    """A typed identifier (``Nip``, ``InternalId``, ...) with its value."""

    type: str
    value: str | None


@dataclass(frozen=True, slots=True)
class ThirdSubject:
    """A ``Podmiot3``: identifier, name, role (``Rola``, 0 for ``RolaInna``)."""

    identifier: Identifier
    name: str | None
    role: int


@dataclass(frozen=True, slots=True)
class GeneratedInvoice:
    """One incoming invoice, as KSeF would hold it after accepting it from its seller.

    Amounts are what the XML states (BRIEF-RETRIEVAL §2.4): ``net_amount`` = Σ ``P_13_*``,
    ``gross_amount`` = ``P_15`` (both in ``currency``), ``vat_amount`` = Σ ``P_14_*`` in PLN
    (Σ ``P_14_*W`` for a foreign currency); ``vat_in_currency`` = Σ ``P_14_*``.
    """

    xml: bytes
    invoice_hash: str  # Base64 SHA-256 of ``xml``
    size: int
    ksef_number: str
    invoice_number: str  # P_2
    invoice_kind: str  # RodzajFaktury
    system_code: str  # FA (3) / FA (2)
    schema_version: str
    issue_date: date  # P_1
    invoicing_date: datetime
    acquisition_date: datetime
    permanent_storage_date: datetime
    invoicing_mode: str  # Online / Offline
    seller_nip: str
    seller_name: str
    buyer: Identifier
    buyer_name: str
    third_subjects: tuple[ThirdSubject, ...]
    currency: str
    exchange_rate: Decimal | None
    net_amount: Decimal
    vat_amount: Decimal
    vat_in_currency: Decimal
    gross_amount: Decimal
    has_attachment: bool
    corrected_ksef_number: str | None  # KOR of an invoice in KSeF: its number
    session_reference: str  # the seller's online session that "sent" it
    invoice_reference: str  # EE reference within that session
    ordinal: int  # position in that session
    is_self_invoicing: bool = False
    hash_of_corrected_invoice: str | None = None  # only technical corrections carry one

    @property
    def invoice_type(self) -> str:
        """``InvoiceMetadata.invoiceType`` (``Vat``, ``Kor``, ``Zal``...)."""
        return INVOICE_TYPES[self.invoice_kind]

    def metadata(self) -> dict[str, Any]:
        """The ``InvoiceMetadata`` JSON object (open-api 2.9.0) of this invoice."""
        return {
            "ksefNumber": self.ksef_number,
            "invoiceNumber": self.invoice_number,
            "issueDate": self.issue_date.isoformat(),
            "invoicingDate": iso(self.invoicing_date),
            "acquisitionDate": iso(self.acquisition_date),
            "permanentStorageDate": iso(self.permanent_storage_date),
            "seller": {"nip": self.seller_nip, "name": self.seller_name},
            "buyer": {
                "identifier": {"type": self.buyer.type, "value": self.buyer.value},
                "name": self.buyer_name,
            },
            "netAmount": float(self.net_amount),
            "grossAmount": float(self.gross_amount),
            "vatAmount": float(self.vat_amount),
            "currency": self.currency,
            "invoicingMode": self.invoicing_mode,
            "invoiceType": self.invoice_type,
            "formCode": {
                "systemCode": self.system_code,
                "schemaVersion": self.schema_version,
                "value": "FA",
            },
            "isSelfInvoicing": self.is_self_invoicing,
            "hasAttachment": self.has_attachment,
            "invoiceHash": self.invoice_hash,
            "hashOfCorrectedInvoice": self.hash_of_corrected_invoice,
            "thirdSubjects": [
                {
                    "identifier": {"type": s.identifier.type, "value": s.identifier.value},
                    "name": s.name,
                    "role": s.role,
                }
                for s in self.third_subjects
            ],
        }
