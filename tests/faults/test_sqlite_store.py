"""Fault counters, limiter windows and the journal live in the store: the SQLite backend too."""

from __future__ import annotations

import pytest

from mock_ksef.scenario.model import Fault, RateLimit, RateLimitPlan
from mock_ksef.settings import Settings
from tests.faults.support import bind, caller, session_list
from tests.support.nips import NIP
from tests.support.spec import spec_dir


@pytest.fixture
def settings(tmp_path) -> Settings:
    """The usual test settings on a SQLite store."""
    return Settings(
        seed=1,
        store=f"sqlite:{tmp_path / 'state.sqlite3'}",
        schema_dir=str(spec_dir() / "invoice-schemas"),
        auth_schema_dir=str(spec_dir() / "auth"),
    )


def test_counters_windows_and_journal_on_sqlite(app, client):
    """A fault used up, a window filled and the journal read back from SQLite."""
    bind(
        app,
        NIP,
        Fault("status", route="GET /sessions", status=503, times=1),
        rate_limits=RateLimitPlan(enabled=True, groups={"sessionList": RateLimit(per_second=2)}),
    )
    who = caller(app, client)
    codes = [session_list(client, who).status_code for _ in range(4)]
    assert codes == [503, 200, 200, 429]
    listed = client.get("/_mock/requests?path=/v2/sessions").json["requests"]
    assert [(e["status"], e["fault"]) for e in listed] == [
        (503, "status"),
        (200, None),
        (200, None),
        (429, "rate-limit"),
    ]
