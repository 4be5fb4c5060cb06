"""Building batch packages the way clients do: archive, split, encrypt each part."""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mock_ksef.crypto.envelope import aes_cbc_encrypt
from tests.support.client_crypto import FA3, SessionKey, sha


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A Zip archive of ``files`` (deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_gz_bytes(files: dict[str, bytes]) -> bytes:
    """A ``.tar.gz`` archive of ``files``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def split(data: bytes, count: int) -> list[bytes]:
    """``data`` cut into ``count`` nearly equal, non-empty pieces."""
    step = -(-len(data) // count)
    return [data[i : i + step] for i in range(0, len(data), step)]


@dataclass
class Package:
    """A client's batch package: the archive, its encrypted parts and the open request."""

    archive: bytes
    parts: list[bytes]
    key: SessionKey
    compression: str = "Zip"
    form: dict[str, str] = field(default_factory=lambda: dict(FA3))

    @classmethod
    def of(
        cls, archive: bytes, parts: int = 1, compression: str = "Zip", key: SessionKey | None = None
    ) -> Package:
        """Split ``archive`` into ``parts`` and encrypt each with one key and IV."""
        key = key or SessionKey.fresh()
        encrypted = [aes_cbc_encrypt(key.key, key.iv, piece) for piece in split(archive, parts)]
        return cls(archive, encrypted, key, compression)

    def request(self, public_key: Any) -> dict[str, Any]:
        """The ``OpenBatchSessionRequest``."""
        return {
            "formCode": self.form,
            "batchFile": {
                "fileSize": len(self.archive),
                "fileHash": sha(self.archive),
                "compressionType": self.compression,
                "fileParts": [
                    {"ordinalNumber": n, "fileSize": len(part), "fileHash": sha(part)}
                    for n, part in enumerate(self.parts, start=1)
                ],
            },
            "encryption": self.key.encryption(public_key),
        }


def local(url: str) -> str:
    """Path and query of an absolute URL (for the Flask test client)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class BatchClient:
    """Drives the batch routes through the Flask test client."""

    def __init__(self, client: FlaskClient, token: str, public_key: Any) -> None:
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}
        self.public_key = public_key

    def open(self, package: Package, **changes: Any) -> TestResponse:
        """``POST /sessions/batch`` for ``package`` (top-level fields replaced by changes)."""
        body = {**package.request(self.public_key), **changes}
        return self.client.post("/v2/sessions/batch", json=body, headers=self.auth)

    def opened(self, package: Package) -> dict[str, Any]:
        """Open and return the 201 body."""
        response = self.open(package)
        assert response.status_code == 201, response.json
        body: dict[str, Any] = response.json  # type: ignore[assignment]
        return body

    def put(self, upload: dict[str, Any], data: bytes) -> TestResponse:
        """PUT one part as the SDKs do: method, URL and headers from the upload request."""
        return self.client.open(
            local(upload["url"]),
            method=upload["method"],
            data=data,
            headers={**upload["headers"], "Content-Type": "application/octet-stream"},
        )

    def upload_all(self, opened: dict[str, Any], package: Package) -> None:
        """Upload every part; each must answer 201."""
        for upload, part in zip(opened["partUploadRequests"], package.parts, strict=True):
            response = self.put(upload, part)
            assert response.status_code == 201, response.data

    def close(self, reference: str) -> TestResponse:
        """``POST /sessions/batch/{ref}/close``."""
        return self.client.post(f"/v2/sessions/batch/{reference}/close", headers=self.auth)

    def status(self, reference: str) -> dict[str, Any]:
        """``GET /sessions/{ref}`` (200)."""
        response = self.client.get(f"/v2/sessions/{reference}", headers=self.auth)
        assert response.status_code == 200, response.json
        body: dict[str, Any] = response.json  # type: ignore[assignment]
        return body

    def invoices(self, reference: str) -> list[dict[str, Any]]:
        """Every invoice row of a session."""
        response = self.client.get(
            f"/v2/sessions/{reference}/invoices?pageSize=100", headers=self.auth
        )
        assert response.status_code == 200, response.json
        rows: list[dict[str, Any]] = response.json["invoices"]  # type: ignore[index]
        return rows

    def run(self, package: Package) -> tuple[str, dict[str, Any]]:
        """Open, upload every part, close (204); returns the reference and final status."""
        opened = self.opened(package)
        self.upload_all(opened, package)
        reference = opened["referenceNumber"]
        closed = self.close(reference)
        assert closed.status_code == 204, closed.json
        return reference, self.status(reference)
