"""The scenarios a server knows, and which one applies to a login or a request.

Scenarios loaded at run time are kept in the store too (``shared_state.py``), so every
replica sharing the store knows them. Selection order: an explicit ``X-Mock-Scenario``
header; a runtime binding of the context (control API, kept in the store so every
worker sees it); a scenario whose ``select.tokens`` holds the KSeF token; one whose
``select.contexts`` holds the context value; the runtime default; the scenario marked
``select.default``; :data:`NATURAL`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from mock_ksef.scenario.model import NATURAL, Scenario
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import SCENARIO_BINDING

DEFAULT_KEY = "__default__"


class UnknownScenario(KeyError):
    """No scenario of that name is loaded."""


class ScenarioRegistry:
    """Named scenarios plus the runtime bindings kept in the store."""

    def __init__(self, store: Store, scenarios: Iterable[Scenario] = ()) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._by_name: dict[str, Scenario] = {NATURAL.name: NATURAL}
        for scenario in scenarios:
            self.add(scenario)
        self._baseline = dict(self._by_name)

    def mark_baseline(self) -> None:
        """Remember the scenarios loaded now as the start-up set (what a reset returns to)."""
        with self._lock:
            self._baseline = dict(self._by_name)

    def restore_baseline(self) -> None:
        """Back to the start-up set: scenarios loaded since (API, tests) are forgotten.

        The runtime bindings live in the store and go with its reset.
        """
        with self._lock:
            self._by_name = dict(self._baseline)

    def use_runtime(self, scenarios: Iterable[Scenario]) -> None:
        """The start-up set plus ``scenarios`` (in order, replacing by name), in one step.

        How a replica adopts the scenarios another one loaded (``shared_state.py``).
        """
        by_name = dict(self._baseline)
        for scenario in scenarios:
            by_name[scenario.name] = scenario
        with self._lock:
            self._by_name = by_name

    def add(self, scenario: Scenario) -> None:
        """Register (or replace) a scenario by name."""
        with self._lock:
            self._by_name[scenario.name] = scenario

    def names(self) -> list[str]:
        """Names of every loaded scenario, sorted."""
        return sorted(self._by_name)

    def all(self) -> list[Scenario]:
        """Every loaded scenario, by name."""
        return [self._by_name[name] for name in self.names()]

    def get(self, name: str) -> Scenario:
        """The scenario called ``name``.

        Raises:
            UnknownScenario: none is loaded under that name.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownScenario(name) from None

    def bind(self, context_value: str | None, name: str) -> None:
        """Use scenario ``name`` for logins to ``context_value`` (``None``: the default)."""
        self.get(name)
        key = context_value or DEFAULT_KEY
        self._store.put(SCENARIO_BINDING, key, {"scenario": name, "key": key})

    def unbind_all(self) -> None:
        """Forget the runtime bindings (done by reset)."""
        for doc in self._store.find(SCENARIO_BINDING):
            self._store.delete(SCENARIO_BINDING, str(doc.get("key", "")))

    def _bound(self, key: str) -> Scenario | None:
        doc = self._store.get(SCENARIO_BINDING, key)
        return self._by_name.get(str(doc["scenario"])) if doc else None

    def select(
        self, *, header: str | None = None, context: str | None = None, token: str | None = None
    ) -> Scenario:
        """The scenario for a login (or a request) with these traits.

        Raises:
            UnknownScenario: the header names a scenario that is not loaded.
        """
        if header:
            return self.get(header)
        if context and (bound := self._bound(context)):
            return bound
        scenarios = self.all()
        if token:
            for scenario in scenarios:
                if token in scenario.select.tokens:
                    return scenario
        if context:
            for scenario in scenarios:
                if context in scenario.select.contexts:
                    return scenario
        if bound := self._bound(DEFAULT_KEY):
            return bound
        return next((s for s in scenarios if s.select.default), NATURAL)
