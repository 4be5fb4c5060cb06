"""``GET /v2/sessions/{ref}`` in-process (Flask test client, SQLite store): µs per request.

Three shapes of poll: an open session (nothing due: a pure read), a closed one still
counting polls (one write per read), and a finished one (a pure read again).

    .venv/bin/python -m benchmarks.status_poll [requests]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from tests.support.client_crypto import FA3, SessionKey
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.principal import access_token


def _timed(client: object, path: str, headers: dict[str, str], n: int) -> float:
    get = client.get  # type: ignore[attr-defined]
    get(path, headers=headers)  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        response = get(path, headers=headers)
        assert response.status_code == 200, response.json
    return (time.perf_counter() - start) / n * 1e6


def main(n: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            store="sqlite", state_dir=state, clock="frozen:2026-11-20T10:00:00+00:00"
        )
        app = create_app(settings)
        client: Any = app.test_client()
        auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
        keyring: Any = services(app).keys
        key = SessionKey.fresh()
        xml = fa3_invoice(NIP, "FV/1")

        def session(scenario: str | None, *, closed: bool) -> str:
            body = {
                "formCode": FA3,
                "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
            }
            headers = {**auth, "X-Mock-Scenario": scenario} if scenario else auth
            ref = str(
                client.post("/v2/sessions/online", json=body, headers=headers).json[
                    "referenceNumber"
                ]
            )
            if closed:
                client.post(
                    f"/v2/sessions/online/{ref}/invoices", json=key.send_request(xml), headers=auth
                )
                client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
            return ref

        cases = [
            ("open (a read)", session(None, closed=False)),
            ("170, each poll counted", session("online-170-closed", closed=True)),
        ]
        for name, ref in cases:
            _report(client, name, ref, auth, n)
        ref = session(None, closed=True)
        services(app).clock.shift(timedelta(hours=2))  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}  # the first one expired
        client.get(f"/v2/sessions/{ref}", headers=auth)
        _report(client, "finished (a read)", ref, auth, n)


def _report(client: object, name: str, ref: str, auth: dict[str, str], n: int) -> None:
    path = f"/v2/sessions/{ref}"
    code = client.get(path, headers=auth).json["status"]["code"]  # type: ignore[attr-defined]
    print(f"{name:24} status {code}: {_timed(client, path, auth, n):8.1f} µs/request")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
