"""The scenario language's intermediate representation: frozen, format-neutral values.

A YAML file (``loader.py``) is validated against ``schema.json`` and turned into a
:class:`Scenario`. Scenarios are data only: no expressions, no code. Every field has a
default that means "behave like the real KSeF TEST environment".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

#: Final session codes a scenario may force, per session type (the spec's
#: ``SessionStatusResponse`` table).
ONLINE_OUTCOMES = frozenset({200, 415, 440, 445})
BATCH_OUTCOMES = frozenset({200, 405, 415, 420, 430, 435, 440, 445, 500})
#: Invoice status codes a scenario may force (``InvoiceStatusInfo``).
INVOICE_OUTCOMES = frozenset({200, 405, 410, 415, 430, 435, 440, 450, 500, 550})
#: Authentication operation codes a scenario may force (``GET /auth/{ref}``).
AUTH_OUTCOMES = frozenset({200, 415, 425, 450, 460, 470, 480, 500, 550})
#: Certificate enrolment codes a scenario may force (``GET /certificates/enrollments/{ref}``).
ENROLLMENT_OUTCOMES = frozenset({200, 400, 500, 550})


@dataclass(frozen=True)
class Selector:
    """When a scenario applies, besides an explicit ``X-Mock-Scenario`` header."""

    #: Context identifier values (NIP, InternalId, ...) whose logins use the scenario.
    contexts: tuple[str, ...] = ()
    #: Exact KSeF tokens whose logins use the scenario.
    tokens: tuple[str, ...] = ()
    #: Whether this is the scenario used when nothing else matches.
    default: bool = False


@dataclass(frozen=True)
class Delay:
    """How long an in-progress code (100 for auth, 170 online, 150 batch) is shown.

    Both count: the state moves on once ``seconds`` have passed on the mock's clock **and**
    ``polls`` status reads have answered with the in-progress code.
    """

    seconds: float = 0.0
    polls: int = 0


@dataclass(frozen=True)
class Outcome:
    """A forced final status; ``details`` ``None`` means the spec's text for the code."""

    code: int
    details: tuple[str, ...] | None = None
    #: For batch 500 "Nieznany błąd ({statusCode})": the number shown in the description.
    status_code: int | None = None


@dataclass(frozen=True)
class SessionPlan:
    """Lifecycle of one session type under a scenario."""

    processing: Delay = field(default_factory=Delay)
    outcome: Outcome | None = None
    #: Session validity (default: the setting, 12 h).
    validity_seconds: int | None = None
    #: Batch only: the part-upload window (default 20 min x number of parts).
    upload_window_seconds: int | None = None
    #: Online only: once the session holds this many invoices, every further send is
    #: 400 21184 "Sesja tymczasowo niedostępna." (``None``: never).
    send_unavailable_after: int | None = None


@dataclass(frozen=True)
class InvoiceMatch:
    """Which invoices a rule is about; every given field must match."""

    #: 1-based ordinal number in the session.
    position: int | None = None
    #: ``fnmatch`` pattern on the invoice number (``P_2``), e.g. ``FV/*/2026``.
    invoice_number: str | None = None
    seller_nip: str | None = None


@dataclass(frozen=True)
class InvoiceRule:
    """Force the outcome of matching invoices (``duplicate`` is code 440)."""

    match: InvoiceMatch
    outcome: Outcome


@dataclass(frozen=True)
class AuthPlan:
    """Authentication under a scenario."""

    delay: Delay = field(default_factory=Delay)
    outcome: Outcome = field(default_factory=lambda: Outcome(200))
    #: Permissions granted (``None``: the default set).
    permissions: tuple[str, ...] | None = None
    operation_token_seconds: int | None = None
    access_token_seconds: int | None = None
    refresh_token_seconds: int | None = None


@dataclass(frozen=True)
class EnrollmentPlan:
    """KSeF-certificate enrolment under a scenario (default: issued at the first read)."""

    #: How long ``GET /certificates/enrollments/{ref}`` answers 100.
    delay: Delay = field(default_factory=Delay)
    #: A forced final code (400, 500, 550; 200 issues as usual); ``None``: issue.
    outcome: Outcome | None = None


