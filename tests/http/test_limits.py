"""``/limits/*``, ``/rate-limits`` and the access-token ``/testdata`` routes that change them."""

from __future__ import annotations

import pytest

from mock_ksef.faults.routes import GROUP_LIMITS
from mock_ksef.http.limits import API_GROUPS, UNLIMITED
from tests.batch.support import BatchClient, Package, zip_bytes
from tests.http.test_sessions_online import open_session, send
from tests.support.client_crypto import SessionKey
from tests.support.invoices import fa3_invoice
from tests.support.principal import access_token

NIP = "5265877635"
DEFAULT_SESSION = {
    "maxInvoiceSizeInMB": 1,
    "maxInvoiceWithAttachmentSizeInMB": 3,
    "maxInvoices": 10000,
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
}
OFF = {"perSecond": UNLIMITED, "perMinute": UNLIMITED, "perHour": UNLIMITED}


def _spec_rates():
    return {
        g: {"perSecond": v.per_second, "perMinute": v.per_minute, "perHour": v.per_hour}
        for g, v in GROUP_LIMITS.items()
        if g != "public"
    }


@pytest.fixture
def auth(app):
    return {"Authorization": f"Bearer {access_token(app, NIP)}"}


def _exception(response):
    assert response.status_code == 400, response.data
    detail = response.json["exception"]["exceptionDetailList"][0]
    return detail["exceptionCode"], detail["details"]


class TestSessionLimits:
    """``GET /limits/context`` and ``/testdata/limits/context/session``."""

    def test_defaults_are_the_settings(self, client, auth):
        """1 MB, 3 MB and 10 000 invoices for both session types, as the spec's example."""
        response = client.get("/v2/limits/context", headers=auth)
        assert (response.status_code, response.json) == (
            200,
            {"onlineSession": DEFAULT_SESSION, "batchSession": DEFAULT_SESSION},
        )

    def test_set_report_and_restore(self, client, auth):
        """POST → 200 no body and reported as set; DELETE → 200 and the defaults again."""
        response = client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/limits/context", headers=auth).json == LOWERED
        response = client.delete("/v2/testdata/limits/context/session", headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert (
            client.get("/v2/limits/context", headers=auth).json["onlineSession"] == DEFAULT_SESSION
        )

    def test_other_contexts_keep_the_defaults(self, app, client, auth):
        """Limits are per context."""
        client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        other = {"Authorization": f"Bearer {access_token(app, '7010002137')}"}
        assert (
            client.get("/v2/limits/context", headers=other).json["onlineSession"] == DEFAULT_SESSION
        )

    def test_a_lowered_online_limit_answers_21155(self, client, auth, keyring):
        """maxInvoices 1: the second send of the session is 400 21155 naming the limit."""
        client.post("/v2/testdata/limits/context/session", json=LOWERED, headers=auth)
        key = SessionKey.fresh()
        ref = open_session(client, auth, key, keyring)
        assert send(client, auth, key, ref, fa3_invoice(NIP, "FV/L/1")).status_code == 202
        assert _exception(send(client, auth, key, ref, fa3_invoice(NIP, "FV/L/2"))) == (
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
        assert state["status"]["details"] == ["Paczka zawiera 3 faktur; limit sesji to 2."]
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
        assert _exception(response)[0] == 21405

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
        """The natural scenario has no limiter: every window is int32 max."""
        response = client.get("/v2/rate-limits", headers=auth)
        assert (response.status_code, response.json) == (200, dict.fromkeys(API_GROUPS, OFF))

    def test_production_values_are_the_spec_table(self, client, auth):
        """``/testdata/rate-limits/production`` → the spec's x-rate-limits, enforced."""
        response = client.post("/v2/testdata/rate-limits/production", headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/rate-limits", headers=auth).json == _spec_rates()
        codes = [
            client.get("/v2/sessions?sessionType=Online", headers=auth).status_code
            for _ in range(6)
        ]
        assert codes == [200] * 5 + [429]

    def test_lowered_limits_answer_429_earlier_and_delete_restores(self, client, auth):
        """sessionList 2/s: the third list is 429 with Retry-After; DELETE switches it off."""
        rates = {g: {"perSecond": 100, "perMinute": 1000, "perHour": 10000} for g in API_GROUPS}
        rates["sessionList"] = {"perSecond": 2, "perMinute": 5, "perHour": 50}
        response = client.post("/v2/testdata/rate-limits", json={"rateLimits": rates}, headers=auth)
        assert (response.status_code, response.data) == (200, b"")
        assert client.get("/v2/rate-limits", headers=auth).json == rates
        codes = [client.get("/v2/sessions?sessionType=Online", headers=auth) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert codes[2].headers["Retry-After"] == "1"
        assert client.delete("/v2/testdata/rate-limits", headers=auth).status_code == 200
        assert client.get("/v2/rate-limits", headers=auth).json == dict.fromkeys(API_GROUPS, OFF)
        assert client.get("/v2/sessions?sessionType=Online", headers=auth).status_code == 200

    def test_a_group_missing_from_the_request_is_21405(self, client, auth):
        """``rateLimits`` must name all twelve groups (the spec's required list)."""
        rates = {g: {"perSecond": 1, "perMinute": 1, "perHour": 1} for g in API_GROUPS[1:]}
        response = client.post("/v2/testdata/rate-limits", json={"rateLimits": rates}, headers=auth)
        assert _exception(response) == (
            21405,
            [f"rateLimits.{API_GROUPS[0]}: Missing data for required field."],
        )
