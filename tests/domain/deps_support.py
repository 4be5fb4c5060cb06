"""The domain's dependencies built by hand: a memory store, a frozen clock, seeded ids.

No Flask app, no HTTP, no SDK: what ``services.build_services`` wires for an app, the
tests here wire themselves, so each use case is called exactly as a handler calls it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mock_ksef.clock import FrozenClock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain.auth.tokens import TokenService
from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.deps import AuthConfig, AuthDeps, Numbering, SessionConfig, SessionDeps
from mock_ksef.domain.online import create_session
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.session import FormCode, Session
from mock_ksef.domain.session_plan import SessionSetup
from mock_ksef.ids import IdFactory
from mock_ksef.scenario.model import InvoiceRule, SessionPlan
from mock_ksef.scenario.registry import ScenarioRegistry
from mock_ksef.settings import Settings
from mock_ksef.store.base import Doc, Store
from mock_ksef.store.kinds import SESSION
from mock_ksef.store.memory import MemoryStore
from mock_ksef.xml.schemas import SchemaRegistry

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NIP = "5265877635"
FA3 = FormCode("FA (3)", "1-0E", "FA")
PRINCIPAL = Principal(ContextId("Nip", NIP), "20261120-AU-0000000000-0000000000-00", "access")


class CountingStore(MemoryStore):
    """A memory store that counts session writes (``put`` of kind ``session``)."""

    def __init__(self) -> None:
        super().__init__()
        self.session_writes = 0

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """Count, then store."""
        if kind == SESSION:
            self.session_writes += 1
        super().put(kind, key, doc, index)


@dataclass
class World:
    """Deps over one store and clock."""

    store: Store
    clock: FrozenClock
    sessions: SessionDeps
    auth: AuthDeps

    def open(self, plan: SessionPlan | None = None, rules: tuple[InvoiceRule, ...] = ()) -> Session:
        """An online session at 100 (key ``""``: nothing is decrypted in these tests)."""
        now = self.clock.now()
        setup = SessionSetup("test", plan or SessionPlan(), rules, now + timedelta(hours=1))
        return create_session(self.sessions, PRINCIPAL, FA3, ("", "", ""), setup, now)


def world(keys: KeyRing, store: Store | None = None, settings: Settings | None = None) -> World:
    """Deps as an app builds them, over ``store`` (default: a fresh memory store)."""
    store = store if store is not None else MemoryStore()
    settings = settings or Settings()
    clock = FrozenClock(START)
    numbering = Numbering(store, IdFactory(random.Random(7)))
    repos = Repos(store)
    sessions = SessionDeps(
        clock=clock,
        store=store,
        repos=repos,
        numbering=numbering,
        scenarios=ScenarioRegistry(store),
        keys=keys,
        schemas=SchemaRegistry(None),
        config=SessionConfig.of(settings),
    )
    auth = AuthDeps(
        clock=clock,
        store=store,
        repos=repos,
        numbering=numbering,
        tokens=TokenService("a-test-secret-of-at-least-32-bytes!", "mock-ksef"),
        keys=keys,
        config=AuthConfig.of(settings),
    )
    return World(store, clock, sessions, auth)
