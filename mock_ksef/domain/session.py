"""Session values and the texts of their status codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from mock_ksef.domain.auth.values import ContextId
from mock_ksef.scenario.model import InvoiceRule, Outcome, SessionPlan


class SessionKind(StrEnum):
    """``sessionType`` of ``GET /sessions``."""

    ONLINE = "Online"
    BATCH = "Batch"


class SessionStatus(IntEnum):
    """Session status codes the code compares against (texts: the tables below)."""

    OPEN = 100
    BATCH_PROCESSING = 150
    ONLINE_CLOSED = 170
    SUCCEEDED = 200
    KEY_ERROR = 415
    CANCELLED = 440
    NO_VALID_INVOICES = 445
    UNKNOWN_ERROR = 500


ONLINE_STATUS_TEXT: dict[int, str] = {
    100: "Sesja interaktywna otwarta",
    170: "Sesja interaktywna zamknięta",
    200: "Sesja interaktywna przetworzona pomyślnie",
    415: "Błąd odszyfrowania dostarczonego klucza",
    440: "Sesja anulowana",
    445: "Błąd weryfikacji, brak poprawnych faktur",
}
BATCH_STATUS_TEXT: dict[int, str] = {
    100: "Sesja wsadowa rozpoczęta",
    150: "Trwa przetwarzanie",
    200: "Sesja wsadowa przetworzona pomyślnie",
    405: "Błąd weryfikacji poprawności dostarczonych elementów paczki",
    415: "Błąd odszyfrowania dostarczonego klucza",
    420: "Przekroczony limit faktur w sesji",
    430: "Błąd dekompresji pierwotnego archiwum",
    435: "Błąd odszyfrowania zaszyfrowanych części archiwum",
    440: "Sesja anulowana",
    445: "Błąd weryfikacji, brak poprawnych faktur",
    500: "Nieznany błąd ({statusCode})",
}
NO_INVOICES = "Nie przesłano faktur"
SEND_TIME_EXCEEDED = "Przekroczono czas wysyłki"

IN_PROGRESS = frozenset({100, 150, 170})


def common_status(code: int) -> str:
    """The ``CommonSessionStatus`` value of a session code."""
    if code in IN_PROGRESS:
        return "InProgress"
    if code == 200:
        return "Succeeded"
    if code == 440:
        return "Cancelled"
    return "Failed"


@dataclass(frozen=True)
class FormCode:
    """``formCode`` of a session."""

    system_code: str
    schema_version: str
    value: str


@dataclass(frozen=True)
class StatusEvent:
    """One transition of a session's status, stamped with when it was due."""

    code: int
    at: datetime
    cause: str


@dataclass(frozen=True)
class UpoPage:
    """One page of a session UPO (the XML itself is a blob)."""

    reference: str
    number: int
    first_ordinal: int
    last_ordinal: int


@dataclass(frozen=True)
class BatchPart:
    """One declared part of a batch package and what was uploaded for it."""

    ordinal: int
    size: int
    hash: str
    uploaded: bool = False
    uploaded_size: int = 0
    uploaded_hash: str = ""


@dataclass(frozen=True)
class BatchInfo:
    """The declared package of a batch session (``batchFile``)."""

    file_size: int
    file_hash: str
    compression: str  # Zip | TarGz
    parts: tuple[BatchPart, ...]
    offline_mode: bool = False
    upload_deadline: datetime | None = None
    #: Set from the close until the processing outcome is committed (status 150 meanwhile).
    processing: bool = False


@dataclass(frozen=True)
class Session:
    """An online or batch session."""

    reference: str
    kind: SessionKind
    context: ContextId
    auth_reference: str
    form_code: FormCode
    created: datetime
    updated: datetime
    valid_until: datetime
    status_code: int
    status_details: tuple[str, ...] = ()
    #: The unwrapped AES key and IV (Base64); empty when the key could not be unwrapped.
    aes_key: str = ""
    iv: str = ""
    key_error: str = ""
    closed_at: datetime | None = None
    invoice_count: int = 0
    successful_count: int = 0
    failed_count: int = 0
    upo_pages: tuple[UpoPage, ...] = ()
    history: tuple[StatusEvent, ...] = ()
    #: The scenario the session runs under, and its plan for this session type (copied
    #: at open, so a later change of the scenario does not change a running session).
    scenario: str = "natural"
    plan: SessionPlan = field(default_factory=SessionPlan)
    #: Status reads answered while processing (170 online, 150 batch); drives
    #: ``plan.processing.polls``.
    polls_in_progress: int = 0
    #: Batch: the outcome the real processing produced at close, revealed when due.
    pending: Outcome | None = None
    batch: BatchInfo | None = None
    #: When the last counted status read happened (the poll rule's due time).
    last_poll_at: datetime | None = None
    #: The scenario's invoice rules, copied at open like ``plan``.
    invoice_rules: tuple[InvoiceRule, ...] = ()
    #: A description replacing the spec's text (500 "Nieznany błąd (n)"); empty: the spec's.
    status_text: str = ""

    @property
    def status_description(self) -> str:
        """The spec's description of the current code."""
        if self.status_text:
            return self.status_text
        texts = ONLINE_STATUS_TEXT if self.kind is SessionKind.ONLINE else BATCH_STATUS_TEXT
        return texts.get(self.status_code, "Nieznany błąd ({statusCode})")
