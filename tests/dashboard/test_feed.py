"""The dashboard's JSON feeds, the all-sessions control route, and the page's hygiene."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib.resources import files

import pytest

from mock_ksef.clock import FrozenClock
from tests.conftest import START
from tests.support.client_crypto import FA3, SessionKey
from tests.support.exceptions import exception_code
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP, OTHER_NIP
from tests.support.principal import access_token

STATIC = files("mock_ksef.dashboard").joinpath("static")


def open_online(client, app, keyring, nip: str, key: SessionKey | None = None) -> str:
    key = key or SessionKey.fresh()
    body = {
        "formCode": FA3,
        "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
    }
    auth = {"Authorization": f"Bearer {access_token(app, nip)}"}
    response = client.post("/v2/sessions/online", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return str(response.json["referenceNumber"])


class TestAllSessions:
    def test_lists_every_context_newest_first_advanced_to_now(self, app, client, keyring, clock):
        """GET /_mock/sessions shows sessions of all contexts, each moved to the mock's now
        (no client read needed), with a description per transition."""
        first = open_online(client, app, keyring, NIP)
        clock.shift(timedelta(minutes=1))
        second = open_online(client, app, keyring, OTHER_NIP)
        clock.shift(timedelta(hours=12, minutes=-1))  # the first expires, the second not yet

        sessions = client.get("/_mock/sessions").json["sessions"]

        assert [s["referenceNumber"] for s in sessions] == [second, first]
        assert [s["context"]["value"] for s in sessions] == [OTHER_NIP, NIP]
        assert sessions[1]["status"] == {
            "code": 440,
            "description": "Sesja anulowana",
            "details": ["Nie przesłano faktur"],
        }
        expired = START + timedelta(hours=12)
        assert sessions[1]["history"] == [
            {
                "code": 100,
                "description": "Sesja interaktywna otwarta",
                "at": START.isoformat(timespec="microseconds"),
                "cause": "opened under scenario natural",
            },
            {
                "code": 170,
                "description": "Sesja interaktywna zamknięta",
                "at": expired.isoformat(timespec="microseconds"),
                "cause": "session validity expired",
            },
            {
                "code": 440,
                "description": "Sesja anulowana",
                "at": expired.isoformat(timespec="microseconds"),
                "cause": "processing finished",
            },
        ]
        assert sessions[0]["status"]["code"] == 100

    def test_filters_by_type_and_context(self, app, client, keyring):
        """``type`` and ``context`` narrow the list; an unknown type is 21405."""
        mine = open_online(client, app, keyring, NIP)
        open_online(client, app, keyring, OTHER_NIP)

        by_context = client.get(f"/_mock/sessions?context={NIP}").json["sessions"]
        assert [s["referenceNumber"] for s in by_context] == [mine]
        assert client.get("/_mock/sessions?type=Batch").json == {"sessions": []}
        assert len(client.get("/_mock/sessions?type=Online").json["sessions"]) == 2
        assert exception_code(client.get("/_mock/sessions?type=online")) == 21405


class TestSnapshot:
    def test_carries_clock_sessions_families_scenarios_and_newest_requests(
        self, app, client, keyring, clock: FrozenClock
    ):
        """One snapshot: the movable clock, sessions with status families per transition
        (the last with the status details), the scenarios in use, the journal newest first."""
        ref = open_online(client, app, keyring, NIP)
        assert (
            client.post(
                "/_mock/scenarios/select",
                json={"scenario": "online-200-success", "context": OTHER_NIP},
            ).status_code
            == 200
        )
        clock.shift(timedelta(hours=12))

        state = client.get("/_mock/dashboard/api/state").json

        assert state["clock"] == {
            "now": (START + timedelta(hours=12)).isoformat(timespec="microseconds"),
            "kind": "frozen",
            "movable": True,
        }
        [session] = state["sessions"]
        assert (session["referenceNumber"], session["family"]) == (ref, "Cancelled")
        assert [(e["code"], e["family"], e["details"]) for e in session["history"]] == [
            (100, "InProgress", []),
            (170, "InProgress", []),
            (440, "Cancelled", ["Nie przesłano faktur"]),
        ]
        active = {s["name"]: s for s in state["scenarios"]["active"]}
        assert sorted(active) == ["natural", "online-200-success"]
        assert active["natural"]["sessionContexts"] == [NIP]
        assert active["online-200-success"]["boundContexts"] == [OTHER_NIP]
        assert active["online-200-success"]["selector"]["contexts"] == ["7770000376"]
        assert state["scenarios"]["bindings"] == {OTHER_NIP: "online-200-success"}
        loaded = state["scenarios"]["loaded"]
        assert [s for s in loaded if s["builtin"]] == [
            {"name": "natural", "contexts": [], "default": False, "builtin": True}
        ]
        assert {
            "name": "online-200-success",
            "contexts": ["7770000376"],
            "default": False,
            "builtin": False,
        } in loaded
        assert state["requestCount"] == 1
        assert [(r["method"], r["path"], r["status"]) for r in state["requests"]] == [
            ("POST", "/v2/sessions/online", 201)
        ]

    def test_journal_is_newest_first_and_limited(self, app, client, keyring):
        """``requests=N`` gives the N newest journal entries; the count is of all of them."""
        refs = [open_online(client, app, keyring, NIP) for _ in range(3)]
        state = client.get("/_mock/dashboard/api/state?requests=2").json
        assert [r["session"] for r in state["requests"]] == [refs[2], refs[1]]
        assert state["requestCount"] == 3
        assert exception_code(client.get("/_mock/dashboard/api/state?requests=-1")) == 21405

    def test_reading_it_changes_nothing_a_client_sees(self, app, client, keyring):
        """Dashboard polls are not journaled and never count as status polls."""
        open_online(client, app, keyring, NIP)
        for _ in range(3):
            client.get("/_mock/dashboard/api/state")
        assert len(client.get("/_mock/requests").json["requests"]) == 1
        [session] = client.get("/_mock/sessions").json["sessions"]
        assert session["pollsInProgress"] == 0


class TestInvoices:
    def test_rows_carry_numbers_codes_and_families(self, app, client, keyring):
        """A session's invoices in order, with number, KSeF number and status family."""
        key = SessionKey.fresh()
        ref = open_online(client, app, keyring, NIP, key)
        auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
        sent = client.post(
            f"/v2/sessions/online/{ref}/invoices",
            json=key.send_request(fa3_invoice(NIP, "FV/1/2026")),
            headers=auth,
        )
        assert sent.status_code == 202

        body = client.get(f"/_mock/dashboard/api/sessions/{ref}/invoices").json

        assert body["referenceNumber"] == ref
        [row] = body["invoices"]
        assert row["referenceNumber"] == sent.json["referenceNumber"]
        assert (row["ordinalNumber"], row["invoiceNumber"], row["family"]) == (
            1,
            "FV/1/2026",
            "Succeeded",
        )
        assert row["status"] == {"code": 200, "description": "Sukces", "details": []}
        assert row["ksefNumber"].startswith(f"{NIP}-20261124-")

    def test_unknown_session_is_21173(self, client):
        """An unknown reference answers in the spec's error format."""
        response = client.get("/_mock/dashboard/api/sessions/nope/invoices")
        assert exception_code(response) == 21173


