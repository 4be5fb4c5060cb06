"""Online sessions over HTTP: open, send, close, status, invoices and UPO."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE, REFERENCE_RE, has_valid_checksum
from tests.support.client_crypto import FA3, SessionKey, b64
from tests.support.exceptions import exception_code, exception_detail
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP, OTHER_NIP
from tests.support.principal import access_token
from tests.support.spec import spec_dir


@pytest.fixture
def token(app):
    return access_token(app, NIP)


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def key():
    return SessionKey.fresh()


def open_session(client, auth, key, keyring, form=FA3):
    body = {
        "formCode": form,
        "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
    }
    response = client.post("/v2/sessions/online", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["referenceNumber"]


def send(client, auth, key, ref, xml):
    return client.post(
        f"/v2/sessions/online/{ref}/invoices", json=key.send_request(xml), headers=auth
    )


def status(client, auth, ref):
    response = client.get(f"/v2/sessions/{ref}", headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def upo_schema():
    return etree.XMLSchema(etree.parse(str(spec_dir() / "upo" / "upo-v4-3.xsd")))


def strip_signature(data: bytes):
    root = etree.fromstring(data)
    for sig in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(sig)
    return root


class TestHappyPath:
    def test_open_answers_201_with_reference_and_validity(self, client, auth, key, keyring):
        """Opening gives an SO reference with a valid checksum, valid 12 h from now."""
        body = {
            "formCode": FA3,
            "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
        }
        response = client.post("/v2/sessions/online", json=body, headers=auth)
        assert response.status_code == 201
        ref = response.json["referenceNumber"]
        assert REFERENCE_RE.match(ref)
        assert ref[9:11] == "SO"
        assert has_valid_checksum(ref)
        assert response.json["validUntil"] == "2026-11-24T21:00:00.000000+00:00"

    def test_valid_invoice_gets_a_ksef_number(self, client, auth, key, keyring):
        """A valid invoice is accepted at once; counters are null until non-zero."""
        ref = open_session(client, auth, key, keyring)
        xml = fa3_invoice(NIP, "FV/1/2026")
        sent = send(client, auth, key, ref, xml)
        assert sent.status_code == 202
        inv_ref = sent.json["referenceNumber"]
        invoice = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}", headers=auth).json
        assert invoice["status"] == {"code": 200, "description": "Sukces"}
        assert KSEF_NUMBER_RE.match(invoice["ksefNumber"])
        assert has_valid_checksum(invoice["ksefNumber"])
        assert invoice["ksefNumber"].startswith(f"{NIP}-20261124-")
        assert invoice["invoiceNumber"] == "FV/1/2026"
        assert invoice["invoiceHash"] == b64(hashlib.sha256(xml).digest())
        assert invoice["ordinalNumber"] == 1
        assert invoice["invoicingMode"] == "Offline"  # P_1 (2026-11-20) is before today
        state = status(client, auth, ref)
        assert state["status"] == {"code": 100, "description": "Sesja interaktywna otwarta"}
        assert state["invoiceCount"] == 1
        assert state["successfulInvoiceCount"] == 1
        assert state["failedInvoiceCount"] is None
        assert "upo" not in state

    def test_close_finishes_with_200_and_a_session_upo(self, client, auth, key, keyring):
        """After close the session is 200 with one UPO page whose link needs no token."""
        ref = open_session(client, auth, key, keyring)
        send(client, auth, key, ref, fa3_invoice(NIP, "FV/2/2026"))
        closed = client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
        assert closed.status_code == 204
        assert closed.data == b""
        state = status(client, auth, ref)
        assert state["status"]["code"] == 200
        assert state["status"]["description"] == "Sesja interaktywna przetworzona pomyślnie"
        [page] = state["upo"]["pages"]
        assert page["downloadUrl"].startswith("http://localhost/storage/01/")
        api = client.get(f"/v2/sessions/{ref}/upo/{page['referenceNumber']}", headers=auth)
        assert api.status_code == 200
        assert api.mimetype == "application/xml"
        assert api.headers["x-ms-meta-hash"] == b64(hashlib.sha256(api.data).digest())
        linked = client.get(page["downloadUrl"].removeprefix("http://localhost"))
        assert linked.status_code == 200
        assert linked.data == api.data
        document = strip_signature(api.data)
        assert upo_schema().validate(etree.ElementTree(document)), upo_schema().error_log
        ns = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}
        assert document.findtext("u:NumerReferencyjnySesji", namespaces=ns) == ref
        assert len(document.findall("u:Dokument", ns)) == 1

    def test_invoice_upo_by_reference_and_by_ksef_number(self, client, auth, key, keyring):
        """Both invoice UPO routes return the same signed, XSD-valid document."""
        ref = open_session(client, auth, key, keyring)
        xml = fa3_invoice(NIP, "FV/3/2026")
        inv_ref = send(client, auth, key, ref, xml).json["referenceNumber"]
        invoice = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}", headers=auth).json
        by_ref = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}/upo", headers=auth)
        by_number = client.get(
            f"/v2/sessions/{ref}/invoices/ksef/{invoice['ksefNumber']}/upo", headers=auth
        )
        assert by_ref.status_code == by_number.status_code == 200
        assert by_ref.data == by_number.data
        document = strip_signature(by_ref.data)
        assert upo_schema().validate(etree.ElementTree(document)), upo_schema().error_log
        ns = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}
        doc = document.find("u:Dokument", ns)
        assert doc.findtext("u:NumerKSeFDokumentu", namespaces=ns) == invoice["ksefNumber"]
        assert doc.findtext("u:SkrotDokumentu", namespaces=ns) == invoice["invoiceHash"]
        linked = client.get(invoice["upoDownloadUrl"].removeprefix("http://localhost"))
        assert linked.data == by_ref.data


class TestInvoiceFailures:
    def test_invalid_invoice_fails_with_430_and_session_445(self, client, auth, key, keyring):
        """An XSD-invalid invoice is 430; with no valid invoice the session ends 445."""
        ref = open_session(client, auth, key, keyring)
        bad = (
            fa3_invoice(NIP, "FV/4/2026")
            .replace(b"<P_2>", b"<P_2X>")
            .replace(b"</P_2>", b"</P_2X>")
        )
        inv_ref = send(client, auth, key, ref, bad).json["referenceNumber"]
        invoice = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}", headers=auth).json
        assert invoice["status"]["code"] == 430
        assert invoice["status"]["description"] == "Błąd weryfikacji pliku faktury"
        assert "ksefNumber" not in invoice
        failed = client.get(f"/v2/sessions/{ref}/invoices/failed", headers=auth).json
        assert [i["referenceNumber"] for i in failed["invoices"]] == [inv_ref]
        client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
        state = status(client, auth, ref)
        assert state["status"] == {
            "code": 445,
            "description": "Błąd weryfikacji, brak poprawnych faktur",
        }
        assert state["failedInvoiceCount"] == 1
        assert state["successfulInvoiceCount"] is None

    def test_duplicate_across_sessions_is_440_with_the_original(self, client, auth, key, keyring):
        """The same seller, kind and number accepted before is a duplicate (440)."""
        first = open_session(client, auth, key, keyring)
        xml = fa3_invoice(NIP, "FV/5/2026")
        original = send(client, auth, key, first, xml).json["referenceNumber"]
        ksef = client.get(f"/v2/sessions/{first}/invoices/{original}", headers=auth).json[
            "ksefNumber"
        ]
        second = open_session(client, auth, key, keyring)
        dup = send(client, auth, key, second, xml).json["referenceNumber"]
        invoice = client.get(f"/v2/sessions/{second}/invoices/{dup}", headers=auth).json
        assert invoice["status"] == {
            "code": 440,
            "description": "Duplikat faktury",
            "details": [
                f"Duplikat faktury. Faktura o numerze KSeF: {ksef} została już "
                f"prawidłowo przesłana do systemu w sesji: {first}"
            ],
            "extensions": {"originalSessionReferenceNumber": first, "originalKsefNumber": ksef},
        }
        assert invoice["invoiceNumber"] == "FV/5/2026"

    def test_plaintext_hash_mismatch_is_430(self, client, auth, key, keyring):
        """invoiceHash that does not match the decrypted bytes fails the invoice with 430."""
        ref = open_session(client, auth, key, keyring)
        body = key.send_request(fa3_invoice(NIP, "FV/6/2026"))
        body["invoiceHash"] = b64(hashlib.sha256(b"other").digest())
        inv_ref = client.post(f"/v2/sessions/online/{ref}/invoices", json=body, headers=auth).json[
            "referenceNumber"
        ]
        invoice = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}", headers=auth).json
        assert invoice["status"]["code"] == 430

    def test_wrong_session_key_is_435(self, client, auth, key, keyring):
        """An invoice encrypted with another key cannot be decrypted (435)."""
        ref = open_session(client, auth, key, keyring)
        other = SessionKey.fresh()
        inv_ref = send(client, auth, other, ref, fa3_invoice(NIP, "FV/7/2026")).json[
            "referenceNumber"
        ]
        invoice = client.get(f"/v2/sessions/{ref}/invoices/{inv_ref}", headers=auth).json
        assert invoice["status"]["code"] in (430, 435)

    def test_xml_bomb_fails_the_invoice_not_the_server(self, client, auth, key, keyring):
        """Entity expansion is refused (430); earlier invoices stay intact."""
        ref = open_session(client, auth, key, keyring)
        good = send(client, auth, key, ref, fa3_invoice(NIP, "FV/8/2026")).json["referenceNumber"]
        lol = "&lol9;"
        entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
        bomb = (
            f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
            f"<lolz>{lol}</lolz>"
        ).encode()
        bad = send(client, auth, key, ref, bomb).json["referenceNumber"]
        assert (
            client.get(f"/v2/sessions/{ref}/invoices/{bad}", headers=auth).json["status"]["code"]
            == 430
        )
        assert (
            client.get(f"/v2/sessions/{ref}/invoices/{good}", headers=auth).json["status"]["code"]
            == 200
        )
        state = status(client, auth, ref)
        assert (state["successfulInvoiceCount"], state["failedInvoiceCount"]) == (1, 1)


class TestBadRequests:
    def test_malformed_json_is_21001(self, client, auth):
        """A body that is not JSON gets ExceptionResponse 21001 (listed since API 2.8)."""
        response = client.post(
            "/v2/sessions/online",
            data=b"{not json",
            headers={**auth, "Content-Type": "application/json"},
        )
        assert exception_code(response) == 21001
        assert exception_detail(response)["exceptionDescription"] == "Nieczytelna treść."

    def test_missing_fields_are_21405_with_details(self, client, auth):
        """Validator messages are the details."""
        response = client.post("/v2/sessions/online", json={"formCode": FA3}, headers=auth)
        assert exception_code(response) == 21405
        assert response.json["exception"]["exceptionDetailList"][0]["details"] == [
            "encryption: Missing data for required field."
        ]

    def test_problem_details_format_on_request(self, client, auth):
        """X-Error-Format: problem-details switches 400 to problem+json."""
        response = client.post(
            "/v2/sessions/online", json={}, headers={**auth, "X-Error-Format": "problem-details"}
        )
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"][0]["code"] == 21405
        assert response.json["instance"] == "/v2/sessions/online"

    def test_unsupported_form_code(self, client, auth, key, keyring):
        """An unknown formCode is 21405 with the spec's message."""
        body = {
            "formCode": {"systemCode": "FA (9)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
        }
        response = client.post("/v2/sessions/online", json=body, headers=auth)
        assert exception_code(response) == 21405
        assert response.json["exception"]["exceptionDetailList"][0]["details"] == [
            "Wskazany kod formularza nie jest wspierany."
        ]

    def test_wrong_base64_content_is_21405(self, client, auth, key, keyring):
        """encryptedInvoiceContent that is not Base64 is 21405."""
        ref = open_session(client, auth, key, keyring)
        body = key.send_request(fa3_invoice(NIP, "FV/9/2026"))
        body["encryptedInvoiceContent"] = "***not base64***"
        response = client.post(f"/v2/sessions/online/{ref}/invoices", json=body, headers=auth)
        assert exception_code(response) == 21405

    def test_wrong_size_and_hash_are_21402_and_21403(self, client, auth, key, keyring):
        """Encrypted size and hash are checked synchronously; nothing is stored."""
        ref = open_session(client, auth, key, keyring)
        kept = send(client, auth, key, ref, fa3_invoice(NIP, "FV/10/2026")).json["referenceNumber"]
        body = key.send_request(fa3_invoice(NIP, "FV/11/2026"))
        wrong_size = {**body, "encryptedInvoiceSize": body["encryptedInvoiceSize"] + 16}
        wrong_hash = {**body, "encryptedInvoiceHash": b64(hashlib.sha256(b"x").digest())}
        url = f"/v2/sessions/online/{ref}/invoices"
        assert exception_code(client.post(url, json=wrong_size, headers=auth)) == 21402
        assert exception_code(client.post(url, json=wrong_hash, headers=auth)) == 21403
        listing = client.get(f"/v2/sessions/{ref}/invoices", headers=auth).json["invoices"]
        assert [i["referenceNumber"] for i in listing] == [kept]

    def test_key_wrapped_with_another_public_key_ends_415(self, client, auth, key, keyring):
        """A key the mock cannot unwrap: 201, then status 415 and sends refused (21180)."""
        ref = open_session_with(
            client, auth, key.encryption(keyring.ksef_token.certificate.public_key())
        )
        state = status(client, auth, ref)
        assert state["status"] == {
            "code": 415,
            "description": "Błąd odszyfrowania dostarczonego klucza",
        }
        response = send(client, auth, key, ref, fa3_invoice(NIP, "FV/12/2026"))
        assert exception_code(response) == 21180
        assert response.json["exception"]["exceptionDetailList"][0]["details"] == [
            "Status sesji 415 uniemożliwia wysyłkę faktur."
        ]

    def test_unknown_public_key_id_is_21470(self, client, auth, key, keyring):
        """publicKeyId must name the SymmetricKeyEncryption key."""
        encryption = key.encryption(keyring.symmetric_key.certificate.public_key())
        encryption["publicKeyId"] = keyring.ksef_token.public_key_id
        response = client.post(
            "/v2/sessions/online", json={"formCode": FA3, "encryption": encryption}, headers=auth
        )
        assert exception_code(response) == 21470

    def test_missing_bearer_is_401_problem(self, client):
        """No token: 401 application/problem+json."""
        response = client.get("/v2/sessions?sessionType=Online")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 401

    def test_foreign_context_cannot_see_the_session(self, app, client, auth, key, keyring):
        """Another context's token gets 21173 for the session and all its routes."""
        ref = open_session(client, auth, key, keyring)
        foreign = {"Authorization": f"Bearer {access_token(app, OTHER_NIP)}"}
        assert exception_code(client.get(f"/v2/sessions/{ref}", headers=foreign)) == 21173
        response = send(client, foreign, key, ref, fa3_invoice(OTHER_NIP, "FV/13/2026"))
        assert exception_code(response) == 21173
        assert (
            exception_code(client.post(f"/v2/sessions/online/{ref}/close", headers=foreign))
            == 21173
        )

    def test_close_twice_is_21180(self, client, auth, key, keyring):
        """A closed session can be closed no more."""
        ref = open_session(client, auth, key, keyring)
        assert client.post(f"/v2/sessions/online/{ref}/close", headers=auth).status_code == 204
        assert (
            exception_code(client.post(f"/v2/sessions/online/{ref}/close", headers=auth)) == 21180
        )


def open_session_with(client, auth, encryption):
    response = client.post(
        "/v2/sessions/online", json={"formCode": FA3, "encryption": encryption}, headers=auth
    )
    assert response.status_code == 201
    return response.json["referenceNumber"]


def fresh_auth(app):
    """A new token: the clock tests move past the lifetime of the first one."""
    return {"Authorization": f"Bearer {access_token(app, NIP)}"}


class TestClock:
    def test_empty_session_expires_into_440(self, app, client, auth, key, keyring, clock):
        """12 h after opening, an empty session is closed and cancelled (440)."""
        ref = open_session(client, auth, key, keyring)
        clock.shift(timedelta(hours=12))
        state = status(client, fresh_auth(app), ref)
        assert state["status"] == {
            "code": 440,
            "description": "Sesja anulowana",
            "details": ["Nie przesłano faktur"],
        }
        assert state["dateUpdated"] == "2026-11-24T21:00:00.000000+00:00"

    def test_expired_session_with_an_invoice_succeeds(self, app, client, auth, key, keyring, clock):
        """Expiry closes the session; its valid invoice makes it 200."""
        ref = open_session(client, auth, key, keyring)
        send(client, auth, key, ref, fa3_invoice(NIP, "FV/14/2026"))
        clock.shift(timedelta(hours=13))
        assert status(client, fresh_auth(app), ref)["status"]["code"] == 200


class TestListing:
    def test_sessions_listing_with_paging_and_filters(self, client, auth, key, keyring, clock):
        """GET /sessions pages newest first and filters by status."""
        refs = []
        for _ in range(12):
            refs.append(open_session(client, auth, key, keyring))
            clock.shift(timedelta(seconds=1))
        client.post(f"/v2/sessions/online/{refs[0]}/close", headers=auth)
        first = client.get("/v2/sessions?sessionType=Online&pageSize=10", headers=auth).json
        assert [s["referenceNumber"] for s in first["sessions"]] == refs[::-1][:10]
        assert first["sessions"][0]["totalInvoiceCount"] == 0
        second = client.get(
            "/v2/sessions?sessionType=Online&pageSize=10",
            headers={**auth, "x-continuation-token": first["continuationToken"]},
        ).json
        assert [s["referenceNumber"] for s in second["sessions"]] == refs[1::-1]
        assert second["continuationToken"] is None
        cancelled = client.get(
            "/v2/sessions?sessionType=Online&statuses=Cancelled", headers=auth
        ).json
        assert [s["referenceNumber"] for s in cancelled["sessions"]] == [refs[0]]
        assert client.get("/v2/sessions?sessionType=Batch", headers=auth).json["sessions"] == []

    def test_bad_continuation_token_is_21418(self, client, auth):
        """An unreadable continuation token is 21418."""
        response = client.get(
            "/v2/sessions?sessionType=Online", headers={**auth, "x-continuation-token": "garbage!"}
        )
        assert exception_code(response) == 21418

    def test_missing_session_type_is_21405(self, client, auth):
        """sessionType is required."""
        assert exception_code(client.get("/v2/sessions", headers=auth)) == 21405


def test_same_seed_and_requests_give_the_same_bytes(settings, keyring):
    """Two fresh mocks with one seed answer a flow with identical bytes."""
    from mock_ksef.app import create_app
    from mock_ksef.clock import FrozenClock
    from tests.conftest import START

    key = SessionKey(b"k" * 32, b"i" * 16)
    outputs = []
    for _ in range(2):
        app = create_app(settings, clock=FrozenClock(START), keys=keyring)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
        ref = open_session(client, auth, key, keyring)
        send(client, auth, key, ref, fa3_invoice(NIP, "FV/15/2026"))
        client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
        state = client.get(f"/v2/sessions/{ref}", headers=auth)
        page = json.loads(state.data)["upo"]["pages"][0]["referenceNumber"]
        upo = client.get(f"/v2/sessions/{ref}/upo/{page}", headers=auth)
        outputs.append((auth, state.data, upo.data))
    assert outputs[0] == outputs[1]
