"""Invoice values and the texts of invoice status codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

INVOICE_STATUS_TEXT: dict[int, str] = {
    100: "Faktura przyjęta do dalszego przetwarzania",
    150: "Trwa przetwarzanie",
    200: "Sukces",
    405: "Przetwarzanie anulowane z powodu błędu sesji",
    410: "Nieprawidłowy zakres uprawnień",
    415: "Brak możliwości wysyłania faktury z załącznikiem",
    430: "Błąd weryfikacji pliku faktury",
    435: "Błąd odszyfrowania pliku",
    440: "Duplikat faktury",
    450: "Błąd weryfikacji semantyki dokumentu faktury",
    500: "Nieznany błąd ({statusCode})",
    550: "Operacja została anulowana przez system",
}


@dataclass(frozen=True)
class Invoice:
    """An invoice sent in a session and what became of it."""

    reference: str
    session_reference: str
    ordinal: int
    invoice_hash: str
    invoice_size: int
    invoicing_date: datetime
    status_code: int
    status_details: tuple[str, ...] = ()
    status_extensions: dict[str, str] = field(default_factory=dict)
    invoice_number: str | None = None
    seller_nip: str | None = None
    issue_date: str | None = None
    invoice_kind: str | None = None
    ksef_number: str | None = None
    acquisition_date: datetime | None = None
    permanent_storage_date: datetime | None = None
    invoicing_mode: str = "Online"
    file_name: str | None = None
    #: The send request's ``hashOfCorrectedInvoice`` (retrieval metadata).
    hash_of_corrected_invoice: str | None = None
    #: A description replacing the spec's text (500 "Nieznany błąd (n)"); empty: the spec's.
    status_text: str = ""

    @property
    def status_description(self) -> str:
        """The spec's description of the current code."""
        if self.status_text:
            return self.status_text
        return INVOICE_STATUS_TEXT.get(self.status_code, "Nieznany błąd ({statusCode})")

    @property
    def succeeded(self) -> bool:
        """Whether the invoice got a KSeF number."""
        return self.status_code == 200
