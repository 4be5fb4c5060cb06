"""The unmodified ``ksef-client`` SDK exports: download, decrypt, unpack; incremental sync.

The sync loop is the SDK's own building blocks (``export_invoices``, ``get_export_status``,
``ExportWorkflow.download_and_process_package``, ``services.hwm``) over a Faker inbox that
arrives in waves while the mock's clock moves. The expectation is independent of the mock:
the generator's own list of invoices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from ksef_client.models import (
    InvoiceExportRequest,
    InvoiceQueryDateRange,
    InvoiceQueryDateType,
    InvoiceQueryFilters,
    InvoiceQuerySubjectType,
)
from ksef_client.services.crypto import build_encryption_data
from ksef_client.services.hwm import dedupe_by_ksef_number, update_continuation_point
from ksef_client.services.workflows import ExportWorkflow

from mock_ksef.scenario.model import ExportPlan, InvoiceMatch, RetrievalPlan, Scenario
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.exports.support import BUYER, expected, inbox
from tests.lifecycle.client import with_scenario
from tests.support.invoices import fa3_invoice
from tests.support.sdk import login, open_fa3

SELLER = "1234563218"


def export(sdk: Any, token: str, start: str, *, restrict: bool = True, to: str | None = None):
    """One export of Subject2 by PermanentStorage from ``start``: the package and its content."""
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    encryption = build_encryption_data(pem)
    filters = InvoiceQueryFilters(
        subject_type=InvoiceQuerySubjectType.SUBJECT2,
        date_range=InvoiceQueryDateRange(
            date_type=InvoiceQueryDateType.PERMANENTSTORAGE,
            from_=start,
            to=to,
            restrict_to_permanent_storage_hwm_date=restrict,
        ),
    )
    assert encryption.encryption_info is not None
    request = InvoiceExportRequest(encryption=encryption.encryption_info, filters=filters)
    reference = sdk.invoices.export_invoices(request, access_token=token).reference_number
    state = sdk.invoices.get_export_status(reference, access_token=token)
    assert state.status.code == 200  # the first poll finishes it
    workflow = ExportWorkflow(sdk.invoices, sdk._http)
    return state.package, workflow.download_and_process_package(state.package, encryption)


def sync(sdk: Any, points: dict[str, str | None], start: str) -> tuple[list[dict[str, Any]], int]:
    """The SDK's incremental loop until a package is not truncated; metadata, truncations."""
    token = login(sdk, BUYER)
    found: list[dict[str, Any]] = []
    truncations = 0
    while True:
        cp = points.get("Subject2") or start
        package, content = export(sdk, token, cp)
        found += content.metadata_summaries
        update_continuation_point(points, "Subject2", package)
        if not package.is_truncated:
            return found, truncations
        truncations += 1


def test_an_export_is_downloaded_decrypted_and_unpacked(app, presigned_sdk):
    """Every invoice of the inbox, byte for byte, with exactly the generator's metadata."""
    invoices = inbox(app, 25)
    token = login(presigned_sdk, BUYER)
    package, content = export(presigned_sdk, token, "2026-11-01T00:00:00Z")
    assert package.compression_type.value == "Zip"
    assert content.metadata_summaries == [expected(g) for g in invoices]
    assert content.invoice_xml_files == {f"{g.ksef_number}.xml": g.xml.decode() for g in invoices}


@pytest.mark.parametrize("max_invoices", [10_000, 4])
def test_incremental_sync_over_waves_ends_with_exactly_the_generated_set(
    app, clock, presigned_sdk, max_invoices
):
    """Three waves, the clock moving between them; with truncation the boundary repeats."""
    with_scenario(
        app, Scenario(name="small-packages", export=ExportPlan(max_invoices=max_invoices)), BUYER
    )
    waves = [(START - timedelta(days=3), START - timedelta(days=2), 15, 11)]
    waves += [(START, START + timedelta(hours=1), 12, 12)]
    waves += [(START + timedelta(hours=1, seconds=10), START + timedelta(hours=2), 9, 13)]
    points: dict[str, str | None] = {}
    generated: list[Any] = []
    seen: list[dict[str, Any]] = []
    truncations = 0
    for first, last, count, seed in waves:
        clock.move_to(max(START, last + timedelta(seconds=10)))
        generated += inbox(
            app, count, seed=seed, start=first.isoformat()[:19], end=last.isoformat()[:19]
        )
        found, cut = sync(presigned_sdk, points, iso(START - timedelta(days=5)))
        seen += found
        truncations += cut
    unique = dedupe_by_ksef_number(seen)
    assert set(unique) == {g.ksef_number for g in generated}
    assert list(unique.values()) == [
        expected(g) for g in sorted(generated, key=lambda g: g.permanent_storage_date)
    ]
    if max_invoices == 4:
        assert truncations >= 8
        # from is inclusive: each truncated package's last invoice comes again, nothing else
        assert len(seen) == len(generated) + truncations
    else:
        assert (truncations, len(seen)) == (0, len(generated))


