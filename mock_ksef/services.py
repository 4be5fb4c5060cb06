"""The bundle of everything mutable or injected, kept in ``app.extensions["mock_ksef"]``."""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from faker import Faker

from mock_ksef.clock import Clock, parse_clock
from mock_ksef.crypto.keys import KeyRing, create_exclusive, load_or_create
from mock_ksef.domain.auth.tokens import TokenService
from mock_ksef.domain.repos import Repos
from mock_ksef.ids import IdFactory, RefType
from mock_ksef.scenario.registry import ScenarioRegistry
from mock_ksef.settings import Settings
from mock_ksef.store import Store, open_store
from mock_ksef.xml.schemas import SchemaRegistry


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
    rng: random.Random = field(init=False)
    faker: Faker = field(init=False)
    ids: IdFactory = field(init=False)

    def __post_init__(self) -> None:
        self.reseed(self.settings.seed)

    @property
    def repos(self) -> Repos:
        """Typed repositories over the store."""
        return Repos(self.store)

    def reseed(self, seed: int) -> None:
        """Restart the random generator and Faker from ``seed``."""
        self.rng = random.Random(seed)
        self.faker = Faker("pl_PL")
        self.faker.seed_instance(seed)
        self.ids = IdFactory(self.rng)

    def now(self) -> datetime:
        """The injected clock's time."""
        return self.clock.now()

    def new_reference(self, kind: RefType, when: datetime | None = None) -> str:
        """A fresh reference number of ``kind``."""
        sequence = self.store.next_sequence("reference")
        return self.ids.reference(kind, when or self.now(), sequence)

    def new_token_id(self) -> str:
        """A JWT id unique across worker processes (a store sequence plus random hex)."""
        return f"{self.store.next_sequence('jti'):010x}{self.ids.hex_token(6)}"

    def new_ksef_number(self, seller_nip: str, when: datetime) -> str:
        """A fresh KSeF number."""
        return self.ids.ksef_number(seller_nip, when, self.store.next_sequence("ksef"))


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
    )
