"""A real ``mock-ksef serve`` on a SQLite state folder, and a client speaking plain HTTP.

Used by the kill -9 tests: the server can be killed and started again on the same
state folder, and :class:`LiveClient` keeps working across the restart (the keys and
the JWT secret are kept in the state folder, so the access token stays valid).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509

from tests.batch.support import Package
from tests.support.auth import login_live
from tests.support.process import ServerProcess, clean_env, console_script

CLOCK = "frozen:2026-11-24T09:00:00+00:00"
FINAL_WAIT_S = 120.0


@contextmanager
def serve(state: Path, env: Mapping[str, str] | None = None) -> Iterator[ServerProcess]:
    """A werkzeug ``mock-ksef serve`` on ``state`` (killed on exit if still running)."""
    argv = [console_script(), "serve", "--port", "0", "--server", "dev"]
    argv += ["--state-dir", str(state), "--clock", CLOCK]
    with ServerProcess(argv, clean_env(env)) as server:
        server.wait_for_banner()
        yield server


class LiveClient:
    """JSON over HTTP against ``base``, authorised with ``token``."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    @classmethod
    def login(cls, base: str, nip: str) -> LiveClient:
        """Log in with the SDK (KSeF token) and keep the access token."""
        return cls(base, login_live(base, nip))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> tuple[int, Any]:
        """One request; the status and the decoded JSON body (``None`` when empty)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            with err:
                raw = err.read()
                return err.code, json.loads(raw) if raw else None

    def symmetric_key(self) -> Any:
        """The mock's SymmetricKeyEncryption public key."""
        _, certificates = self.call("GET", "/v2/security/public-key-certificates")
        [cert] = [c for c in certificates if "SymmetricKeyEncryption" in c["usage"]]
        return x509.load_der_x509_certificate(base64.b64decode(cert["certificate"])).public_key()

    def upload(self, package: Package) -> str:
        """Open a batch session and PUT every part (201 each); the session reference."""
        status, opened = self.call(
            "POST", "/v2/sessions/batch", package.request(self.symmetric_key())
        )
        assert status == 201, opened
        for upload, part in zip(opened["partUploadRequests"], package.parts, strict=True):
            request = urllib.request.Request(
                upload["url"], data=part, method="PUT", headers=upload["headers"]
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 201
        return str(opened["referenceNumber"])

    def status(self, reference: str) -> dict[str, Any]:
        """``GET /sessions/{ref}`` (200)."""
        status, body = self.call("GET", f"/v2/sessions/{reference}")
        assert status == 200, body
        result: dict[str, Any] = body
        return result

    def wait_final(self, reference: str) -> dict[str, Any]:
        """Poll the status until it leaves 100/150/170 (fails after ``FINAL_WAIT_S``)."""
        deadline = time.monotonic() + FINAL_WAIT_S
        while time.monotonic() < deadline:
            state = self.status(reference)
            if state["status"]["code"] not in (100, 150, 170):
                return state
            time.sleep(0.05)
        raise AssertionError(f"session {reference} never finished: {state}")

    def invoices(self, reference: str) -> list[dict[str, Any]]:
        """Every invoice row of a session (all pages)."""
        rows: list[dict[str, Any]] = []
        token = None
        for _ in range(1000):
            headers: dict[str, str] = {"x-continuation-token": token} if token else {}
            status, page = self.call(
                "GET", f"/v2/sessions/{reference}/invoices?pageSize=1000", headers=headers
            )
            assert status == 200, page
            rows += page["invoices"]
            token = page.get("continuationToken")
            if not token:
                break
        return rows


def wait_for_file(path: Path, server: ServerProcess, timeout: float = FINAL_WAIT_S) -> str:
    """Block until ``path`` exists (the server paused at its checkpoint); its text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited: {server.output()}")
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared: {server.output()}")
