"""What every process sharing a store must agree on: the seed, the clock, the scenarios.

Each process keeps its own clock object, seed and scenario registry (reading them costs
nothing), and adopts what another process changed at the start of each request
(:meth:`SharedSettings.refresh`): **one** ``store.get`` of one small document,
``shared-settings/current``, compared with the copy last applied. Only when it differs
is anything re-applied, and only the part that changed. On a SQLite state the read is
skipped while the ``SETTINGS`` counter of ``store/generation.py`` (a memory read of the
mapped counters file, bumped after every write of the document) has not moved since the
last read, for at most :data:`RECHECK_S`; PostgreSQL reads the document in the request's
first statement anyway (``store/pg_request.py``). The document holds:

* ``seed``: set through ``POST /_mock/seed``; identifiers, trace ids and fault draws
  derive from it;
* ``clock``: a frozen clock's instant or an offset clock's offset
  (:func:`~mock_ksef.clock.clock_setting`), written by ``POST /_mock/clock``;
* ``scenarios``: a version token of the ``runtime-scenario`` documents (the YAML text of
  each scenario loaded through ``POST /_mock/scenarios``); a new token makes every
  process parse them again;
* ``epoch``: a token that a reset renews: every process goes back to its start-up seed,
  clock and scenarios.

Writers change the document in a store transaction after catching up with it, so two
processes moving the clock at once both count. See ``docs/replicas.md``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mock_ksef.clock import (
    Clock,
    ClockSetting,
    FrozenClock,
    OffsetClock,
    apply_clock_setting,
    clock_setting,
)
from mock_ksef.scenario.model import Scenario
from mock_ksef.scenario.registry import ScenarioRegistry
from mock_ksef.store.base import Doc, Store
from mock_ksef.store.generation import SETTINGS, bump, generation_of, observe, read_counted
from mock_ksef.store.kinds import RUNTIME_SCENARIO, SHARED_SETTINGS

#: The key of the one ``shared-settings`` document.
KEY = "current"
#: Seconds a process trusts its copy of the document while the ``SETTINGS`` counter stays
#: put (a writer killed between its commit and the counter's bump is seen this late).
RECHECK_S = 1.0


def _token() -> str:
    return secrets.token_hex(8)


def current_seed(store: Store, default: int) -> int:
    """The seed set through ``POST /_mock/seed`` (by any process), else ``default``."""
    doc = store.get(SHARED_SETTINGS, KEY)
    return int(doc["seed"]) if doc and "seed" in doc else default


class SharedSettings:
    """One process's view of the shared settings, and the way to change them."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        scenarios: ScenarioRegistry,
        default_seed: int,
        reseed: Callable[[int], None],
    ) -> None:
        self._store = store
        self._clock = clock
        self._scenarios = scenarios
        self._default_seed = default_seed
        self._reseed = reseed
        # A reset moves a frozen clock back to its start; a ticking one keeps running.
        self._start_clock: ClockSetting | None = None
        if isinstance(clock, FrozenClock):
            self._start_clock = {"kind": "frozen", "at": clock.start.isoformat()}
        self._seen: Doc | None = None
        self._lock = threading.Lock()
        # The SETTINGS counter at the last read of the document, and until when it holds.
        self._version = -1
        self._trusted_until = 0.0

    def refresh(self, *, place: bool = False, ahead: tuple[str, str] | None = None) -> int | None:
        """Adopt what other processes changed since the last call (one store read, which
        also brings a PostgreSQL store's counters, see ``store/generation.py``).

        A store that starts requests in one statement (PostgreSQL, ``store/pg_request.py``)
        also draws the request's place in its journal (``place``; returned, else ``None``
        and the caller reserves one) and reads the document ``ahead`` names for the
        request's next read of it.
        """
        opener = getattr(self._store, "open_request", None)
        drawn: int | None = None
        if opener is None:
            generation = generation_of(self._store)
            if generation is not None:
                version, now = generation.read(SETTINGS), time.monotonic()
                if version == self._version and now < self._trusted_until:
                    return None
            doc = read_counted(self._store, SHARED_SETTINGS, KEY)
            if generation is not None:
                self._version, self._trusted_until = version, now + RECHECK_S
        else:
            doc, counters, drawn = opener(SHARED_SETTINGS, KEY, place=place, ahead=ahead)
            observe(self._store, counters)
        if doc != self._seen:
            self._apply(doc)
        return drawn

    def _apply(self, doc: Doc | None) -> None:
        with self._lock:
            old, new = self._seen or {}, doc or {}
            whole = old.get("epoch") != new.get("epoch")
            if whole or old.get("seed") != new.get("seed"):
                self._reseed(int(new.get("seed", self._default_seed)))
            if whole or old.get("clock") != new.get("clock"):
                setting = new.get("clock") or self._start_clock
                if setting is not None:
                    apply_clock_setting(self._clock, setting)
            if whole or old.get("scenarios") != new.get("scenarios"):
                self._scenarios.use_runtime(self._runtime_scenarios())
            self._seen = doc

    def _runtime_scenarios(self) -> list[Scenario]:
        docs = self._store.find(RUNTIME_SCENARIO)
        if not docs:
            return []
        # PyYAML and jsonschema only once another replica has stored a runtime scenario.
        from mock_ksef.scenario.loader import load_scenario_text

        return [load_scenario_text(str(doc["yaml"]), str(doc["source"])) for doc in docs]

    def _update(self, change: Callable[[], dict[str, Any]]) -> None:
        """Catch up, apply ``change`` locally, and publish what it returns (one transaction)."""
        with self._store.transaction():
            doc = self._store.get(SHARED_SETTINGS, KEY)
            if doc != self._seen:
                self._apply(doc)
            published = {**(doc or {"epoch": _token()}), **change()}
            self._store.put(SHARED_SETTINGS, KEY, published)
            self._seen = published
        bump(self._store, SETTINGS)  # after the commit: the other processes read it again

    def set_seed(self, seed: int) -> None:
        """Reseed every process sharing the store."""

        def change() -> dict[str, Any]:
            self._reseed(seed)
            return {"seed": seed}

        self._update(change)

    def move_clock(self, *, to: datetime | None = None, shift: timedelta | None = None) -> None:
        """Move the (frozen or offset) clock of every process: to an instant, or by ``shift``.

        Raises:
            ValueError: the clock cannot be moved (the system clock), or ``to`` is naive.
        """
        clock = self._clock
        if not isinstance(clock, FrozenClock | OffsetClock):
            raise ValueError("the system clock cannot be moved; start with --clock frozen")

        def change() -> dict[str, Any]:
            if to is not None:
                clock.move_to(to)
            elif shift is not None:
                clock.shift(shift)
            return {"clock": clock_setting(clock)}

        self._update(change)

    def add_scenario(self, yaml_text: str, source: str) -> Scenario:
        """Parse a scenario, keep its text in the store and use it in every process.

        Raises:
            ScenarioError: the text is not a valid scenario.
        """
        from mock_ksef.scenario.loader import load_scenario_text  # PyYAML, jsonschema

        scenario = load_scenario_text(yaml_text, source)

        def change() -> dict[str, Any]:
            doc = {"name": scenario.name, "yaml": yaml_text, "source": source}
            self._store.put(RUNTIME_SCENARIO, scenario.name, doc)
            self._scenarios.add(scenario)
            return {"scenarios": _token()}

        if scenario.name != source:  # a nameless one is refused by the caller
            self._update(change)
        return scenario

    def after_reset(self) -> None:
        """Tell every process that the store was reset (a new epoch, nothing set)."""
        published = {"epoch": _token()}
        self._store.put(SHARED_SETTINGS, KEY, published)
        with self._lock:
            self._seen = published
        bump(self._store, SETTINGS)
