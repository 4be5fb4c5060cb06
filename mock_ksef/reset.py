"""The one reset of the mock, behind ``POST /_mock/reset`` and ``KsefMock.reset()``.

A reset returns a running mock to the state it had right after start-up
(``docs/control-api.md``, "What a reset restores"):

* the store is emptied: sessions, invoices, tokens' revocations, auth operations, the
  request journal, scenario bindings, fault counters, limiter windows, ``/testdata``
  data and limits, and the seed set through ``POST /_mock/seed``;
* the batch parts uploaded (to the store or to ``batch_dir``) are deleted;
* the scenarios are the start-up set again: those loaded since (``POST /_mock/scenarios``,
  ``KsefMock.load_scenario``) are forgotten, a start-up one replaced since is restored;
* the random generator and Faker restart from the configured seed;
* a frozen clock moves back to its start time. A ticking clock (system, offset) keeps
  running: moving it would only make time jump.

Every other process sharing the store follows: the reset starts a new epoch of the
shared settings (``shared_state.py``), and each process back-dates its seed, clock and
scenarios to its start-up ones on its next request.

Keys, tokens' signing secret and settings are configuration, not state: they stay.
"""

from __future__ import annotations

from mock_ksef.clock import FrozenClock
from mock_ksef.domain.batch import discard_uploads
from mock_ksef.services import Services
from mock_ksef.store.generation import STATE, bump
from mock_ksef.traffic.journal import reset_journal


def reset_mock(svc: Services) -> None:
    """Return the mock to its start-up state (see the module docstring)."""
    svc.store.reset()
    bump(svc.store, STATE)  # every worker's read-path caches start again
    reset_journal(svc.store)
    discard_uploads(svc.batch_deps)
    svc.scenarios.restore_baseline()
    svc.reseed(svc.settings.seed)
    if isinstance(svc.clock, FrozenClock):
        svc.clock.move_to(svc.clock.start)
    svc.shared.after_reset()
