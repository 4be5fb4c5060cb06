"""The six online ``SessionStatusResponse`` rows, each reached by the unmodified SDK.

Each row's scenario comes from the bundled library and is selected by its context NIP
(the SDK cannot send headers); the exact status payload is read off the wire and every
response is checked against the spec by the suite's middleware.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mock_ksef.ids import REFERENCE_RE
from tests.conftest import START
from tests.lifecycle.library import install
from tests.lifecycle.sdk import (
    final_status,
    invoice_rows,
    login,
    open_fa3,
    raw_status,
    status_payload,
    timeline,
)
from tests.support.invoices import fa3_invoice

NO_INVOICES = ["Nie przesłano faktur"]


def _valid_until(scenario):
    seconds = scenario.online.validity_seconds or 12 * 3600
    return START + timedelta(seconds=seconds)


def _run(app, sdk, name, *, invoices=0, close=False):
    scenario, nip = install(app, name)
    token = login(sdk, nip)
    workflow, handle = open_fa3(sdk, token)
    ref = handle.reference_number
    for n in range(invoices):
        workflow.send_invoice(
            session_reference_number=ref,
            invoice_xml=fa3_invoice(nip, f"FV/ROW/{n + 1}"),
            encryption_data=handle.encryption_data,
            access_token=token,
        )
    if close:
        workflow.close_session(ref, token)
    return scenario, ref, token


def test_row_online_100_open(app, live, sdk):
    """An open session with one accepted invoice: 100, counters as processed."""
    scenario, ref, token = _run(app, sdk, "online-100-open", invoices=1)
    assert raw_status(live, ref, token) == status_payload(
        100,
        "Sesja interaktywna otwarta",
        created=START,
        valid_until=_valid_until(scenario),
        counts=(1, 1, None),
    )
    assert timeline(live, ref)["scenario"] == "online-100-open"


def test_row_online_170_closed(app, live, sdk):
    """A closed session still being processed: 170, counters as processed, no UPO."""
    scenario, ref, token = _run(app, sdk, "online-170-closed", invoices=1, close=True)
    assert raw_status(live, ref, token) == status_payload(
        170,
        "Sesja interaktywna zamknięta",
        created=START,
        valid_until=_valid_until(scenario),
        counts=(1, 1, None),
    )


def test_row_online_200_success(app, live, sdk):
    """A processed session: 200, final counters, one UPO page behind a presigned link."""
    scenario, ref, token = _run(app, sdk, "online-200-success", invoices=1, close=True)
    body = final_status(live, ref, token, scenario.online.processing.polls, 170)
    upo = body.pop("upo")
    assert body == status_payload(
        200,
        "Sesja interaktywna przetworzona pomyślnie",
        created=START,
        valid_until=_valid_until(scenario),
        counts=(1, 1, None),
    )
    [page] = upo["pages"]
    assert REFERENCE_RE.match(page["referenceNumber"])
    assert page["referenceNumber"][9:11] == "EU"
    link = re.escape(
        f"{live.url}/storage/01/{ref.lower()}/session-upo/{page['referenceNumber']}.xml?"
    )
    assert re.match(link, page["downloadUrl"])
    assert page["downloadUrlExpirationDate"] > body["dateUpdated"]


def test_row_online_415_key_error(app, live, sdk):
    """A session whose key KSeF cannot decrypt: 415 right after open; sends are refused."""
    scenario, ref, token = _run(app, sdk, "online-415-key-error")
    assert raw_status(live, ref, token) == status_payload(
        415,
        "Błąd odszyfrowania dostarczonego klucza",
        created=START,
        valid_until=_valid_until(scenario),
    )


@pytest.mark.parametrize(("invoices", "counts"), [(0, (None, None, None)), (1, (1, None, 1))])
def test_row_online_440_no_invoices(app, live, sdk, invoices, counts):
    """440 "Nie przesłano faktur". Closed empty: null counters. Forced after a send: the
    invoice is 405 without a KSeF number and is counted failed (as under a forced 445),
    never null counters beside a 200 row."""
    scenario, ref, token = _run(app, sdk, "online-440-no-invoices", invoices=invoices, close=True)
    assert final_status(live, ref, token, scenario.online.processing.polls, 170) == status_payload(
        440,
        "Sesja anulowana",
        details=NO_INVOICES,
        created=START,
        valid_until=_valid_until(scenario),
        counts=counts,
    )
    rows = invoice_rows(live, ref, token)
    assert [(r["ordinalNumber"], r["invoiceNumber"], r["status"]) for r in rows] == [
        (
            n + 1,
            f"FV/ROW/{n + 1}",
            {
                "code": 405,
                "description": "Przetwarzanie anulowane z powodu błędu sesji",
                "details": [
                    "Faktura nie została przetworzona: scenariusz wymusza status sesji 440."
                ],
            },
        )
        for n in range(invoices)
    ]
    assert [(r.get("ksefNumber"), r.get("upoDownloadUrl")) for r in rows] == [
        (None, None)
    ] * invoices


def test_row_online_445_no_valid_invoices(app, live, sdk):
    """A session whose every invoice failed: 445, failedInvoiceCount = total, no UPO."""
    scenario, ref, token = _run(app, sdk, "online-445-no-valid-invoices", invoices=2, close=True)
    assert final_status(live, ref, token, scenario.online.processing.polls, 170) == status_payload(
        445,
        "Błąd weryfikacji, brak poprawnych faktur",
        created=START,
        valid_until=_valid_until(scenario),
        counts=(2, None, 2),
    )
