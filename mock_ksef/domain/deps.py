"""What the use cases need, named: one small frozen bundle per use-case family.

The composition root (``mock_ksef/services.py::build_services``, called by ``app.py``)
builds these once per app; an HTTP handler takes the one its use case asks for from
``mock_ksef/http/context.py`` (``session_deps()``, ``batch_deps()``, ``auth_deps()``).
Nothing here imports the services bundle: the domain sees only what it is given.

* :class:`SessionDeps` — online sessions, status reads, UPOs, forcing a status;
* :class:`BatchDeps` — batch sessions: :class:`SessionDeps` plus the part files and the
  process that owns a close;
* :class:`AuthDeps` — challenges, logins, tokens and authentication operations.

Settings reach the domain only as the slices below (:class:`SessionConfig`,
:class:`AuthConfig`): a use case names every number it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mock_ksef.clock import Clock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain.auth.tokens import TokenService
from mock_ksef.domain.part_store import PartStore, Worker
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.testdata import SessionLimits
from mock_ksef.ids import IdFactory, RefType
from mock_ksef.scenario.registry import ScenarioRegistry
from mock_ksef.settings import Settings
from mock_ksef.store.base import Store
from mock_ksef.xml.schemas import SchemaRegistry


@dataclass(frozen=True)
class Numbering:
    """Fresh identifiers: a store sequence (unique across restarts and workers) plus the
    app's seeded generator (``ids`` is reseeded in place by ``POST /_mock/seed``)."""

    store: Store
    ids: IdFactory

    def reference(self, kind: RefType, when: datetime) -> str:
        """A fresh reference number of ``kind`` dated ``when``."""
        return self.ids.reference(kind, when, self.store.next_sequence("reference"))

    def ksef_number(self, seller_nip: str, when: datetime) -> str:
        """A fresh KSeF number of ``seller_nip`` dated ``when``."""
        return self.ids.ksef_number(seller_nip, when, self.store.next_sequence("ksef"))

    def token_id(self) -> str:
        """A JWT id unique across worker processes (a store sequence plus random hex)."""
        return f"{self.store.next_sequence('jti'):010x}{self.ids.hex_token(6)}"


@dataclass(frozen=True)
class SessionConfig:
    """The settings sessions read."""

    #: Validity of a new session when its scenario names none.
    session_ttl_s: int
    #: Form system codes this mock accepts at all (``FA (3)``…).
    allowed_form_codes: tuple[str, ...]
    #: Invoices per session and invoice sizes when ``/testdata/limits`` set none.
    default_limits: SessionLimits
    upo_page_size: int
    upo_entity_name: str
    upo_link_ttl_s: int

    @classmethod
    def of(cls, settings: Settings) -> SessionConfig:
        """The slice of ``settings`` sessions read."""
        return cls(
            session_ttl_s=settings.session_ttl_s,
            allowed_form_codes=tuple(settings.allowed_form_codes),
            default_limits=SessionLimits(
                settings.max_invoices_per_session,
                settings.max_invoice_bytes,
                settings.max_invoice_with_attachment_bytes,
            ),
            upo_page_size=settings.upo_page_size,
            upo_entity_name=settings.upo_entity_name,
            upo_link_ttl_s=settings.upo_link_ttl_s,
        )


@dataclass(frozen=True)
class SessionDeps:
    """What online sessions, status reads, UPOs and forcing need."""

    clock: Clock
    #: Transactions, ``/testdata`` limits and consents, cached UPO documents.
    store: Store
    repos: Repos
    numbering: Numbering
    #: Which scenario a new session runs under; retrieval's scenario knobs.
    scenarios: ScenarioRegistry
    #: ``symmetric_key`` unwraps session keys, ``upo`` signs UPOs.
    keys: KeyRing
    schemas: SchemaRegistry
    config: SessionConfig


@dataclass(frozen=True)
class BatchDeps:
    """What batch sessions need: the session dependencies, the part files, the worker."""

    sessions: SessionDeps
    parts: PartStore
    #: This process as the owner of a close in progress (and who else still lives).
    worker: Worker


@dataclass(frozen=True)
class AuthConfig:
    """The settings logins and tokens read (lifetimes in seconds)."""

    challenge_ttl_s: int
    operation_token_ttl_s: int
    access_token_ttl_s: int
    refresh_token_ttl_s: int
    auth_status_retention_s: int
    #: Folder of the auth XSDs (empty: the bundled ones).
    auth_schema_dir: str

    @classmethod
    def of(cls, settings: Settings) -> AuthConfig:
        """The slice of ``settings`` authentication reads."""
        return cls(
            challenge_ttl_s=settings.challenge_ttl_s,
            operation_token_ttl_s=settings.operation_token_ttl_s,
            access_token_ttl_s=settings.access_token_ttl_s,
            refresh_token_ttl_s=settings.refresh_token_ttl_s,
            auth_status_retention_s=settings.auth_status_retention_s,
            auth_schema_dir=settings.auth_schema_dir,
        )


@dataclass(frozen=True)
class AuthDeps:
    """What challenges, logins and authentication operations need."""

    clock: Clock
    #: Transactions, ``/testdata`` blocks, the certificate registry.
    store: Store
    repos: Repos
    numbering: Numbering
    tokens: TokenService
    #: ``ksef_token`` decrypts KSeF tokens, ``ca`` is the mock's certificate authority.
    keys: KeyRing
    config: AuthConfig
