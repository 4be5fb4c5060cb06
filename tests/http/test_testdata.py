"""The token-free ``/testdata/*`` endpoints: exact 200s, records, and their effects."""

from __future__ import annotations

import pytest

from mock_ksef.domain import testdata
from mock_ksef.http.context import services
from mock_ksef.store import kinds
from tests.batch.support import BatchClient, Package, zip_bytes
from tests.lifecycle.sdk import login
from tests.support.auth import bearer, body, full_login, start_ksef_token_auth
from tests.support.exceptions import exception_detail
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.principal import access_token

PESEL = "90010112345"
BLOCKED_DETAILS = [
    "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów "
    "przez formularz zgłoszeniowy."
]
SUBJECT = {"subjectNip": NIP, "subjectType": "VatGroup", "description": "Grupa VAT testowa"}
PERSON = {"nip": NIP, "pesel": PESEL, "isBailiff": False, "description": "Osoba testowa"}
GRANT = {
    "contextIdentifier": {"type": "Nip", "value": NIP},
    "authorizedIdentifier": {"type": "Pesel", "value": PESEL},
    "permissions": [{"description": "Wystawianie faktur", "permissionType": "InvoiceWrite"}],
}
CONTEXT = {"contextIdentifier": {"type": "Nip", "value": NIP}}

#: Every token-free test-data route with a valid body.
ROUTES = [
    ("/testdata/subject", SUBJECT),
    ("/testdata/subject/remove", {"subjectNip": NIP}),
    ("/testdata/person", PERSON),
    ("/testdata/person/remove", {"nip": NIP}),
    ("/testdata/permissions", GRANT),
    ("/testdata/permissions/revoke", {k: GRANT[k] for k in list(GRANT)[:2]}),
    ("/testdata/attachment", {"nip": NIP}),
    ("/testdata/attachment/revoke", {"nip": NIP, "expectedEndDate": None}),
    ("/testdata/context/block", CONTEXT),
    ("/testdata/context/unblock", CONTEXT),
]


@pytest.mark.parametrize(("path", "request_body"), ROUTES)
def test_each_route_answers_a_bare_200_without_a_token(client, path, request_body):
    """The spec's success: 200 with no body, and no Authorization header needed."""
    response = client.post("/v2" + path, json={**request_body, "unknownProperty": 1})
    assert (response.status_code, response.data) == (200, b"")


def test_subjects_persons_and_grants_are_recorded_and_removed(app, client):
    """Records land in the store (with the mock's time) and the remove routes drop them."""
    store = services(app).store
    for path, request_body in ROUTES[0:6:2]:
        assert client.post("/v2" + path, json=request_body).status_code == 200
    assert [r["subjectNip"] for r in testdata.records(store, kinds.TESTDATA_SUBJECT)] == [NIP]
    person = testdata.records(store, kinds.TESTDATA_PERSON)
    assert person == [
        {**PERSON, "isDeceased": False, "createdDate": None, "recorded": person[0]["recorded"]}
    ]
    grant = testdata.records(store, kinds.TESTDATA_PERMISSION)[0]
    assert grant["permissions"] == GRANT["permissions"]
    for path, request_body in ROUTES[1:6:2]:
        assert client.post("/v2" + path, json=request_body).status_code == 200
    assert [
        testdata.records(store, k)
        for k in (kinds.TESTDATA_SUBJECT, kinds.TESTDATA_PERSON, kinds.TESTDATA_PERMISSION)
    ] == [[], [], []]


@pytest.mark.parametrize(
    ("path", "request_body", "detail"),
    [
        (
            "/testdata/subject",
            {**SUBJECT, "subjectNip": "0123456789"},
            "subjectNip: nieprawidłowy NIP: 0123456789",
        ),
        (
            "/testdata/subject",
            {**SUBJECT, "subjectType": "Firma"},
            "subjectType: Must be one of: EnforcementAuthority, VatGroup, JST.",
        ),
        ("/testdata/person", {**PERSON, "isBailiff": "no"}, "isBailiff: Not a valid boolean."),
        ("/testdata/attachment", {}, "nip: Missing data for required field."),
    ],
)
def test_bad_bodies_are_21405(client, path, request_body, detail):
    """A body breaking the spec's schema is 400 21405 naming the field."""
    response = client.post("/v2" + path, json=request_body)
    error = exception_detail(response)
    assert (error["exceptionCode"], error["details"]) == (21405, [detail])


