"""The twelve batch ``SessionStatusResponse`` rows over real HTTP, plus the 12 h timeout.

Login with the unmodified SDK (context NIP selects the row's bundled scenario); the batch
routes and the presigned part uploads are driven over HTTP as the SDKs do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.http.context import services
from mock_ksef.ids import REFERENCE_RE
from mock_ksef.timefmt import iso
from tests.batch.support import Package, zip_bytes
from tests.conftest import START
from tests.lifecycle.library import install
from tests.lifecycle.sdk import final_status, login, raw_status, status_payload
from tests.support.invoices import fa3_invoice

TEXT = {
    100: "Sesja wsadowa rozpoczęta",
    150: "Trwa przetwarzanie",
    200: "Sesja wsadowa przetworzona pomyślnie",
    405: "Błąd weryfikacji poprawności dostarczonych elementów paczki",
    415: "Błąd odszyfrowania dostarczonego klucza",
    420: "Przekroczony limit faktur w sesji",
    430: "Błąd dekompresji pierwotnego archiwum",
    435: "Błąd odszyfrowania zaszyfrowanych części archiwum",
    440: "Sesja anulowana",
    445: "Błąd weryfikacji, brak poprawnych faktur",
}


class LiveBatch:
    """A logged-in client of one context driving the batch routes over HTTP."""

    def __init__(self, app, live, nip: str) -> None:
        self.app = app
        self.live = live
        self.nip = nip
        with KsefClient(KsefClientOptions(base_url=live.url)) as sdk:
            self.token = login(sdk, nip)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def open(self, package: Package) -> dict[str, Any]:
        public = services(self.app).keys.symmetric_key.certificate.public_key()
        response = httpx.post(
            f"{self.live.url}/v2/sessions/batch",
            json=package.request(public),
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def upload(self, opened: dict[str, Any], package: Package) -> None:
        for upload, part in zip(opened["partUploadRequests"], package.parts, strict=True):
            response = httpx.request(
                upload["method"],
                upload["url"],
                content=part,
                headers={**upload["headers"], "Content-Type": "application/octet-stream"},
            )
            assert response.status_code == 201, response.text

    def close(self, ref: str) -> None:
        response = httpx.post(
            f"{self.live.url}/v2/sessions/batch/{ref}/close", headers=self.headers
        )
        assert response.status_code == 204, response.text

    def run(self, package: Package, *, close: bool = True) -> str:
        opened = self.open(package)
        self.upload(opened, package)
        if close:
            self.close(opened["referenceNumber"])
        return str(opened["referenceNumber"])


def _package(nip: str, count: int = 1) -> Package:
    return Package.of(
        zip_bytes({f"fv{n}.xml": fa3_invoice(nip, f"FV/B/{n}") for n in range(count)})
    )


def _expected(scenario, code: int, *, details=None, counts=(None, None, None), updated=None):
    plan = scenario.batch
    if plan.outcome is not None and plan.outcome.details is not None:
        details = list(plan.outcome.details)
    description = TEXT.get(code, "")
    if code == 500:
        n = plan.outcome.status_code if plan.outcome else None
        description = f"Nieznany błąd ({n if n is not None else '{statusCode}'})"
    return status_payload(
        code,
        description,
        created=START,
        updated=updated,
        valid_until=START + timedelta(seconds=plan.validity_seconds or 12 * 3600),
        details=details,
        counts=counts,
    )


def _row(app, live, name: str, *, close: bool = True, package: Package | None = None):
    scenario, nip = install(app, name)
    caller = LiveBatch(app, live, nip)
    ref = caller.run(package or _package(nip), close=close)
    return scenario, caller, ref


def test_row_batch_100_started(app, live):
    """Open with every part uploaded but not closed: 100, null counters."""
    scenario, caller, ref = _row(app, live, "batch-100-started", close=False)
    assert raw_status(live, ref, caller.token) == _expected(scenario, 100)


def test_row_batch_150_processing(app, live):
    """Closed and still processing: 150, null counters."""
    scenario, caller, ref = _row(app, live, "batch-150-processing")
    assert raw_status(live, ref, caller.token) == _expected(scenario, 150)


def test_row_batch_200_success(app, live):
    """A processed package: 200, final counters, a UPO page."""
    scenario, caller, ref = _row(app, live, "batch-200-success")
    body = final_status(live, ref, caller.token, scenario.batch.processing.polls, 150)
    [page] = body.pop("upo")["pages"]
    assert body == _expected(scenario, 200, counts=(1, 1, None))
    assert REFERENCE_RE.match(page["referenceNumber"])
    link = re.escape(
        f"{live.url}/storage/01/{ref.lower()}/session-upo/{page['referenceNumber']}.xml?"
    )
    assert re.match(link, page["downloadUrl"])


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("batch-405-package-verification", 405),
        ("batch-415-key-error", 415),
        ("batch-420-invoice-limit", 420),
        ("batch-430-decompression", 430),
        ("batch-435-part-decryption", 435),
        ("batch-500-unknown-error", 500),
    ],
)
def test_row_batch_package_errors(app, live, name, code):
    """Package-level failures: the code, null counters, no UPO."""
    scenario, caller, ref = _row(app, live, name)
    assert final_status(live, ref, caller.token, scenario.batch.processing.polls, 150) == _expected(
        scenario, code
    )


def test_row_batch_440_no_invoices(app, live):
    """A package without any invoice: 440 "Nie przesłano faktur"."""
    name = "batch-440-no-invoices"
    scenario, nip = install(app, name)
    caller = LiveBatch(app, live, nip)
    ref = caller.run(Package.of(zip_bytes({"readme.txt": b"no invoices here"})))
    assert final_status(live, ref, caller.token, scenario.batch.processing.polls, 150) == _expected(
        scenario, 440, details=["Nie przesłano faktur"]
    )


def test_row_batch_445_no_valid_invoices(app, live):
    """Every invoice failed: 445, failedInvoiceCount = total."""
    name = "batch-445-no-valid-invoices"
    scenario, nip = install(app, name)
    caller = LiveBatch(app, live, nip)
    ref = caller.run(Package.of(zip_bytes({"a.xml": b"<not-an-invoice/>", "b.xml": b"<x/>"})))
    assert final_status(live, ref, caller.token, scenario.batch.processing.polls, 150) == _expected(
        scenario, 445, counts=(2, None, 2)
    )


def test_row_batch_440_send_time_exceeded_after_12_hours(app, live, clock):
    """Parts uploaded, never closed: after 12 h (clock moved, no sleep) 440 at validUntil."""
    scenario, caller, ref = _row(app, live, "batch-440-send-time-exceeded", close=False)
    clock.shift(timedelta(hours=12, seconds=1))
    later = LiveBatch(app, live, caller.nip)  # the first access token has expired by now
    valid_until = START + timedelta(seconds=scenario.batch.validity_seconds or 12 * 3600)
    assert raw_status(live, ref, later.token) == _expected(
        scenario, 440, details=["Przekroczono czas wysyłki"], updated=valid_until
    )


def test_empty_batch_session_times_out_too(app, live, clock):
    """A batch session with no part uploaded ends 440 "Przekroczono czas wysyłki" at 12 h."""
    caller = LiveBatch(app, live, "1111111275")
    opened = caller.open(_package("1111111275"))
    clock.shift(timedelta(hours=13))
    later = LiveBatch(app, live, "1111111275")
    body = raw_status(live, opened["referenceNumber"], later.token)
    assert body["status"] == {
        "code": 440,
        "description": "Sesja anulowana",
        "details": ["Przekroczono czas wysyłki"],
    }
    assert body["dateUpdated"] == iso(START + timedelta(hours=12))


def _invoices(live, ref: str, token: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{live.url}/v2/sessions/{ref}/invoices", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    invoices: list[dict[str, Any]] = response.json()["invoices"]
    return invoices


def test_forced_package_failure_numbers_no_invoice(app, live):
    """A forced 405 on a valid package: no invoice row, no KSeF number, as in reality."""
    scenario, caller, ref = _row(app, live, "batch-405-package-verification", package=None)
    final_status(live, ref, caller.token, scenario.batch.processing.polls, 150)
    assert _invoices(live, ref, caller.token) == []


def test_forced_445_on_valid_invoices_fails_each_of_them(app, live):
    """A forced 445 on valid invoices: each fails (450), none numbered, counters as real."""
    scenario, nip = install(app, "batch-445-no-valid-invoices")
    caller = LiveBatch(app, live, nip)
    ref = caller.run(_package(nip, count=2))
    assert final_status(live, ref, caller.token, scenario.batch.processing.polls, 150) == _expected(
        scenario, 445, counts=(2, None, 2)
    )
    invoices = _invoices(live, ref, caller.token)
    assert [i["status"]["code"] for i in invoices] == [450, 450]
    assert all("ksefNumber" not in i for i in invoices)


def test_batch_ksef_numbers_carry_the_open_date(app, live, clock):
    """Opened at 21:00 in Warsaw, processed after midnight: the number keeps the open date."""
    opened_at = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 21:00 Europe/Warsaw
    clock.move_to(opened_at)
    scenario, nip = install(app, "batch-200-success")
    caller = LiveBatch(app, live, nip)
    package = _package(nip)
    opened = caller.open(package)
    caller.upload(opened, package)
    clock.shift(timedelta(hours=4))  # 01:00 on 25 November in Warsaw
    later = LiveBatch(app, live, nip)  # a fresh token: the first one has expired
    later.close(opened["referenceNumber"])
    ref = str(opened["referenceNumber"])
    final_status(live, ref, later.token, scenario.batch.processing.polls, 150)
    [invoice] = _invoices(live, ref, later.token)
    assert invoice["ksefNumber"].split("-")[1] == "20261124"
    assert invoice["invoicingDate"] == iso(opened_at)
    assert invoice["acquisitionDate"] == iso(opened_at + timedelta(hours=4))