@dataclass(frozen=True)
class GrantSeed:
    """A grant a scenario gives in each of ``contexts`` (``credentials.persons`` and friends).

    ``kind`` is ``person``, ``entity`` or ``authorization`` (the credentials grant kinds);
    ``subject`` is ``(type, value)``: Pesel/Nip/Fingerprint for a person, Nip for an
    entity, Nip/PeppolId for an authorisation.
    """

    kind: str
    contexts: tuple[str, ...]
    subject: tuple[str, str]
    permissions: tuple[str, ...]
    description: str
    #: A person's first and last name, or an entity's full name (``("", full name)``).
    names: tuple[str, str] = ("", "")
    can_delegate: bool = False


@dataclass(frozen=True)
class TokenSeed:
    """A KSeF token a scenario holds ready (``credentials.tokens``); its context is the one
    the official-shaped ``token`` text names."""

    token: str
    permissions: tuple[str, ...]
    status: str = "Active"
    status_details: tuple[str, ...] = ()
    description: str = "Token ze scenariusza"
    #: ``(type, value)`` of the author (``None``: the context's NIP, its owner).
    author: tuple[str, str] | None = None


@dataclass(frozen=True)
class CredentialsPlan:
    """KSeF tokens and permission grants under a scenario (``docs/permissions.md``)."""

    #: ``permissive`` or ``strict`` (``None``: the ``credentials_mode`` setting).
    mode: str | None = None
    #: Status reads of a new token that still show ``Pending`` / a revoked one ``Revoking``.
    token_activation_polls: int = 0
    token_revoking_polls: int = 0
    #: ``Failed``: new tokens fail their activation, with these ``statusDetails``.
    token_activation: str | None = None
    token_failure_details: tuple[str, ...] = ()
    #: Status reads of a grant or revoke operation that still answer 100.
    permission_op_polls: int = 0
    #: A forced final code of grant and revoke operations (400, 410-450, 500, 550).
    permission_op: Outcome | None = None
    #: Grants and tokens stored once per store before the first credentials call.
    grants: tuple[GrantSeed, ...] = ()
    tokens: tuple[TokenSeed, ...] = ()