class TestContextBlock:
    """``/testdata/context/block`` makes logins end in 480; unblock lifts it."""

    def test_a_blocked_context_ends_the_sdk_login_in_480(self, client, sdk):
        """The SDK's login polls to status 480 'Uwierzytelnienie zablokowane' and gives up."""
        assert client.post("/v2/testdata/context/block", json=CONTEXT).status_code == 200
        with pytest.raises(RuntimeError) as failed:
            login(sdk, NIP)
        assert str(failed.value).startswith(
            "Authentication failed: 480 Uwierzytelnienie zablokowane"
        )

    def test_status_payload_and_unblock(self, client):
        """The operation's status is 480 with its details; after unblock a login succeeds."""
        client.post("/v2/testdata/context/block", json=CONTEXT)
        reference, op_token = start_ksef_token_auth(client, NIP)
        status = body(client.get(f"/v2/auth/{reference}", headers=bearer(op_token)))["status"]
        assert status == {
            "code": 480,
            "description": "Uwierzytelnienie zablokowane",
            "details": BLOCKED_DETAILS,
        }
        assert client.post("/v2/testdata/context/unblock", json=CONTEXT).status_code == 200
        assert full_login(client, NIP).access_token

    def test_other_contexts_are_not_blocked(self, client):
        """Blocking one NIP leaves another NIP's logins alone."""
        client.post("/v2/testdata/context/block", json=CONTEXT)
        assert full_login(client, "7010002137").access_token


class TestAttachmentConsent:
    """A batch invoice with ``Zalacznik`` needs the seller's consent (else 415)."""

    @pytest.fixture
    def batch(self, app, client, keyring):
        return BatchClient(
            client, access_token(app, NIP), keyring.symmetric_key.certificate.public_key()
        )

    def _row(self, batch, number):
        package = Package.of(zip_bytes({"a.xml": fa3_invoice(NIP, number, attachment=True)}))
        reference, _ = batch.run(package)
        return batch.invoices(reference)[0]["status"]

    def test_without_consent_the_invoice_is_415(self, batch):
        """No consent registered: 415 with the reason."""
        assert self._row(batch, "FV/Z/1") == {
            "code": 415,
            "description": "Brak możliwości wysyłania faktury z załącznikiem",
            "details": [
                "Brak zgody na wysyłanie faktur z załącznikiem (Zalacznik) dla tego podmiotu"
            ],
        }

    def test_with_consent_it_passes_and_revoking_ends_it(self, client, batch):
        """Consent → 200; revoked at once → 415 again."""
        client.post("/v2/testdata/attachment", json={"nip": NIP})
        assert self._row(batch, "FV/Z/2")["code"] == 200
        client.post("/v2/testdata/attachment/revoke", json={"nip": NIP})
        assert self._row(batch, "FV/Z/3")["code"] == 415

    def test_a_revocation_with_an_end_date_keeps_it_until_that_day(self, client, batch):
        """``expectedEndDate`` in the future keeps the consent; a past one ends it."""
        client.post("/v2/testdata/attachment", json={"nip": NIP})
        client.post(
            "/v2/testdata/attachment/revoke", json={"nip": NIP, "expectedEndDate": "2026-11-24"}
        )
        assert self._row(batch, "FV/Z/4")["code"] == 200
        client.post(
            "/v2/testdata/attachment/revoke", json={"nip": NIP, "expectedEndDate": "2026-11-23"}
        )
        assert self._row(batch, "FV/Z/5")["code"] == 415
