"""Batch sessions that succeed: several parts, Zip and TarGz, invoice list, UPO pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE, REFERENCE_RE
from mock_ksef.timefmt import iso
from tests.batch.support import Package, local, tar_gz_bytes, zip_bytes
from tests.conftest import START
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

UPO_NS = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}


def invoices(count: int, prefix: str = "FV/B") -> dict[str, bytes]:
    return {f"faktury/{n:03d}.xml": fa3_invoice(NIP, f"{prefix}/{n}") for n in range(1, count + 1)}


def test_open_answers_201_with_one_presigned_put_per_part(batch):
    """Open: an SB reference and, per part, a PUT link on /storage/00 valid 20 min x parts."""
    package = Package.of(zip_bytes(invoices(2)), parts=3)
    body = batch.opened(package)
    assert REFERENCE_RE.match(body["referenceNumber"])
    assert body["referenceNumber"].split("-")[1] == "SB"
    uploads = body["partUploadRequests"]
    assert [u["ordinalNumber"] for u in uploads] == [1, 2, 3]
    for n, upload in enumerate(uploads, start=1):
        url = urlsplit(upload["url"])
        assert upload["method"] == "PUT"
        assert upload["headers"] == {"x-ms-blob-type": "BlockBlob"}
        assert url.scheme == "http"
        assert url.netloc == "localhost"
        assert url.path == f"/storage/00/{body['referenceNumber'].lower()}/batch-parts/{n}"
        query = parse_qs(url.query)
        assert query["sp"] == ["w"]
        assert int(query["se"][0]) == int(START.timestamp()) + 3 * 20 * 60
        assert len(query["sig"][0]) == 64


@pytest.mark.parametrize(("compression", "build"), [("Zip", zip_bytes), ("TarGz", tar_gz_bytes)])
def test_several_parts_end_in_200_with_invoices_and_upo(batch, compression, build):
    """Three parts, five invoices (one invalid): 200, rows with file names, one UPO page."""
    files = invoices(4)
    files["faktury/zla.xml"] = b"<nie-faktura/>"
    files["czytaj-mnie.txt"] = b"not an invoice: ignored"
    package = Package.of(build(files), parts=3, compression=compression)
    reference, state = batch.run(package)

    assert state["status"] == {
        "code": 200,
        "description": "Sesja wsadowa przetworzona pomyślnie",
    }
    assert state["invoiceCount"] == 5
    assert state["successfulInvoiceCount"] == 4
    assert state["failedInvoiceCount"] == 1
    rows = batch.invoices(reference)
    assert [r["invoiceFileName"] for r in rows] == [*sorted(invoices(4)), "faktury/zla.xml"]
    assert [r["ordinalNumber"] for r in rows] == [1, 2, 3, 4, 5]
    assert {r["invoicingDate"] for r in rows} == {iso(START)}
    assert [r["status"]["code"] for r in rows] == [200, 200, 200, 200, 430]
    assert all(KSEF_NUMBER_RE.match(r["ksefNumber"]) for r in rows[:4])
    assert rows[0]["invoiceNumber"] == "FV/B/1"

    [page] = state["upo"]["pages"]
    upo = batch.client.get(local(page["downloadUrl"]))
    assert upo.status_code == 200
    root = etree.fromstring(upo.data)
    assert root.findtext("u:NumerReferencyjnySesji", namespaces=UPO_NS) == reference
    assert len(root.findall("u:Dokument", UPO_NS)) == 4


def test_parts_are_gone_from_disk_after_close(batch, app):
    """Uploaded parts and temporary files are removed once the package is processed."""
    from mock_ksef.http.context import services

    package = Package.of(zip_bytes(invoices(1)), parts=2)
    opened = batch.opened(package)
    batch.upload_all(opened, package)
    folder = services(app).parts.folder(opened["referenceNumber"])  # type: ignore[attr-defined]
    assert sorted(p.name for p in folder.iterdir()) == ["part-01.bin", "part-02.bin"]
    assert batch.close(opened["referenceNumber"]).status_code == 204
    assert not folder.exists()


def test_a_shared_store_keeps_the_parts_as_chunk_blobs(
    settings, clock, keyring, tmp_path, monkeypatch
):
    """On SQLite the parts are store blobs of ``CHUNK`` bytes, deleted after the close."""
    from mock_ksef import batch_parts, upkeep
    from mock_ksef.app import create_app
    from mock_ksef.http.context import services
    from mock_ksef.store import SqliteStore
    from mock_ksef.store.kinds import BATCH_PART, BATCH_SCRATCH
    from tests.batch.support import BatchClient
    from tests.support.principal import access_token

    monkeypatch.setattr(batch_parts, "CHUNK", 1000)
    store = SqliteStore(tmp_path / "state.sqlite3")
    app = create_app(settings, clock=clock, keys=keyring, store=store)
    svc = services(app)
    batch = BatchClient(
        app.test_client(), access_token(app, NIP), keyring.symmetric_key.certificate.public_key()
    )
    package = Package.of(zip_bytes(invoices(3)), parts=2)
    opened = batch.opened(package)
    reference = opened["referenceNumber"]
    batch.upload_all(opened, package)
    kept = store.find(BATCH_PART, reference=reference)
    sizes = [len(part) for part in package.parts]
    assert [(doc["ordinal"], doc["size"], doc["chunks"]) for doc in kept] == [
        (n, size, -(-size // 1000)) for n, size in enumerate(sizes, start=1)
    ]
    for n, part in enumerate(package.parts, start=1):
        with svc.parts.open_part(reference, n) as source:
            source.seek(1500)
            assert source.read(10) == part[1500:1510]  # across chunks 1 and 2
            source.seek(0)
            assert source.read() == part
    assert store.find(BATCH_SCRATCH) == []
    assert batch.close(reference).status_code == 204
    assert store.find(BATCH_PART, reference=reference) == []
    assert [store.get_blob(f"{doc['blob']}/0") for doc in kept] == [None, None]
    upkeep.stop(svc)
    store.close()


def test_parts_in_batch_dir_are_gone_from_disk_after_close(settings, clock, keyring, tmp_path):
    """With ``batch_dir`` the parts are files there, removed once the package is processed."""
    from mock_ksef.app import create_app
    from mock_ksef.http.context import services
    from tests.batch.support import BatchClient
    from tests.support.principal import access_token

    app = create_app(settings, clock=clock, keys=keyring, batch_dir=str(tmp_path / "parts"))
    batch = BatchClient(
        app.test_client(), access_token(app, NIP), keyring.symmetric_key.certificate.public_key()
    )
    package = Package.of(zip_bytes(invoices(1)), parts=2)
    opened = batch.opened(package)
    batch.upload_all(opened, package)
    folder = services(app).parts.folder(opened["referenceNumber"])  # type: ignore[attr-defined]
    assert folder.parent == tmp_path / "parts"
    assert sorted(p.name for p in folder.iterdir()) == ["part-01.bin", "part-02.bin"]
    assert batch.close(opened["referenceNumber"]).status_code == 204
    assert not folder.exists()
