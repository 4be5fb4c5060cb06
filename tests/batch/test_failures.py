"""Every batch failure status, produced by the real faulty input a client could send."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mock_ksef.crypto.envelope import rsa_oaep_encrypt
from tests.batch.support import Package, tar_gz_bytes, zip_bytes
from tests.support.client_crypto import b64, sha
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

KEY_ERROR = {"code": 415, "description": "Błąd odszyfrowania dostarczonego klucza"}


def status_of(state):
    return state["status"]


def package_status(code, *details):
    texts = {
        405: "Błąd weryfikacji poprawności dostarczonych elementów paczki",
        420: "Przekroczony limit faktur w sesji",
        430: "Błąd dekompresji pierwotnego archiwum",
        435: "Błąd odszyfrowania zaszyfrowanych części archiwum",
        440: "Sesja anulowana",
        445: "Błąd weryfikacji, brak poprawnych faktur",
    }
    body = {"code": code, "description": texts[code]}
    if details:
        body["details"] = list(details)
    return body


def good_zip():
    return zip_bytes({"1.xml": fa3_invoice(NIP, "FV/F/1"), "2.xml": fa3_invoice(NIP, "FV/F/2")})


def no_counters(state):
    return not any(state.get(k) for k in ("invoiceCount", "successfulInvoiceCount", "upo"))


def test_a_key_the_mock_cannot_unwrap_ends_in_415(batch):
    """A 16-byte AES key is wrapped: open 201, upload 201, close 204, then 415."""
    package = Package.of(good_zip(), parts=2)
    short_key = b64(rsa_oaep_encrypt(batch.public_key, b"0123456789abcdef"))
    body = package.request(batch.public_key)
    body["encryption"]["encryptedSymmetricKey"] = short_key
    response = batch.client.post("/v2/sessions/batch", json=body, headers=batch.auth)
    assert response.status_code == 201
    opened = response.json
    batch.upload_all(opened, package)
    assert batch.close(opened["referenceNumber"]).status_code == 204
    state = batch.status(opened["referenceNumber"])
    assert status_of(state) == KEY_ERROR
    assert no_counters(state)
    assert batch.invoices(opened["referenceNumber"]) == []


def test_a_part_whose_padding_is_broken_ends_in_435(batch):
    """Part 2 is AES-CBC without PKCS#7 padding (last byte 0): decryption fails, 435."""
    package = Package.of(good_zip(), parts=2)
    raw = Cipher(algorithms.AES(package.key.key), modes.CBC(package.key.iv)).encryptor()
    package.parts[1] = raw.update(b"\x01" * 31 + b"\x00") + raw.finalize()
    _, state = batch.run(package)
    assert status_of(state) == package_status(
        435,
        "Nie udało się odszyfrować części '2': AES-256-CBC decryption or PKCS#7 unpadding failed",
    )


def test_a_part_that_differs_from_its_declared_hash_ends_in_405(batch):
    """Part 2 is declared with another hash than the bytes uploaded: 405."""
    package = Package.of(good_zip(), parts=3)
    body = package.request(batch.public_key)
    body["batchFile"]["fileParts"][1]["fileHash"] = sha(b"something else")
    response = batch.client.post("/v2/sessions/batch", json=body, headers=batch.auth)
    batch.upload_all(response.json, package)
    reference = response.json["referenceNumber"]
    assert batch.close(reference).status_code == 204
    assert status_of(batch.status(reference)) == package_status(
        405, "Skrót lub rozmiar części '2' nie zgadza się z zadeklarowanym."
    )


def test_a_package_that_differs_from_its_declared_hash_ends_in_405(batch):
    """Every part is right, but batchFile.fileHash names another archive: 405."""
    package = Package.of(good_zip(), parts=2)
    body = package.request(batch.public_key)
    body["batchFile"]["fileHash"] = sha(b"another archive")
    response = batch.client.post("/v2/sessions/batch", json=body, headers=batch.auth)
    batch.upload_all(response.json, package)
    reference = response.json["referenceNumber"]
    assert batch.close(reference).status_code == 204
    size = len(package.archive)
    assert status_of(batch.status(reference)) == package_status(
        405,
        f"Skrót lub rozmiar pliku paczki ({size} B) nie zgadza się z zadeklarowanym ({size} B).",
    )


def test_a_truncated_zip_ends_in_430(batch):
    """The archive misses its end: 430 with zipfile's reason."""
    _, state = batch.run(Package.of(good_zip()[:-30], parts=2))
    assert state["status"]["code"] == 430
    assert state["status"]["description"] == "Błąd dekompresji pierwotnego archiwum"
    assert state["status"]["details"] == [
        "Nie można rozpakować archiwum (Zip): File is not a zip file"
    ]


