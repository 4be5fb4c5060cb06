"""A batch session at the per-session limit: ``--invoices`` FA(3) invoices, one part, closed.

``python -m benchmarks.batch_session [--invoices 10000] [--store sqlite|memory]`` builds the
Zip in memory, runs the mock in-process (Flask test client, a SQLite state folder by
default), uploads the part and times the close (verify, decrypt, hash, read every entry,
check every invoice, commit rows and acceptance records); ``--runs`` closes, median shown.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import statistics
import tempfile
import time
import zipfile
from typing import Any

NIP = "5265877635"


def _sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def close_once(invoices: int, store: str) -> tuple[float, dict[str, Any]]:
    """One session of ``invoices`` invoices: the close's seconds and the final status."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from mock_ksef import upkeep
    from mock_ksef.app import create_app
    from mock_ksef.crypto.envelope import aes_cbc_encrypt, rsa_oaep_encrypt
    from mock_ksef.http.context import services
    from mock_ksef.settings import Settings
    from tests.support.invoices import fa3_invoice
    from tests.support.principal import access_token

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(invoices):
            archive.writestr(f"faktury/{n:05d}.xml", fa3_invoice(NIP, f"FV/S/{n}"))
    package = buffer.getvalue()
    key, iv = bytes(range(32)), bytes(range(16))
    part = aes_cbc_encrypt(key, iv, package)
    with tempfile.TemporaryDirectory(prefix="mock-ksef-bench-") as state:
        settings = Settings().with_overrides(
            store=store, state_dir=state, clock="frozen:2026-11-24T09:00:00+00:00"
        )
        app = create_app(settings)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
        public = services(app).keys.symmetric_key.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        request = {
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "batchFile": {
                "fileSize": len(package),
                "fileHash": _sha(package),
                "fileParts": [{"ordinalNumber": 1, "fileSize": len(part), "fileHash": _sha(part)}],
            },
            "encryption": {
                "encryptedSymmetricKey": base64.b64encode(rsa_oaep_encrypt(public, key)).decode(),
                "initializationVector": base64.b64encode(iv).decode(),
            },
        }
        opened = client.post("/v2/sessions/batch", json=request, headers=auth).get_json()
        url = opened["partUploadRequests"][0]["url"].split("://", 1)[1].split("/", 1)[1]
        assert client.put("/" + url, data=part).status_code == 201
        ref = opened["referenceNumber"]
        started = time.perf_counter()
        closed = client.post(f"/v2/sessions/batch/{ref}/close", headers=auth)
        seconds = time.perf_counter() - started
        assert closed.status_code == 204, closed.data
        state_body: dict[str, Any] = client.get(f"/v2/sessions/{ref}", headers=auth).get_json()
        upkeep.stop(services(app))  # its thread would meet the closed store
        services(app).store.close()
    return seconds, state_body


def main(argv: list[str] | None = None) -> None:
    """Print the median close time of ``--runs`` sessions."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_session", description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    times = []
    for _ in range(args.runs):
        seconds, state = close_once(args.invoices, args.store)
        assert state["successfulInvoiceCount"] == args.invoices, state
        times.append(seconds)
    print(
        f"    {args.invoices} invoices, {args.store} store: close median "
        f"{statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