#: What a scripted fault does (``schema.json``'s ``fault.kind``; see :class:`Fault`).
FaultKind = Literal["latency", "status", "reset", "commit_then_fail"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
#: The body of a ``status``/``commit_then_fail`` answer (``schema.json``'s ``fault.body``).
FaultBody = Literal["spec", "html", "empty"]
FAULT_BODIES: tuple[FaultBody, ...] = get_args(FaultBody)


@dataclass(frozen=True)
class Fault:
    """An HTTP-level fault on matching requests.

    ``kind``: ``latency`` (answer late), ``status`` (answer ``status`` with ``body``
    ``spec``/``html``/``empty``, and ``retry_after`` for 429), ``reset`` (close the
    connection without an answer) or ``commit_then_fail`` (do the work, then answer
    ``status``).
    """

    kind: FaultKind
    #: ``METHOD /path/{template}`` as in the spec (``*`` for any method), or ``*``.
    route: str = "*"
    status: int = 503
    body: FaultBody = "spec"
    retry_after: int | None = None
    latency_ms: int = 0
    #: Skip this many matching requests first.
    after: int = 0
    #: Apply to at most this many matching requests (``None``: all).
    times: int | None = None
    #: Seeded chance that a matching request is hit.
    probability: float = 1.0


@dataclass(frozen=True)
class RateLimit:
    """Per-group limits (requests per second, minute and hour)."""

    per_second: int | None = None
    per_minute: int | None = None
    per_hour: int | None = None


@dataclass(frozen=True)
class RateLimitPlan:
    """The counting limiter: off by default; on, it uses the spec's ``x-rate-limits``."""

    enabled: bool = False
    #: Overrides per group name (``onlineSession``, ``sessionMisc``, ...).
    groups: dict[str, RateLimit] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrievalPlan:
    """The receiving side under a scenario (``docs/retrieval.md``)."""

    #: Seconds from acquisition to permanent storage: the read-your-writes lag in which
    #: a download answers 21165 and query/export do not list the invoice.
    download_lag_seconds: float = 0.0
    #: Seconds a matching invoice stays invisible after its permanent-storage date (a
    #: "late" invoice); the HWM stays below it meanwhile.
    permanent_storage_delay_seconds: float = 0.0
    #: Which invoices are held back (``None``: every invoice).
    delay_match: InvoiceMatch | None = None
    #: The records a metadata query can reach (the 10,000 cap), lowered to force
    #: ``isTruncated`` with few invoices.
    max_results: int = 10_000
    #: How far the permanent-storage HWM stays behind now.
    hwm_lag_seconds: float = 0.0


#: Final export codes a scenario may force (``InvoiceExportStatusResponse``), or ``stuck``.
EXPORT_OUTCOMES = frozenset({210, 415, 420, 500, 550})
#: What ``export.corrupt`` can spoil in part ``corrupt_part``.
EXPORT_CORRUPTIONS = frozenset(
    {"part_hash", "encrypted_part_hash", "meta_hash", "drop_meta_hash", "bytes"}
)


@dataclass(frozen=True)
class ExportPlan:
    """Exports under a scenario (``docs/retrieval.md``, Exports)."""

    #: Status polls answered with 100 before the export finishes (0: the first poll).
    polls_at_100: int = 0
    #: Seconds on the mock's clock before the export can finish.
    delay_seconds: float = 0.0
    #: End in this code instead of building (210/415/420/500/550), or ``stuck`` (100
    #: forever, holding a slot); ``None``: the natural outcome.
    force_status: int | str | None = None
    #: Exports in status 100 a context may have (21182 beyond), and slots taken already.
    concurrency_limit: int = 10
    occupied_slots: int = 0
    #: Package limits: invoices, and compressed archive bytes (1 GiB).
    max_invoices: int = 10_000
    max_bytes: int = 1_073_741_824
    #: Bytes of the plain archive per part (50 MiB).
    part_size: int = 52_428_800
    #: An empty result as ``parts: []`` instead of one part holding ``_metadata.json``.
    empty_parts: bool = False
    #: Spoil part ``corrupt_part``: a wrong ``partHash``/``encryptedPartHash``/
    #: ``x-ms-meta-hash``, no ``x-ms-meta-hash`` header, or flipped bytes.
    corrupt: str | None = None
    corrupt_part: int = 1
    #: 420 without its ``details`` (issue #847).
    omit_420_details: bool = False
    #: Part link lifetime, package lifetime (then 210), status retention (then 410).
    link_ttl_seconds: float = 3600.0
    package_ttl_seconds: float = 7 * 86400.0
    status_retention_seconds: float = 7 * 86400.0


@dataclass(frozen=True)
class InboxPlan:
    """An inbox a scenario gives each context it applies to, on its first retrieval call."""

    count: int = 0
    #: The period: the ``days`` before the first retrieval call, or ``start``..``end``.
    days: float = 30.0
    start: str | None = None  # ISO date-time
    end: str | None = None
    form: str = "FA (3)"
    seed: int = 0
    sellers: int = 200
    #: ``InvoiceMix`` shares (``corrections``, ``advances``, ...); absent keys: the default.
    mix: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One scenario: a name, when it applies, and what the mock then does."""

    name: str
    description: str = ""
    select: Selector = field(default_factory=Selector)
    auth: AuthPlan = field(default_factory=AuthPlan)
    online: SessionPlan = field(default_factory=SessionPlan)
    batch: SessionPlan = field(default_factory=SessionPlan)
    invoices: tuple[InvoiceRule, ...] = ()
    faults: tuple[Fault, ...] = ()
    rate_limits: RateLimitPlan = field(default_factory=RateLimitPlan)
    retrieval: RetrievalPlan = field(default_factory=RetrievalPlan)
    enrollment: EnrollmentPlan = field(default_factory=EnrollmentPlan)
    export: ExportPlan = field(default_factory=ExportPlan)
    inbox: InboxPlan = field(default_factory=InboxPlan)
    credentials: CredentialsPlan = field(default_factory=CredentialsPlan)
    #: Where it was loaded from (a file path, or ``<api>``/``<builtin>``).
    source: str = "<builtin>"


#: The scenario in force when nothing selects another: behave like TEST.
NATURAL = Scenario(name="natural", description="Behave like the real TEST environment.")