class TestPage:
    def test_bare_path_redirects_to_the_page(self, client):
        """/_mock/dashboard redirects to /_mock/dashboard/, so relative links resolve."""
        response = client.get("/_mock/dashboard")
        assert response.status_code == 308
        assert response.headers["Location"].endswith("/_mock/dashboard/")

    @pytest.mark.parametrize(
        ("path", "content_type"),
        [
            ("/_mock/dashboard/", "text/html; charset=utf-8"),
            ("/_mock/dashboard/static/dashboard.js", "text/javascript; charset=utf-8"),
            ("/_mock/dashboard/static/dashboard.css", "text/css; charset=utf-8"),
        ],
    )
    def test_files_are_served_with_a_self_only_policy(self, client, path, content_type):
        """Page, script and stylesheet come from the package with a strict CSP."""
        response = client.get(path)
        assert response.status_code == 200
        assert response.content_type == content_type
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "default-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_only_the_page_files_are_served(self, client):
        """Other names under static/ are 404 (no path walking into the package)."""
        for name in ("views.py", "..%2F__init__.py", "index.htm"):
            assert client.get(f"/_mock/dashboard/static/{name}").status_code == 404

    def test_script_never_parses_data_as_html(self):
        """dashboard.js inserts text only: no innerHTML, outerHTML, document.write, eval."""
        script = STATIC.joinpath("dashboard.js").read_text(encoding="utf-8")
        code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("//"))
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "Function(",
        ):
            assert sink not in code
        assert "textContent" in code

    def test_page_loads_nothing_from_the_network(self):
        """No absolute URL, inline script or inline style in the shipped files."""
        for name in ("index.html", "dashboard.css", "dashboard.js"):
            text = STATIC.joinpath(name).read_text(encoding="utf-8")
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        page = STATIC.joinpath("index.html").read_text(encoding="utf-8")
        assert "<style" not in page
        assert " style=" not in page
        assert re.findall(r"<script[^>]*>", page) == ['<script src="static/dashboard.js" defer>']
