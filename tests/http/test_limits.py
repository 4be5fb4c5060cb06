"""``/limits/*``, ``/rate-limits`` and the access-token ``/testdata`` routes that change them."""

from __future__ import annotations

import pytest

from mock_ksef.http.limits import API_GROUPS
from mock_ksef.traffic.routes import OVERRIDABLE_GROUPS
from tests.batch.support import BatchClient, Package, zip_bytes
from tests.http.test_sessions_online import open_session, send
from tests.support.client_crypto import SessionKey
from tests.support.exceptions import exception_summary
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.principal import access_token

DEFAULT_SESSION = {
    "maxInvoiceSizeInMB": 1,
    "maxInvoiceWithAttachmentSizeInMB": 3,
    "maxInvoices": 10000,
}
DEFAULT_LIMITS = {
    "onlineSession": DEFAULT_SESSION,
    "batchSession": DEFAULT_SESSION,
    "collectiveIdentifier": {"maxInvoices": 500},
}
LOWERED = {
    "onlineSession": {
        "maxInvoiceSizeInMB": 1,
        "maxInvoiceWithAttachmentSizeInMB": 3,
        "maxInvoices": 1,
    },
    "batchSession": {
        "maxInvoiceSizeInMB": 0,
        "maxInvoiceWithAttachmentSizeInMB": 3,
        "maxInvoices": 2,
    },
    "collectiveIdentifier": {"maxInvoices": 2},
}
OFF = {"perSecond": -1, "perMinute": -1, "perHour": -1}


def _spec_example_rates(openapi):
    """The spec's ``GET /rate-limits`` example, with ``global`` off (-1: never enforced)."""
    response = openapi.document["paths"]["/rate-limits"]["get"]["responses"]["200"]
    example = response["content"]["application/json"]["example"]
    return {**example, "global": OFF}


@pytest.fixture
def auth(app):
    return {"Authorization": f"Bearer {access_token(app, NIP)}"}


