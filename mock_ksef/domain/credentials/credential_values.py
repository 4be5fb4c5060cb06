"""Values of the credentials model: modes, permission names, tokens, grants, operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mock_ksef.domain.auth.values import ContextId, Party

#: Official ``reference|nip-NNNNNNNNNN|secret`` tokens the mock did not issue are owner
#: tokens of their context; strangers in an unmanaged context keep full rights.
PERMISSIVE = "permissive"
#: Only tokens this mock issued (or a scenario seeded) log in; the owner rule and grants
#: alone decide certificate logins (as on TEST).
STRICT = "strict"
MODES = (PERMISSIVE, STRICT)

#: What an owner (identity NIP = context NIP, or a PESEL linked to it) may do
#: (BRIEF-ADMIN 1.2; CollectiveIdentifierManage since 2.7).
OWNER_PERMISSIONS: tuple[str, ...] = (
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "CredentialsManage",
    "CredentialsRead",
    "SubunitManage",
    "CollectiveIdentifierManage",
)
#: ``TokenPermissionType`` of the spec (2.9.0).
TOKEN_PERMISSIONS: tuple[str, ...] = (
    "InvoiceRead",
    "InvoiceWrite",
    "CredentialsRead",
    "CredentialsManage",
    "SubunitManage",
    "EnforcementOperations",
    "Introspection",
    "CollectiveIdentifierManage",
)
#: ``PersonPermissionType`` of the spec (2.9.0): the same eight names.
PERSON_PERMISSIONS: tuple[str, ...] = TOKEN_PERMISSIONS

PERSON = "person"
ENTITY = "entity"
AUTHORIZATION = "authorization"
INDIRECT = "indirect"
SUBUNIT = "subunit"
EU_ADMIN = "eu-admin"
EU_ENTITY = "eu-entity"
GRANT_KINDS = (PERSON, ENTITY, AUTHORIZATION, INDIRECT, SUBUNIT, EU_ADMIN, EU_ENTITY)
#: ``EntityPermissionType`` / ``IndirectPermissionType`` (2.9.0).
ENTITY_PERMISSIONS: tuple[str, ...] = ("InvoiceWrite", "InvoiceRead", "CollectiveIdentifierManage")
#: ``EntityAuthorizationPermissionType``: checked per invoice, never in a login's rights.
AUTHORIZATIONS: tuple[str, ...] = (
    "SelfInvoicing",
    "RRInvoicing",
    "TaxRepresentative",
    "PefInvoicing",
)
#: ``EuEntityPermissionType``.
EU_ENTITY_PERMISSIONS: tuple[str, ...] = ("InvoiceWrite", "InvoiceRead")
#: What an EU-entity administrator holds in its NipVatUe context (BRIEF-ADMIN 1.2, 5).
EU_ADMIN_PERMISSIONS: tuple[str, ...] = (
    "VatUeManage",
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
)

PENDING = "Pending"
ACTIVE = "Active"
REVOKING = "Revoking"
REVOKED = "Revoked"
FAILED = "Failed"
TOKEN_STATUSES = (PENDING, ACTIVE, REVOKING, REVOKED, FAILED)

BAD_TOKEN = "Nieprawidłowy token"
INACTIVE_TOKEN = "Token nieaktywny"
REVOKED_TOKEN = "Token unieważniony"
NO_PERMISSIONS = "Brak przypisanych uprawnień"
#: Auth status 470 and redeem/refresh 21308 (BRIEF-ADMIN 3.6, the spec's tables).
DECEASED = "Próba wykorzystania metod autoryzacyjnych osoby zmarłej"


@dataclass(frozen=True)
class KsefToken:
    """A KSeF token (``EC`` reference); only a hash of its secret is kept."""

    reference: str
    secret_hash: str
    context: ContextId
    author: Party
    description: str
    permissions: tuple[str, ...]
    status: str
    date_created: datetime
    status_details: tuple[str, ...] = ()
    last_use_date: datetime | None = None
    #: Status reads that still show ``Pending`` / ``Revoking`` (scenario knobs).
    activation_polls: int = 0
    revoking_polls: int = 0
    #: Set when the activation must end ``Failed`` (with ``status_details``).
    fail_activation: bool = False
    #: A scenario seeded it Pending or Revoking: status reads never move it on.
    held: bool = False


@dataclass(frozen=True)
class Grant:
    """One granted permission (one row of the query endpoints)."""

    id: str
    #: ``person``, ``entity``, ``authorization``, ``indirect``, ``subunit``, ``eu-admin``,
    #: ``eu-entity`` (see :data:`GRANT_KINDS`).
    kind: str
    context: ContextId
    subject: Party
    permission: str
    author: Party
    description: str
    start_date: datetime
    subject_details: dict[str, object] = field(default_factory=dict)
    #: ``Pending`` until its operation succeeds, then ``Active``; ``Revoked`` at the end.
    state: str = "Active"
    can_delegate: bool = False
    #: An indirect grant's client (``None``: general, ``AllPartners``).
    target: ContextId | None = None
    #: The context that made the grant when it acts elsewhere (subunit, EU-admin grants).
    origin: ContextId | None = None
    #: Kind-specific text: ``subunitName``, ``euEntityName``, ``euEntityDetails``.
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def grantor(self) -> ContextId:
        """The context the grant was made in (and may be revoked from)."""
        return self.origin or self.context


@dataclass(frozen=True)
class PermissionOperation:
    """An asynchronous grant or revoke (``EG`` reference) and its outcome."""

    reference: str
    context: ContextId
    created: datetime
    code: int
    details: tuple[str, ...] = ()
    #: Grant ids this operation activates (grant) or revokes (revoke) when it succeeds.
    grants: tuple[str, ...] = ()
    action: str = "grant"
    pending_polls: int = 0
    applied: bool = False


OPERATION_TEXT: dict[int, str] = {
    100: "Operacja przyjęta do realizacji",
    200: "Operacja zakończona sukcesem",
    400: "Operacja zakończona niepowodzeniem",
    410: "Podane identyfikatory są niezgodne lub pozostają w niewłaściwej relacji",
    420: "Użyte poświadczenia nie mają uprawnień do wykonania tej operacji",
    430: "Kontekst identyfikatora nie odpowiada wymaganej roli lub uprawnieniom",
    440: "Operacja niedozwolona dla wskazanych powiązań identyfikatorów",
    450: "Operacja niedozwolona dla wskazanego identyfikatora lub jego typu",
    500: "Nieznany błąd",
    550: "Operacja została anulowana przez system",
}
