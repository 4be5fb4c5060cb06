"""Authentication values: challenges, authentication operations and token principals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Permissions a default subject holds in its own context.
DEFAULT_PERMISSIONS: tuple[str, ...] = (
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "CredentialsManage",
    "CredentialsRead",
)

AUTH_STATUS_TEXT: dict[int, str] = {
    100: "Uwierzytelnianie w toku",
    200: "Uwierzytelnianie zakończone sukcesem",
    415: "Uwierzytelnianie zakończone niepowodzeniem",
    425: "Uwierzytelnienie unieważnione",
    450: "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu",
    460: "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu",
    470: "Uwierzytelnianie zakończone niepowodzeniem",
    480: "Uwierzytelnienie zablokowane",
    500: "Nieznany błąd",
    550: "Operacja została anulowana przez system",
}


@dataclass(frozen=True)
class ContextId:
    """``contextIdentifier``: Nip, InternalId, NipVatUe or PeppolId and its value."""

    type: str
    value: str

    @property
    def key(self) -> str:
        """A stable text key, e.g. ``Nip:5265877635``."""
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class Party:
    """A subject identity: ``Nip``, ``Pesel`` or ``Fingerprint`` (``System`` for test data)
    and its value; who holds a certificate, a grant or a token."""

    type: str
    value: str

    @property
    def key(self) -> str:
        """A stable text key, e.g. ``Pesel:90010112345``."""
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class Challenge:
    """An authentication challenge; single use, short-lived."""

    value: str
    created: datetime
    used: bool = False


@dataclass(frozen=True)
class AuthMethod:
    """How the subject authenticated (``authenticationMethod`` and its info)."""

    legacy: str  # Token, QualifiedSeal, ...
    category: str  # Token, XadesSignature, ...
    code: str  # token.ksef, xades.qualified-seal, ...
    display_name: str


@dataclass(frozen=True)
class AuthOperation:
    """One authentication operation (``AU`` reference) and the tokens issued from it."""

    reference: str
    context: ContextId
    method: AuthMethod
    start_date: datetime
    status_code: int
    status_details: tuple[str, ...] = ()
    #: The authenticated subject, e.g. ``{"type": "Nip", "value": "..."}``.
    subject: dict[str, str] = field(default_factory=dict)
    permissions: tuple[str, ...] = DEFAULT_PERMISSIONS
    ksef_token_reference: str | None = None
    auth_document_hash: str | None = None
    redeemed: bool = False
    refresh_valid_until: datetime | None = None
    last_refresh: datetime | None = None
    revoked: bool = False
    #: Polls of ``GET /auth/{ref}`` that still answer 100 (scenario knob).
    pending_polls: int = 0
    #: The scenario selected at login; sessions opened with its tokens inherit it.
    scenario: str = "natural"
    #: ``GET /auth/{ref}`` answers 100 until then as well (scenario ``delay.seconds``).
    pending_until: datetime | None = None
    #: Token lifetimes the scenario sets (``None``: the settings).
    access_token_seconds: int | None = None
    refresh_token_seconds: int | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling a protected route, read from a verified bearer token."""

    context: ContextId
    auth_reference: str
    token_type: str  # ``access``, ``refresh`` or ``operation``
    permissions: tuple[str, ...] = ()
    jti: str = ""