def test_garbage_declared_as_targz_ends_in_430(batch):
    """Bytes that are no gzip stream, declared TarGz: 430."""
    _, state = batch.run(Package.of(b"not a tarball at all" * 10, compression="TarGz"))
    assert state["status"]["code"] == 430
    assert state["status"]["details"][0].startswith("Nie można rozpakować archiwum (TarGz)")


def test_a_zip_bomb_ends_in_430(batch):
    """8 MB of zeros deflate to a few KB: the ratio limit (200x) refuses it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomba.xml", b"\x00" * 8_000_000)
    bomb = buffer.getvalue()
    _, state = batch.run(Package.of(bomb))
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("bomba.xml")
    assert status_of(state) == package_status(
        430,
        f"Podejrzany współczynnik kompresji pliku 'bomba.xml' "
        f"(8000000 B z {info.compress_size} B; limit 200x).",
    )


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "a\\..\\evil.xml", "C:evil.xml"])
def test_a_path_escaping_the_folder_ends_in_430(batch, name):
    """Absolute names, ``..``, backslashes and drive letters are refused: 430."""
    _, state = batch.run(Package.of(zip_bytes({"ok.xml": fa3_invoice(NIP, "FV/T/1"), name: b"x"})))
    assert status_of(state) == package_status(430, f"Niedozwolona ścieżka w archiwum: {name!r}.")


def test_a_symlink_in_a_tarball_ends_in_430(batch):
    """A symbolic link entry is refused: 430."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        link = tarfile.TarInfo("link.xml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    _, state = batch.run(Package.of(buffer.getvalue(), compression="TarGz"))
    assert status_of(state) == package_status(430, "Niedozwolony typ pliku w archiwum: 'link.xml'.")


def test_a_package_without_xml_ends_in_440_no_invoices(batch):
    """Only a text file in the archive: 440 "Nie przesłano faktur", no invoice rows."""
    reference, state = batch.run(Package.of(zip_bytes({"opis.txt": b"brak faktur"})))
    assert status_of(state) == package_status(440, "Nie przesłano faktur")
    assert batch.invoices(reference) == []


def test_an_empty_targz_ends_in_440(batch):
    """A valid but empty tarball: 440."""
    _, state = batch.run(Package.of(tar_gz_bytes({}), compression="TarGz"))
    assert status_of(state) == package_status(440, "Nie przesłano faktur")


def test_only_invalid_invoices_end_in_445(batch):
    """Two files, neither a valid invoice: 445, both rows 430 with their file names."""
    files = {"a.xml": b"<a/>", "b.xml": fa3_invoice("7010002137", "FV/X/1")}
    reference, state = batch.run(Package.of(zip_bytes(files), parts=2))
    assert status_of(state) == package_status(445)
    assert state["failedInvoiceCount"] == 2
    rows = batch.invoices(reference)
    assert [(r["invoiceFileName"], r["status"]["code"]) for r in rows] == [
        ("a.xml", 430),
        ("b.xml", 410),
    ]


class TestInvoiceLimit:
    @pytest.fixture
    def settings(self, settings):
        return dataclasses.replace(settings, max_invoices_per_session=2)

    def test_more_invoices_than_the_limit_end_in_420(self, batch):
        """Three invoices with a limit of two: 420, no invoice rows."""
        files = {f"{n}.xml": fa3_invoice(NIP, f"FV/L/{n}") for n in range(3)}
        reference, state = batch.run(Package.of(zip_bytes(files)))
        assert status_of(state) == package_status(
            420, "Paczka zawiera 3 faktury; limit sesji to 2."
        )
        assert batch.invoices(reference) == []

    def test_the_limit_itself_is_fine(self, batch):
        """Two invoices with a limit of two: 200."""
        files = {f"{n}.xml": fa3_invoice(NIP, f"FV/L/{n}") for n in range(2)}
        _, state = batch.run(Package.of(zip_bytes(files)))
        assert state["status"]["code"] == 200


def test_an_unexpected_error_ends_in_500(batch, monkeypatch):
    """A failure the mock did not foresee ends the session in 500, not in a crash."""
    from mock_ksef.domain import batch_processing

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(batch_processing, "xml_entries", boom)
    _, state = batch.run(Package.of(good_zip()))
    assert state["status"] == {
        "code": 500,
        "description": "Nieznany błąd (500)",
        "details": ["RuntimeError: disk on fire"],
    }