class TestSessionLimits:
    """``GET /limits/context`` and ``/testdata/limits/context/session``."""

    def test_defaults_are_the_settings(self, client, auth):
        """1 MB, 3 MB and 10 000 invoices for both session types, as the spec's example."""
        response = client.get("/v2/limits/context", headers=auth)
        assert (response.status_code, response.json) == (200, DEFAULT_LIMITS)

    def test_set_report_and_restore(self, client, auth):
        """POST → 200 no body and reported as set; DELETE → 200 and the defaults again."""
        response = client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/limits/context", headers=auth).json == LOWERED
        response = client.delete("/v2/testdata/limits/context/session", headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/limits/context", headers=auth).json == DEFAULT_LIMITS

    def test_other_contexts_keep_the_defaults(self, app, client, auth):
        """Limits are per context."""
        client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        other = {"Authorization": f"Bearer {access_token(app, '7010002137')}"}
        assert client.get("/v2/limits/context", headers=other).json == DEFAULT_LIMITS

    def test_a_lowered_online_limit_answers_21155(self, client, auth, keyring):
        """maxInvoices 1: the second send of the session is 400 21155 naming the limit."""
        client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        key = SessionKey.fresh()
        ref = open_session(client, auth, key, keyring)
        assert send(client, auth, key, ref, fa3_invoice(NIP, "FV/L/1")).status_code == 202
        assert exception_summary(send(client, auth, key, ref, fa3_invoice(NIP, "FV/L/2"))) == (
            21155,
            [f"Sesja o numerze referencyjnym {ref} osiągnęła dozwolony limit liczby faktur 1."],
        )

    def test_a_lowered_batch_limit_ends_in_420_and_size_0_in_430(self, client, auth, app, keyring):
        """Batch maxInvoices 2: three invoices are 420; maxInvoiceSizeInMB 0: each invoice 430."""
        client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        batch = BatchClient(
            client, access_token(app, NIP), keyring.symmetric_key.certificate.public_key()
        )
        three = {f"{n}.xml": fa3_invoice(NIP, f"FV/B/{n}") for n in range(3)}
        _, state = batch.run(Package.of(zip_bytes(three)))
        assert state["status"]["code"] == 420
        assert state["status"]["details"] == ["Paczka zawiera 3 faktury; limit sesji to 2."]
        reference, state = batch.run(Package.of(zip_bytes({"a.xml": fa3_invoice(NIP, "FV/B/9")})))
        row = batch.invoices(reference)[0]["status"]
        assert (
            row["code"],
            row["details"][0].endswith("przekracza limit 0 B (bez załącznika)"),
        ) == (430, True)

    @pytest.mark.parametrize(
        "change",
        [
            {"onlineSession": {**DEFAULT_SESSION, "maxInvoices": 100_001}},
            {"batchSession": {**DEFAULT_SESSION, "maxInvoiceSizeInMB": 6}},
            {"onlineSession": {**DEFAULT_SESSION, "maxInvoices": "7"}},
        ],
    )
    def test_out_of_range_values_are_21405(self, client, auth, change):
        """The spec's maxima (100 000 invoices, 5/10 MB) and integer types are checked."""
        response = client.post(
            "/v2/testdata/limits/context/session", json={**LOWERED, **change}, headers=auth
        )
        assert exception_summary(response)[0] == 21405

    @pytest.mark.parametrize(
        ("change", "detail"),
        [
            (
                1,
                "collectiveIdentifier.maxInvoices: Must be between 2 and 5000: an IZ holds "
                "2..5000 invoices.",
            ),
            (
                5001,
                "collectiveIdentifier.maxInvoices: Must be between 2 and 5000: an IZ holds "
                "2..5000 invoices.",
            ),
            (None, "collectiveIdentifier: Missing data for required field."),
        ],
    )
    def test_collective_identifier_is_required_and_2_to_5000(self, client, auth, change, detail):
        """API 2.9.0 requires ``collectiveIdentifier.maxInvoices`` in 2..5000; nothing stored."""
        body = {k: v for k, v in LOWERED.items() if k != "collectiveIdentifier"}
        if change is not None:
            body["collectiveIdentifier"] = {"maxInvoices": change}
        response = client.post("/v2/testdata/limits/context/session", json=body, headers=auth)
        assert exception_summary(response) == (21405, [detail])
        assert client.get("/v2/limits/context", headers=auth).json == DEFAULT_LIMITS

    def test_the_iz_bounds_themselves_are_fine(self, client, auth):
        """2 and 5000 are both accepted and reported."""
        for value in (2, 5000):
            body = {**LOWERED, "collectiveIdentifier": {"maxInvoices": value}}
            response = client.post("/v2/testdata/limits/context/session", json=body, headers=auth)
            assert response.status_code == 200
            assert client.get("/v2/limits/context", headers=auth).json == body

    def test_needs_an_access_token(self, client):
        """No token: 401 problem details."""
        response = client.post("/v2/testdata/limits/context/session", json=LOWERED)
        assert (response.status_code, response.mimetype) == (401, "application/problem+json")


class TestSubjectLimits:
    """``GET /limits/subject`` reports what ``/testdata/limits/subject/certificate`` set."""

    def test_set_report_and_forget(self, client, auth):
        """Nothing set: ``{}``; set: echoed; deleted: ``{}`` again."""
        assert client.get("/v2/limits/subject", headers=auth).json == {}
        change = {
            "subjectIdentifierType": "Nip",
            "certificate": {"maxCertificates": 3},
            "enrollment": {"maxEnrollments": 4},
        }
        response = client.post("/v2/testdata/limits/subject/certificate", json=change, headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/limits/subject", headers=auth).json == {
            "enrollment": {"maxEnrollments": 4},
            "certificate": {"maxCertificates": 3},
        }
        assert (
            client.delete("/v2/testdata/limits/subject/certificate", headers=auth).status_code
            == 200
        )
        assert client.get("/v2/limits/subject", headers=auth).json == {}


class TestRateLimits:
    """``GET /rate-limits`` reports the limiter; ``/testdata/rate-limits*`` change it."""

    def test_off_by_default_reports_unlimited_windows(self, client, auth):
        """The natural scenario has no limiter: every window of all 17 groups is -1."""
        response = client.get("/v2/rate-limits", headers=auth)
        assert (response.status_code, response.json) == (200, dict.fromkeys(API_GROUPS, OFF))
        assert list(response.json) == [
            "onlineSession",
            "onlineSessionClose",
            "batchSession",
            "batchSessionClose",
            "invoiceSend",
            "invoiceStatus",
            "sessionList",
            "sessionInvoiceList",
            "sessionMisc",
            "invoiceMetadata",
            "invoiceExport",
            "invoiceExportStatus",
            "invoiceDownload",
            "collectiveIdentifier",
            "other",
            "anonymous",
            "global",
        ]

    def test_production_values_are_the_spec_table(self, client, auth, openapi):
        """``/testdata/rate-limits/production`` → the spec's example values, enforced."""
        response = client.post("/v2/testdata/rate-limits/production", headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/rate-limits", headers=auth).json == _spec_example_rates(openapi)
        codes = [
            client.get("/v2/sessions?sessionType=Online", headers=auth).status_code
            for _ in range(6)
        ]
        assert codes == [200] * 5 + [429]

    def test_lowered_limits_answer_429_earlier_and_delete_restores(self, client, auth, openapi):
        """sessionList 2/s: the third list is 429 with Retry-After; DELETE switches it off.

        The close groups, ``anonymous`` and ``global`` cannot be set: they keep the spec's
        values (``global`` off).
        """
        rates = {
            g: {"perSecond": 100, "perMinute": 1000, "perHour": 10000} for g in OVERRIDABLE_GROUPS
        }
        rates["sessionList"] = {"perSecond": 2, "perMinute": 5, "perHour": 50}
        response = client.post("/v2/testdata/rate-limits", json={"rateLimits": rates}, headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        spec = _spec_example_rates(openapi)
        assert client.get("/v2/rate-limits", headers=auth).json == {
            group: rates.get(group, spec[group]) for group in API_GROUPS
        }
        codes = [client.get("/v2/sessions?sessionType=Online", headers=auth) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert codes[2].headers["Retry-After"] == "1"
        assert client.delete("/v2/testdata/rate-limits", headers=auth).status_code == 200
        assert client.get("/v2/rate-limits", headers=auth).json == dict.fromkeys(API_GROUPS, OFF)
        assert client.get("/v2/sessions?sessionType=Online", headers=auth).status_code == 200

    @pytest.mark.parametrize("missing", ["onlineSession", "collectiveIdentifier"])
    def test_a_group_missing_from_the_request_is_21405(self, client, auth, missing):
        """``rateLimits`` must name all thirteen groups (the spec's required list)."""
        rates = {
            g: {"perSecond": 1, "perMinute": 1, "perHour": 1}
            for g in OVERRIDABLE_GROUPS
            if g != missing
        }
        response = client.post("/v2/testdata/rate-limits", json={"rateLimits": rates}, headers=auth)
        assert exception_summary(response) == (
            21405,
            [f"rateLimits.{missing}: Missing data for required field."],
        )


def _rates(**changes):
    rates = {g: {"perSecond": 100, "perMinute": 1000, "perHour": 10000} for g in OVERRIDABLE_GROUPS}
    rates.update(changes)
    return {"rateLimits": rates}


class TestZeroAndMinusOne:
    """0 refuses every request of a group; -1 does not limit the window; nothing 500s."""

    def test_zero_refuses_every_request_for_the_window_length(self, client, auth):
        """sessionList perMinute 0: every list is 429, Retry-After 60 (the closed window)."""
        closed = {"perSecond": 5, "perMinute": 0, "perHour": 50}
        response = client.post(
            "/v2/testdata/rate-limits", json=_rates(sessionList=closed), headers=auth
        )
        assert response.status_code == 200
        answers = [client.get("/v2/sessions?sessionType=Online", headers=auth) for _ in range(2)]
        assert [(r.status_code, r.headers["Retry-After"]) for r in answers] == [(429, "60")] * 2
        assert client.get("/v2/rate-limits", headers=auth).json["sessionList"] == closed

    def test_other_zero_does_not_brick_the_context(self, client, auth):
        """``other`` 0/0/0 closes GET /rate-limits, but the DELETE that undoes it still works."""
        zero = {"perSecond": 0, "perMinute": 0, "perHour": 0}
        response = client.post("/v2/testdata/rate-limits", json=_rates(other=zero), headers=auth)
        assert response.status_code == 200
        refused = client.get("/v2/rate-limits", headers=auth)
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "3600")
        again = client.post("/v2/testdata/rate-limits", json=_rates(other=zero), headers=auth)
        assert again.status_code == 200
        undone = client.delete("/v2/testdata/rate-limits", headers=auth)
        assert (undone.status_code, undone.data) == (200, b"")
        reported = client.get("/v2/rate-limits", headers=auth)
        assert (reported.status_code, reported.json) == (200, dict.fromkeys(API_GROUPS, OFF))

    def test_minus_one_is_not_limited(self, client, auth):
        """sessionList -1/-1/-1: twenty lists in one instant all answer 200; reported as -1."""
        response = client.post(
            "/v2/testdata/rate-limits", json=_rates(sessionList=OFF), headers=auth
        )
        assert response.status_code == 200
        codes = {
            client.get("/v2/sessions?sessionType=Online", headers=auth).status_code
            for _ in range(20)
        }
        assert codes == {200}
        assert client.get("/v2/rate-limits", headers=auth).json["sessionList"] == OFF

    @pytest.mark.parametrize("value", [-2, 2_147_483_648, 1.5])
    def test_other_values_are_21405(self, client, auth, value):
        """Below -1, above int32 or not an integer: 21405 naming the field and the rule."""
        bad = {"perSecond": value, "perMinute": 1, "perHour": 1}
        response = client.post(
            "/v2/testdata/rate-limits", json=_rates(invoiceSend=bad), headers=auth
        )
        code, details = exception_summary(response)
        expected = (
            "rateLimits.invoiceSend.perSecond: Not a valid integer."
            if value == 1.5
            else "rateLimits.invoiceSend.perSecond: Must be -1 (not limited), 0 (refuse every "
            "request) or a limit up to 2147483647."
        )
        assert (code, details) == (21405, [expected])


class TestCloseGroups:
    """Since 2.8.0 closing a session counts in its own group, not in the open group."""

    def test_online_open_closed_by_zero_close_still_works(self, client, auth, keyring):
        """onlineSession 0/0/0 refuses opens (429), but closing an open session is 204."""
        ref = open_session(client, auth, SessionKey.fresh(), keyring)
        zero = {"perSecond": 0, "perMinute": 0, "perHour": 0}
        response = client.post(
            "/v2/testdata/rate-limits", json=_rates(onlineSession=zero), headers=auth
        )
        assert response.status_code == 200
        refused = client.post("/v2/sessions/online", json={}, headers=auth)
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "3600")
        assert refused.json["status"]["details"] == [
            "Przekroczono limit żądań dla grupy onlineSession. Spróbuj ponownie za 3600 s."
        ]
        closed = client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
        assert (closed.status_code, closed.data) == (204, b"")
