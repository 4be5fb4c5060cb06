"""The test-side handle of a mock served in-process (used by the pytest plugin).

:class:`KsefMock` wraps a :class:`~mock_ksef.server.ThreadedServer` and reaches the
app's services directly: it resets state between tests, moves the frozen clock,
selects and loads scenarios, reads the request journal and session timelines, forces
session statuses, and re-raises exceptions that happened in the server thread
(:meth:`KsefMock.check`), the way pytest-httpserver's ``check_handler_errors`` does.
"""

from __future__ import annotations

import threading
import traceback
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, got_request_exception, request

from mock_ksef.admin.sessions import timeline
from mock_ksef.clock import FrozenClock
from mock_ksef.domain import forcing
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.session_store import any_session
from mock_ksef.http.context import services
from mock_ksef.http.traffic_edge import control_of
from mock_ksef.inbox import (
    Buyer,
    GeneratedInvoice,
    InboxSpec,
    InvoiceMix,
    generate_inbox,
    store_inbox,
)
from mock_ksef.reset import reset_mock
from mock_ksef.scenario.loader import Problem, ScenarioError, load_scenario_text
from mock_ksef.scenario.model import Scenario
from mock_ksef.scenario.registry import UnknownScenario
from mock_ksef.services import Services
from mock_ksef.threaded_server import ThreadedServer
from mock_ksef.traffic.journal import JournalFilter

#: Journal route of an online invoice send.
INVOICE_SEND_ROUTE = "/sessions/online/{referenceNumber}/invoices"
#: ``source`` of scenarios added by :meth:`KsefMock.load_scenario`.
TEST_SOURCE = "<pytest>"


class ServerError(AssertionError):
    """An exception was raised in the mock's server thread while serving a request.

    The first such exception is the ``__cause__``; the message lists every one with its
    request and traceback.
    """


class UnknownScenarioError(LookupError):
    """:meth:`KsefMock.use_scenario` named a scenario that is not loaded."""


class ErrorRecorder:
    """Collects the exceptions an app's error handler turned into 500 responses."""

    def __init__(self, app: Flask) -> None:
        self._lock = threading.Lock()
        self._errors: list[tuple[str, BaseException, str]] = []
        self._app = app
        got_request_exception.connect(self._record, app, weak=False)

    def _record(self, sender: Flask, exception: BaseException, **_: Any) -> None:
        where = f"{request.method} {request.full_path.rstrip('?')}"
        text = "".join(traceback.format_exception(exception))
        with self._lock:
            self._errors.append((where, exception, text))

    def close(self) -> None:
        """Stop listening to the app's signal."""
        got_request_exception.disconnect(self._record, self._app)

    def take(self) -> list[tuple[str, BaseException, str]]:
        """The recorded errors, oldest first; forgets them."""
        with self._lock:
            errors, self._errors = self._errors, []
        return errors


