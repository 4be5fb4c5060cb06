"""Batch throughput and memory: a package of >= 1 GB in several parts, through the mock.

The parent process writes the package to disk in a streaming way (so the benchmark itself
stays small): ``--invoices`` real FA(3) invoices plus filler entries of realistic,
compressible text (CSV-like ledger lines built from a seeded pool) until the Zip reaches
``--size-mb``; the Zip is cut into parts of at most 100 MB and each is encrypted with
AES-256-CBC as clients do. A child process then runs the mock in-process (Flask test
client, memory store) and times:

* upload: every part ``PUT`` through the presigned link (streamed to disk, hashed);
* close: decrypt each part, hash, concatenate, unpack, verify every invoice;
* raw: AES-256-CBC decryption plus SHA-256 of the same bytes, 1 MiB chunks, no mock.

The child reports its peak RSS (``resource.getrusage``), which bounds the mock's memory.
Filler entries are not ``.xml``: the mock skips them after the safety checks (they still
go through upload, hashing, decryption and concatenation).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CHUNK = 1024 * 1024
PART_BYTES = 100_000_000
NIP = "5265877635"


def _pool(rng: random.Random, size: int) -> bytes:
    """Ledger-like text lines: compressible as real exports are, never repetitive."""
    goods = ["Usługa", "Towar", "Licencja", "Transport", "Serwis", "Materiały", "Najem"]
    lines: list[str] = []
    total = 0
    while total < size:
        line = (
            f"{rng.randrange(10**9):09d};FV/{rng.randrange(10**5)}/2026;"
            f"{rng.choice(goods)} {rng.randrange(1000)};{rng.randrange(1, 99)};"
            f"{rng.randrange(100, 10**6) / 100:.2f};{rng.choice(['23', '8', '5', 'zw'])}\n"
        )
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


def build_archive(path: Path, size: int, invoices: int, seed: int) -> int:
    """Write the Zip (invoices, then filler until ``size`` bytes); returns its size."""
    from tests.support.invoices import fa3_invoice

    rng = random.Random(seed)
    pool = _pool(rng, 8 * CHUNK)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for n in range(1, invoices + 1):
            zf.writestr(f"faktury/{n:05d}.xml", fa3_invoice(NIP, f"FV/BENCH/{n}"))
        for block in range(10_000):
            if path.stat().st_size >= size:
                break
            with zf.open(f"rejestr/{block:04d}.csv", "w") as entry:
                for _ in range(64):
                    start = rng.randrange(len(pool) - CHUNK)
                    entry.write(pool[start : start + CHUNK])
    return path.stat().st_size


def encrypt_parts(archive: Path, folder: Path, key: bytes, iv: bytes) -> list[dict[str, Any]]:
    """Cut ``archive`` into <= 100 MB pieces and encrypt each (streamed)."""
    parts: list[dict[str, Any]] = []
    with archive.open("rb") as source:
        for ordinal in range(1, 51):
            encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
            padder = padding.PKCS7(128).padder()
            target = folder / f"part-{ordinal:02d}.enc"
            digest, size, read = hashlib.sha256(), 0, 0
            with target.open("wb") as out:
                while read < PART_BYTES:
                    chunk = source.read(min(CHUNK, PART_BYTES - read))
                    if not chunk:
                        break
                    read += len(chunk)
                    data = encryptor.update(padder.update(chunk))
                    digest.update(data)
                    out.write(data)
                    size += len(data)
                if read:
                    data = encryptor.update(padder.finalize()) + encryptor.finalize()
                    digest.update(data)
                    out.write(data)
                    size += len(data)
            if not read:
                target.unlink()
                break
            parts.append({"path": str(target), "size": size, "digest": digest.hexdigest()})
    return parts


def _sha_b64(path: Path) -> str:
    import base64

    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def child(job: dict[str, Any]) -> dict[str, Any]:
    """Run in a fresh process: the mock processes the package; raw crypto for comparison."""
    import base64
    import resource

    from cryptography.hazmat.primitives.asymmetric import rsa

    from mock_ksef.app import create_app
    from mock_ksef.crypto.envelope import CbcDecryptor, rsa_oaep_encrypt
    from mock_ksef.http.context import services
    from mock_ksef.settings import Settings
    from tests.support.principal import access_token

    key, iv = bytes.fromhex(job["key"]), bytes.fromhex(job["iv"])
    settings = Settings().with_overrides(
        batch_dir=job["batch_dir"], clock="frozen:2026-11-24T09:00:00+00:00"
    )
    app = create_app(settings)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    public = services(app).keys.symmetric_key.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    parts = [Path(p["path"]) for p in job["parts"]]
    request = {
        "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        "batchFile": {
            "fileSize": job["archive_size"],
            "fileHash": job["archive_hash"],
            "fileParts": [
                {"ordinalNumber": n, "fileSize": p.stat().st_size, "fileHash": _sha_b64(p)}
                for n, p in enumerate(parts, start=1)
            ],
        },
        "encryption": {
            "encryptedSymmetricKey": base64.b64encode(rsa_oaep_encrypt(public, key)).decode(),
            "initializationVector": base64.b64encode(iv).decode(),
        },
    }
    opened = client.post("/v2/sessions/batch", json=request, headers=auth).get_json()
    started = time.perf_counter()
    for upload, part in zip(opened["partUploadRequests"], parts, strict=True):
        url = upload["url"].split("://", 1)[1].split("/", 1)[1]
        with part.open("rb") as body:
            answer = client.put(
                "/" + url, input_stream=body, headers={"Content-Length": str(part.stat().st_size)}
            )
        assert answer.status_code == 201, answer.data
    uploaded = time.perf_counter()
    ref = opened["referenceNumber"]
    closed = client.post(f"/v2/sessions/batch/{ref}/close", headers=auth)
    assert closed.status_code == 204, closed.data
    finished = time.perf_counter()
    state = client.get(f"/v2/sessions/{ref}", headers=auth).get_json()

    raw_started = time.perf_counter()
    for part in parts:
        decryptor, digest = CbcDecryptor(key, iv), hashlib.sha256()
        with part.open("rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(decryptor.update(chunk))
        digest.update(decryptor.finalize())
    raw = time.perf_counter() - raw_started
    return {
        "upload_s": uploaded - started,
        "close_s": finished - uploaded,
        "raw_s": raw,
        "status": state["status"],
        "successful": state.get("successfulInvoiceCount"),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(size_mb: int = 1024, invoices: int = 200, seed: int = 7) -> dict[str, Any]:
    """Build a package of ``size_mb`` MB and let a child process run it through the mock."""
    with tempfile.TemporaryDirectory(prefix="mock-ksef-bench-") as tmp:
        folder = Path(tmp)
        archive = folder / "package.zip"
        size = build_archive(archive, size_mb * 1_000_000, invoices, seed)
        rng = random.Random(seed)
        key, iv = rng.randbytes(32), rng.randbytes(16)
        parts = encrypt_parts(archive, folder, key, iv)
        job = {
            "key": key.hex(),
            "iv": iv.hex(),
            "parts": parts,
            "archive_size": size,
            "archive_hash": _sha_b64(archive),
            "batch_dir": str(folder / "mock"),
        }
        archive.unlink()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.batch", "--child"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
    if done.returncode != 0:
        return {"skipped": f"child failed: {done.stderr.strip().splitlines()[-1:]}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    mb = size / 1_000_000
    result.update(
        package_mb=round(mb, 1),
        parts=len(parts),
        invoices=invoices,
        upload_mb_s=round(mb / result["upload_s"], 1),
        close_mb_s=round(mb / result["close_s"], 1),
        batch_mb_s=round(mb / (result["upload_s"] + result["close_s"]), 1),
        raw_aes_sha_mb_s=round(mb / result["raw_s"], 1),
    )
    return result


def render(result: dict[str, Any]) -> str:
    """One report block."""
    if "skipped" in result:
        return f"    skipped: {result['skipped']}"
    return (
        f"    package {result['package_mb']} MB in {result['parts']} parts, "
        f"{result['invoices']} invoices -> status {result['status']['code']}\n"
        f"    upload {result['upload_mb_s']} MB/s, close {result['close_mb_s']} MB/s, "
        f"batch {result['batch_mb_s']} MB/s; raw AES-256-CBC + SHA-256 "
        f"{result['raw_aes_sha_mb_s']} MB/s\n"
        f"    peak RSS of the mock's process {result['peak_rss_mb']:.0f} MB"
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.batch [--size-mb N] [--invoices N]`` (or ``--child``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--invoices", type=int, default=200)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(sys.stdin.read()))))
        return
    print(render(measure(args.size_mb, args.invoices)))


if __name__ == "__main__":
    main()
