"""Helpers of the export tests: an inbox, a client's export key, polling, unpacking."""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.crypto.envelope import aes_cbc_decrypt
from mock_ksef.domain.repos import Repos
from mock_ksef.http.context import services
from mock_ksef.inbox import (
    Buyer,
    GeneratedInvoice,
    InboxSpec,
    InvoiceMix,
    generate_inbox,
    store_inbox,
)
from tests.support.client_crypto import SessionKey, sha

EXPORTS = "/v2/invoices/exports"
BUYER = "5265877635"
MIX = InvoiceMix(corrections=0.2, advances=0.1, attachments=0.2, foreign_currency=0.2, offline=0.2)


def inbox(
    app: Flask, count: int, *, seed: int = 5, start: str = "2026-11-01", end: str = "2026-11-20"
) -> list[GeneratedInvoice]:
    """Store ``count`` Faker invoices to :data:`BUYER`; them, in permanent-storage order."""
    spec = InboxSpec(
        Buyer("Nip", BUYER),
        count,
        datetime.fromisoformat(start).replace(tzinfo=UTC),
        datetime.fromisoformat(end).replace(tzinfo=UTC),
        mix=MIX,
        seed=seed,
    )
    invoices = list(generate_inbox(spec))
    store_inbox(invoices, Repos(services(app).store))
    return sorted(invoices, key=lambda g: (g.permanent_storage_date, g.ksef_number))


def expected(generated: GeneratedInvoice) -> dict[str, Any]:
    """``metadata()`` as the wire carries it: a null ``hashOfCorrectedInvoice`` is omitted."""
    body = generated.metadata()
    if body["hashOfCorrectedInvoice"] is None:
        del body["hashOfCorrectedInvoice"]
    return body


def export_body(key: SessionKey, app: Flask, **filters: Any) -> dict[str, Any]:
    """An ``InvoiceExportRequest`` for Subject2 by PermanentStorage from 2026-11-01."""
    public = services(app).keys.symmetric_key.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    date_range = {"dateType": "PermanentStorage", "from": "2026-11-01T00:00:00Z"}
    date_range.update(filters.pop("date_range", {}))
    return {
        "encryption": key.encryption(public),
        "filters": {"subjectType": "Subject2", "dateRange": date_range, **filters},
    }


def start(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    """``POST /invoices/exports`` (asserting 201); the reference."""
    response = client.post(EXPORTS, json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    reply = response.json
    assert reply is not None
    assert set(reply) == {"referenceNumber"}
    return str(reply["referenceNumber"])


def status(client: FlaskClient, headers: dict[str, str], reference: str) -> Any:
    """``GET /invoices/exports/{ref}`` (asserting 200); the JSON."""
    response = client.get(f"{EXPORTS}/{reference}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def fetch(client: FlaskClient, url: str) -> Any:
    """GET a part link (no token)."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def download(client: FlaskClient, package: dict[str, Any], key: SessionKey) -> bytes:
    """Every part fetched, checked against the status's sizes and hashes, decrypted, joined."""
    plain = b""
    for part in package["parts"]:
        response = fetch(client, part["url"])
        assert response.status_code == 200
        data = response.data
        assert response.headers["x-ms-meta-hash"] == sha(data) == part["encryptedPartHash"]
        assert len(data) == part["encryptedPartSize"]
        chunk = aes_cbc_decrypt(key.key, key.iv, data)
        assert (len(chunk), sha(chunk)) == (part["partSize"], part["partHash"])
        plain += chunk
    assert len(plain) == package["size"]
    return plain


def unpack(archive: bytes, compression: str = "Zip") -> dict[str, bytes]:
    """Entries of a Zip or TarGz archive by name."""
    if compression == "Zip":
        assert archive[:2] == b"PK"
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            return {name: zf.read(name) for name in zf.namelist()}
    assert archive[:2] == b"\x1f\x8b"
    entries = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tf:
        for member in tf.getmembers():
            handle = tf.extractfile(member)
            assert handle is not None
            entries[member.name] = handle.read()
    return entries