class KsefMock:
    """A running mock and the controls a test needs.

    Args:
        server: the started server; its app must run on a :class:`FrozenClock`.
        recorder: the app's :class:`ErrorRecorder`.
    """

    def __init__(self, server: ThreadedServer, recorder: ErrorRecorder) -> None:
        self.server = server
        self.app: Flask = server.app
        svc = self.services
        if not isinstance(svc.clock, FrozenClock):
            raise TypeError("KsefMock needs an app on a FrozenClock (clock: frozen[:ISO])")
        self.clock: FrozenClock = svc.clock
        #: Where :meth:`reset` moves the clock back to.
        self.start_time: datetime = svc.clock.start
        self._recorder = recorder

    @property
    def services(self) -> Services:
        """The app's services (store, clock, scenarios, settings)."""
        return services(self.app)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123``; SDKs add ``/v2`` themselves."""
        return self.server.url

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path``, e.g. ``url_for("/v2/sessions")``."""
        return self.server.url_for(path)

    def reset(self) -> None:
        """Back to the start-up state, as ``POST /_mock/reset`` does (``reset_mock``).

        Store, journal, bindings, uploads and scenarios loaded since are forgotten; the
        clock and the seed are back at their start. Also forgets server errors not yet
        re-raised by :meth:`check`.
        """
        reset_mock(self.services)
        self._recorder.take()

    def inbox(
        self,
        buyer: str,
        count: int = 100,
        *,
        days: float = 30,
        start: datetime | None = None,
        end: datetime | None = None,
        seed: int = 0,
        form: str = "FA (3)",
        mix: InvoiceMix | None = None,
        buyer_type: str = "Nip",
    ) -> list[GeneratedInvoice]:
        """Give context ``buyer`` ``count`` incoming Faker invoices, stored as if their sellers
        had sent them; returns them (exact bytes, ``metadata()``), in invoicing order.

        The period ends 5 s before the mock's clock (so all are visible at once) and starts
        ``days`` earlier, unless ``start``/``end`` are given (``docs/inbox.md``).
        """
        last = end or self.clock.now() - timedelta(seconds=5)
        first = start or last - timedelta(days=days)
        spec = InboxSpec(
            Buyer(buyer_type, buyer), count, first, last, form=form, mix=mix, seed=seed
        ).validate()
        invoices = list(generate_inbox(spec))
        store_inbox(invoices, Repos(self.services.store), now=self.clock.now())
        return invoices

    def use_scenario(self, name: str, context: str | None = None) -> None:
        """Use scenario ``name`` for logins to ``context`` (a NIP, …); without: for all.

        Raises:
            UnknownScenarioError: no scenario of that name is loaded.
        """
        registry = self.services.scenarios
        try:
            registry.bind(context, name)
        except UnknownScenario:
            raise UnknownScenarioError(
                f"scenario {name!r} is not loaded; loaded: {', '.join(registry.names())}"
            ) from None

    def load_scenario(self, yaml_text: str) -> Scenario:
        """Add (or replace, by name) a scenario from YAML text; it lasts until the reset.

        Raises:
            ScenarioError: the text is not a valid scenario, or has no ``name``.
        """
        scenario = load_scenario_text(yaml_text, TEST_SOURCE)
        if scenario.name == TEST_SOURCE:
            raise ScenarioError(
                [Problem(TEST_SOURCE, 1, 1, "name", "a scenario loaded by a test needs a name")]
            )
        self.services.scenarios.add(scenario)
        return scenario

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request journal: every KSeF API request so far, oldest first."""
        return control_of(self.services).journal.entries()

    def sent_invoices(self, session_ref: str | None = None) -> list[dict[str, Any]]:
        """Journal entries of online invoice sends (``invoiceHash``, ``invoiceSize``, …).

        Args:
            session_ref: only sends to this session.
        """
        wanted = JournalFilter(method="POST", path=INVOICE_SEND_ROUTE, session=session_ref)
        return control_of(self.services).journal.entries(wanted)

    def session_timeline(self, ref: str) -> dict[str, Any]:
        """A session advanced to now: status, history (code, time, cause), plan, counters.

        The same document as ``GET /_mock/sessions/{ref}``; reading it counts no poll.
        """
        return timeline(any_session(self.services.session_deps, ref))

    def force_state(self, ref: str, code: int, details: list[str] | None = None) -> None:
        """Give a session a final status now (as ``POST /_mock/sessions/{ref}/state``).

        Raises:
            ValueError: ``code`` is not a final status of the session's kind.
        """
        try:
            forcing.force_state(self.services.session_deps, ref, code, details)
        except ValidationFailed as exc:
            raise ValueError("; ".join(exc.details)) from None

    def check(self) -> None:
        """Re-raise what went wrong in the server thread since the last check.

        Raises:
            ServerError: a request ended in an unexpected exception (a 500).
        """
        errors = self._recorder.take()
        if not errors:
            return
        report = "\n".join(f"{where}:\n{text}" for where, _, text in errors)
        raise ServerError(
            f"{len(errors)} exception(s) in the mock's server thread:\n{report}"
        ) from errors[0][1]