def _send(sdk, token, numbers):
    workflow, session = open_fa3(sdk, token)
    for number in numbers:
        workflow.send_invoice(
            session_reference_number=session.reference_number,
            invoice_xml=fa3_invoice(SELLER, number),
            encryption_data=session.encryption_data,
            access_token=token,
        )
    workflow.close_session(session.reference_number, token)


def test_a_late_invoice_and_what_trusting_the_wrong_date_misses(app, clock, presigned_sdk):
    """A3 lies between a truncated package's last date and its HWM; L is stored late.

    The SDK's rule (last date when truncated, else the HWM) gets all five. A client that
    trusts the HWM of a truncated package skips A3 for good (BRIEF 5.4 item 3); one that
    continues from the end of its own window (no restriction) skips the late L.
    """
    late = RetrievalPlan(
        permanent_storage_delay_seconds=600, delay_match=InvoiceMatch(invoice_number="FV/LATE*")
    )
    with_scenario(app, Scenario(name="late-one", retrieval=late), SELLER)
    with_scenario(app, Scenario(name="two-per-package", export=ExportPlan(max_invoices=2)), BUYER)
    seller = login(presigned_sdk, SELLER)
    for number in ("FV/A/1", "FV/A/2", "FV/A/3", "FV/LATE/1", "FV/A/4"):
        clock.shift(timedelta(seconds=1))
        _send(presigned_sdk, seller, [number])
    clock.shift(timedelta(seconds=10))
    window_start = iso(START)
    buyer = login(presigned_sdk, BUYER)

    package, content = export(presigned_sdk, buyer, window_start)
    assert [m["invoiceNumber"] for m in content.metadata_summaries] == ["FV/A/1", "FV/A/2"]
    assert package.is_truncated is True
    hwm = package.permanent_storage_hwm_date
    assert package.last_permanent_storage_date < hwm
    naive_to = iso(clock.now())
    naive: list[
        dict[str, Any]
    ] = []  # a client that syncs [start, its own now] without the restriction
    cp = window_start
    while True:
        page, got = export(presigned_sdk, buyer, cp, restrict=False, to=naive_to)
        naive += got.metadata_summaries
        if not page.is_truncated:
            break
        cp = page.last_permanent_storage_date
    assert sorted(m["invoiceNumber"] for m in dedupe_by_ksef_number(naive).values()) == [
        "FV/A/1",
        "FV/A/2",
        "FV/A/3",
        "FV/A/4",
    ]  # L is not visible yet

    clock.shift(timedelta(seconds=600))
    buyer = login(presigned_sdk, BUYER)
    _, trusting_hwm = export(presigned_sdk, buyer, hwm)
    _, from_window_end = export(presigned_sdk, buyer, naive_to, restrict=False)
    assert [m["invoiceNumber"] for m in trusting_hwm.metadata_summaries] == ["FV/LATE/1", "FV/A/4"]
    assert from_window_end.metadata_summaries == []  # L (and A3, A4) lie below its start

    points: dict[str, str | None] = {}
    update_continuation_point(points, "Subject2", package)
    found, _ = sync(presigned_sdk, points, window_start)
    everything = content.metadata_summaries + found
    numbers = [m["invoiceNumber"] for m in dedupe_by_ksef_number(everything).values()]
    assert sorted(numbers) == ["FV/A/1", "FV/A/2", "FV/A/3", "FV/A/4", "FV/LATE/1"]
