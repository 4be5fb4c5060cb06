"""Part uploads (signature, window, size, re-upload) and the checks of open and close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.batch.support import Package, zip_bytes
from tests.support.client_crypto import FA3, sha
from tests.support.exceptions import exception_summary
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.principal import access_token


def archive():
    return zip_bytes({"1.xml": fa3_invoice(NIP, "FV/U/1")})


def problem(response):
    assert response.mimetype == "application/problem+json", response.data
    return response.status_code, response.json


class TestPartUpload:
    def test_a_tampered_signature_is_403(self, batch):
        """Changing one character of ``sig`` makes the link worthless: 403 problem+json."""
        package = Package.of(archive(), parts=2)
        upload = batch.opened(package)["partUploadRequests"][0]
        url = upload["url"]
        upload = {**upload, "url": url[:-1] + ("0" if url[-1] != "0" else "1")}
        status, body = problem(batch.put(upload, package.parts[0]))
        assert status == 403
        assert body["reasonCode"] == "insufficient-resource-access"
        assert body["detail"] == "Link odrzucony: signature mismatch."

    def test_a_link_of_another_part_is_403(self, batch):
        """The signature covers the path: part 1's query on part 2's path is refused."""
        package = Package.of(archive(), parts=2)
        first, second = batch.opened(package)["partUploadRequests"]
        query = first["url"].split("?", 1)[1]
        forged = {**second, "url": second["url"].split("?", 1)[0] + "?" + query}
        assert batch.put(forged, package.parts[1]).status_code == 403

    def test_after_the_window_upload_is_403_and_close_is_21205(self, batch, clock):
        """Two parts: 40 minutes to upload; part 2 after that is 403, close says 21205."""
        package = Package.of(archive(), parts=2)
        opened = batch.opened(package)
        first, second = opened["partUploadRequests"]
        assert batch.put(first, package.parts[0]).status_code == 201
        clock.shift(timedelta(minutes=40))
        status, body = problem(batch.put(second, package.parts[1]))
        assert status == 403
        assert body["detail"] == "Link odrzucony: link expired."
        code, details = exception_summary(batch.close(opened["referenceNumber"]))
        assert (code, details) == (21205, ["Nie przesłano zadeklarowanej '2' części pliku."])

    def test_just_before_the_window_ends_upload_works(self, batch, clock):
        """One part: at 19:59 the link still works."""
        package = Package.of(archive())
        upload = batch.opened(package)["partUploadRequests"][0]
        clock.shift(timedelta(minutes=19, seconds=59))
        assert batch.put(upload, package.parts[0]).status_code == 201

    def test_a_body_longer_than_declared_is_400_and_nothing_is_kept(self, batch):
        """One byte too many: 400 with a clear JSON body; close then misses the part."""
        package = Package.of(archive())
        opened = batch.opened(package)
        upload = opened["partUploadRequests"][0]
        status, body = problem(batch.put(upload, package.parts[0] + b"!"))
        assert status == 400
        assert body["code"] == "PartTooLarge"
        size = len(package.parts[0])
        assert body["detail"] == f"Część 1 ma {size + 1} B, a zadeklarowano {size} B."
        code, _ = exception_summary(batch.close(opened["referenceNumber"]))
        assert code == 21205

    def test_a_shorter_body_is_kept_and_close_answers_21157(self, batch):
        """A part shorter than declared is stored (201); close refuses it with 21157."""
        package = Package.of(archive(), parts=2)
        opened = batch.opened(package)
        first, second = opened["partUploadRequests"]
        assert batch.put(first, package.parts[0]).status_code == 201
        assert batch.put(second, package.parts[1][:-16]).status_code == 201
        code, details = exception_summary(batch.close(opened["referenceNumber"]))
        assert code == 21157
        assert details == ["Zadeklarowany rozmiar części '2' nie zgadza się z rzeczywistym."]

    def test_a_reupload_replaces_the_part(self, batch):
        """Azure semantics: the last upload of a part wins."""
        package = Package.of(archive())
        opened = batch.opened(package)
        upload = opened["partUploadRequests"][0]
        assert batch.put(upload, package.parts[0][:-16]).status_code == 201
        assert batch.put(upload, package.parts[0]).status_code == 201
        assert batch.close(opened["referenceNumber"]).status_code == 204
        assert batch.status(opened["referenceNumber"])["status"]["code"] == 200

    def test_after_close_upload_is_403(self, batch):
        """A processed session takes no more parts."""
        package = Package.of(archive())
        opened = batch.opened(package)
        batch.upload_all(opened, package)
        assert batch.close(opened["referenceNumber"]).status_code == 204
        status, body = problem(batch.put(opened["partUploadRequests"][0], package.parts[0]))
        assert status == 403
        assert "nie przyjmuje części" in body["detail"]

    def test_uploads_need_no_bearer_token(self, batch):
        """The PUT carries no Authorization header and still succeeds."""
        package = Package.of(archive())
        upload = batch.opened(package)["partUploadRequests"][0]
        response = batch.client.put(upload["url"].split("localhost", 1)[1], data=package.parts[0])
        assert response.status_code == 201


class TestOpen:
    def test_pef_is_not_a_batch_form(self, batch):
        """PEF (3) is online only: 21405."""
        package = Package.of(archive())
        form = {"systemCode": "PEF (3)", "schemaVersion": "2-1", "value": "PEF"}
        code, details = exception_summary(batch.open(package, formCode=form))
        assert (code, details) == (21405, ["Wskazany kod formularza nie jest wspierany."])

    def test_more_than_50_parts_is_21161(self, batch):
        """51 declared parts: 21161."""
        package = Package.of(archive())
        body = package.request(batch.public_key)
        body["batchFile"]["fileParts"] = [
            {"ordinalNumber": n, "fileSize": 16, "fileHash": sha(b"x")} for n in range(1, 52)
        ]
        code, details = exception_summary(batch.open(package, batchFile=body["batchFile"]))
        assert (code, details) == (21161, ["Zadeklarowano 51 części; dozwolone: 50."])

    def test_a_part_above_100_mb_encrypted_is_21157(self, batch):
        """100 000 017 encrypted bytes cannot come from 100 MB of plain data: 21157."""
        package = Package.of(archive())
        body = package.request(batch.public_key)
        body["batchFile"]["fileParts"][0]["fileSize"] = 100_000_017
        code, details = exception_summary(batch.open(package, batchFile=body["batchFile"]))
        assert code == 21157
        assert details == ["Rozmiar części 1 przekroczył dozwolony rozmiar 100MB."]

    @pytest.mark.parametrize("ordinals", [[1, 3], [2, 3], [1, 1]])
    def test_ordinals_must_be_unique_and_contiguous(self, batch, ordinals):
        """Parts numbered with gaps, not from 1, or twice: 21405."""
        package = Package.of(archive())
        body = package.request(batch.public_key)
        body["batchFile"]["fileParts"] = [
            {"ordinalNumber": n, "fileSize": 16, "fileHash": sha(b"x")} for n in ordinals
        ]
        code, _ = exception_summary(batch.open(package, batchFile=body["batchFile"]))
        assert code == 21405

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("fileSize", 0),
            ("fileSize", 5_000_000_001),
            ("fileHash", "short"),
            ("compressionType", "Rar"),
            ("fileParts", []),
        ],
    )
    def test_batch_file_fields_are_validated(self, batch, field, value):
        """Out-of-range sizes, bad hashes, unknown compression, no parts: 21405."""
        package = Package.of(archive())
        batch_file = {**package.request(batch.public_key)["batchFile"], field: value}
        code, _ = exception_summary(batch.open(package, batchFile=batch_file))
        assert code == 21405

    def test_an_unknown_public_key_id_is_21470(self, batch):
        """``publicKeyId`` other than the SymmetricKeyEncryption key: 21470."""
        package = Package.of(archive())
        encryption = {**package.request(batch.public_key)["encryption"], "publicKeyId": "x" * 44}
        code, _ = exception_summary(batch.open(package, encryption=encryption))
        assert code == 21470

    def test_without_invoice_write_it_is_403(self, app, client, batch):
        """A token with only PefInvoiceWrite may not open batch sessions."""
        token = access_token(app, NIP, ("PefInvoiceWrite",))
        package = Package.of(archive())
        response = client.post(
            "/v2/sessions/batch",
            json=package.request(batch.public_key),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403
        assert response.json["reasonCode"] == "missing-permissions"

    def test_compression_defaults_to_zip(self, batch):
        """No ``compressionType``: the package is read as Zip."""
        package = Package.of(archive())
        body = package.request(batch.public_key)
        del body["batchFile"]["compressionType"]
        response = batch.client.post("/v2/sessions/batch", json=body, headers=batch.auth)
        batch.upload_all(response.json, package)
        reference = response.json["referenceNumber"]
        assert batch.close(reference).status_code == 204
        assert batch.status(reference)["status"]["code"] == 200


class TestClose:
    def test_closing_twice_is_21180(self, batch):
        """The second close finds status 200: 21180."""
        package = Package.of(archive())
        reference, _ = batch.run(package)
        code, details = exception_summary(batch.close(reference))
        assert (code, details) == (21180, ["Status sesji 200 uniemożliwia jej zamknięcie."])

    def test_an_unknown_session_is_21173(self, batch):
        """No such session: 21173."""
        code, _ = exception_summary(batch.close("20261124-SB-0000000000-0000000000-00"))
        assert code == 21173

    def test_an_online_session_is_not_closed_here(self, batch, keyring):
        """The batch close route does not see online sessions: 21173."""
        from tests.support.client_crypto import SessionKey

        body = {
            "formCode": FA3,
            "encryption": SessionKey.fresh().encryption(
                keyring.symmetric_key.certificate.public_key()
            ),
        }
        opened = batch.client.post("/v2/sessions/online", json=body, headers=batch.auth)
        code, _ = exception_summary(batch.close(opened.json["referenceNumber"]))
        assert code == 21173

    def test_never_closed_it_is_cancelled_after_12_hours(self, app, batch, clock):
        """All parts uploaded but no close: 440 "Przekroczono czas wysyłki"; close: 21208."""
        package = Package.of(archive())
        opened = batch.opened(package)
        batch.upload_all(opened, package)
        clock.shift(timedelta(hours=12))
        batch.auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
        reference = opened["referenceNumber"]
        assert batch.status(reference)["status"] == {
            "code": 440,
            "description": "Sesja anulowana",
            "details": ["Przekroczono czas wysyłki"],
        }
        code, details = exception_summary(batch.close(reference))
        assert (code, details) == (21208, ["Sesja anulowana, przekroczony czas wysyłki."])


class TestGarbage:
    @pytest.mark.parametrize(
        ("body", "code"),
        [(b"", 21405), (b"{", 21001), (b"[]", 21405), (b'{"formCode": 1}', 21405)],
    )
    def test_garbage_open_bodies_are_400s(self, batch, body, code):
        """Malformed: 21001 (listed since API 2.8); empty, non-object, ill-typed: 21405."""
        response = batch.client.post(
            "/v2/sessions/batch",
            data=body,
            headers={**batch.auth, "Content-Type": "application/json"},
        )
        assert exception_summary(response)[0] == code

    @pytest.mark.parametrize(
        "query", ["", "?se=abc&sp=w&sig=00", "?se=1&sp=w", "?se=99999999999999999999&sig=x"]
    )
    def test_unsigned_or_malformed_links_are_403(self, batch, query):
        """No signature, a non-numeric or absurd expiry: 403, never a 500."""
        response = batch.client.put(
            "/storage/00/20261124-sb-0000000000-0000000000-00/batch-parts/1" + query, data=b"x"
        )
        assert response.status_code == 403


def test_reset_discards_uploaded_parts(app, batch):
    """``POST /_mock/reset`` deletes the parts of sessions that were never closed."""
    from mock_ksef.http.context import services

    package = Package.of(archive(), parts=2)
    opened = batch.opened(package)
    assert batch.put(opened["partUploadRequests"][0], package.parts[0]).status_code == 201
    stored = services(app).parts.part_path(opened["referenceNumber"], 1)  # type: ignore[attr-defined]
    assert stored.is_file()
    assert batch.client.post("/_mock/reset").status_code == 200
    assert not stored.exists()
