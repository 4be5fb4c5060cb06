"""The bundle of everything mutable or injected, kept in ``app.extensions["mock_ksef"]``.

It is the composition root's: it builds, once per app, the narrow dependencies each
use-case family takes (:mod:`mock_ksef.domain.deps`). The domain never imports it.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mock_ksef.batch_files import FilePartStore, LeasedWorker, batch_root
from mock_ksef.batch_parts import StorePartStore
from mock_ksef.clock import Clock, parse_clock
from mock_ksef.crypto.keys import KeyRing, create_exclusive, load_or_create
from mock_ksef.domain.auth.tokens import TokenService
from mock_ksef.domain.deps import (
    AuthConfig,
    AuthDeps,
    BatchDeps,
    Numbering,
    SessionConfig,
    SessionDeps,
)
from mock_ksef.domain.part_store import PartStore
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import RetentionPolicy
from mock_ksef.ids import RefType, SequencedIds
from mock_ksef.scenario.registry import ScenarioRegistry
from mock_ksef.settings import Settings
from mock_ksef.shared_state import SharedSettings
from mock_ksef.store import MemoryStore, Store, open_store
from mock_ksef.xml.schemas import SchemaRegistry

if TYPE_CHECKING:
    from faker import Faker


@dataclass
class Services:
    """Clock, store, seeded randomness, keys and tokens of one app."""

    settings: Settings
    clock: Clock
    store: Store
    keys: KeyRing
    tokens: TokenService
    schemas: SchemaRegistry
    scenarios: ScenarioRegistry
    #: Batch parts (in the store, or files in ``batch_dir``), and this process as the
    #: owner of a close in progress.
    parts: PartStore
    worker: LeasedWorker
    rng: random.Random = field(init=False)
    ids: SequencedIds = field(init=False)
    #: The seed, clock and runtime scenarios every process sharing the store agrees on.
    shared: SharedSettings = field(init=False)
    #: Set to end the upkeep thread (lease, batch recovery; ``upkeep.py``).
    upkeep_stop: threading.Event = field(init=False, default_factory=threading.Event)
    numbering: Numbering = field(init=False)
    #: What each use-case family takes (built once; the handlers reach them through
    #: ``http/context.py``).
    session_deps: SessionDeps = field(init=False)
    batch_deps: BatchDeps = field(init=False)
    auth_deps: AuthDeps = field(init=False)
    _faker_seed: int = field(init=False, repr=False)
    _faker: Faker | None = field(init=False, default=None, repr=False)
    _faker_lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random()
        # Reseeded in place: the deps below keep it. Its random-looking parts derive from
        # (seed, store sequence), so every replica gives the same ids (docs/replicas.md).
        self.ids = SequencedIds(self.rng, sequence=self.store.next_sequence)
        self.reseed(self.settings.seed)
        self.shared = SharedSettings(
            self.store, self.clock, self.scenarios, self.settings.seed, self.reseed
        )
        self.numbering = Numbering(self.store, self.ids)
        repos = Repos(self.store, RetentionPolicy.of(self.settings))
        self.session_deps = SessionDeps(
            clock=self.clock,
            store=self.store,
            repos=repos,
            numbering=self.numbering,
            scenarios=self.scenarios,
            keys=self.keys,
            schemas=self.schemas,
            config=SessionConfig.of(self.settings),
        )
        self.batch_deps = BatchDeps(self.session_deps, self.parts, self.worker)
        self.auth_deps = AuthDeps(
            clock=self.clock,
            store=self.store,
            repos=repos,
            numbering=self.numbering,
            tokens=self.tokens,
            keys=self.keys,
            config=AuthConfig.of(self.settings),
        )

    @property
    def repos(self) -> Repos:
        """Typed repositories over the store (sweeping by the settings' retention policy)."""
        return Repos(self.store, RetentionPolicy.of(self.settings))

    def reseed(self, seed: int) -> None:
        """Restart the random generator and Faker from ``seed``."""
        self.rng.seed(seed)  # in place: ``ids`` and every ``Numbering`` share it
        self.ids.seed = seed
        with self._faker_lock:
            self._faker_seed = seed
            self._faker = None  # the next use builds one from ``seed``

    @property
    def faker(self) -> Faker:
        """A ``pl_PL`` Faker seeded from the current seed, built on first use.

        Importing faker and building its Polish providers costs tens of milliseconds, so a
        cold start that never generates data does not pay it.
        """
        with self._faker_lock:
            if self._faker is None:
                from faker import Faker  # lazy on purpose: see above

                self._faker = Faker("pl_PL")
                self._faker.seed_instance(self._faker_seed)
            return self._faker

    def now(self) -> datetime:
        """The injected clock's time."""
        return self.clock.now()

    def new_reference(self, kind: RefType, when: datetime | None = None) -> str:
        """A fresh reference number of ``kind``."""
        return self.numbering.reference(kind, when or self.now())

    def new_token_id(self) -> str:
        """A JWT id unique across worker processes (a store sequence plus random hex)."""
        return self.numbering.token_id()

    def new_ksef_number(self, seller_nip: str, when: datetime) -> str:
        """A fresh KSeF number."""
        return self.numbering.ksef_number(seller_nip, when)


def _jwt_secret(settings: Settings, state: Path | None) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    if state is None:
        # Not persisted: derive from the seed so the same seed gives the same tokens.
        return hashlib.sha256(f"mock-ksef-jwt-{settings.seed}".encode()).hexdigest()
    path = state / "jwt-secret"
    if not path.is_file():  # atomic: concurrent workers end up with one secret
        create_exclusive(path, secrets.token_hex(32).encode())
    return path.read_text().strip()


def _part_store(settings: Settings, store: Store) -> PartStore:
    """Files in ``batch_dir`` if set; else the store, unless no other process can share it.

    A memory store keeps its parts as files (``batch_files.batch_root``), as a large
    package would otherwise stay in memory until its session ends.
    """
    if settings.batch_dir or isinstance(store, MemoryStore):
        return FilePartStore(batch_root(settings, store))
    return StorePartStore(store)


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    keys: KeyRing | None = None,
) -> Services:
    """Assemble the services from settings; explicit arguments win (tests inject them)."""
    state = settings.state_path
    keys_dir = Path(settings.keys_dir) if settings.keys_dir else None
    the_store = store or open_store(settings.store, state)
    return Services(
        settings=settings,
        clock=clock or parse_clock(settings.clock),
        store=the_store,
        keys=keys or load_or_create(state / "keys" if state else None, keys_dir),
        tokens=TokenService(_jwt_secret(settings, state), settings.jwt_issuer),
        schemas=SchemaRegistry(Path(settings.schema_dir) if settings.schema_dir else None),
        scenarios=ScenarioRegistry(the_store),
        parts=_part_store(settings, the_store),
        worker=LeasedWorker(the_store, settings.worker_lease_s),
    )
