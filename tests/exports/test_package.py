"""Export packages: the selection, Zip and TarGz, parts, links, truncation, onlyMetadata."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mock_ksef.scenario.model import ExportPlan, Scenario
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.exports.support import (
    BUYER,
    download,
    expected,
    export_body,
    fetch,
    inbox,
    start,
    status,
    unpack,
)
from tests.lifecycle.client import Caller, with_scenario
from tests.support.client_crypto import SessionKey


def _export(app, client, plan=None, **filters):
    if plan is not None:
        with_scenario(app, Scenario(name="export-plan", export=plan), BUYER)
    buyer = Caller(app, client, BUYER)
    key = SessionKey.fresh()
    body = export_body(key, app, **filters.pop("filters", {}))
    body.update(filters)
    reference = start(client, buyer.headers, body)
    return buyer, key, reference


@pytest.mark.parametrize("compression", ["Zip", "TarGz"])
def test_the_first_poll_delivers_every_invoice_and_its_metadata(app, client, compression):
    """200 on the first poll; the parts decrypt to {ksefNumber}.xml entries + _metadata.json."""
    invoices = inbox(app, 40)
    buyer, key, reference = _export(app, client, compressionType=compression)
    assert reference[9:11] == "EH"
    body = status(client, buyer.headers, reference)
    assert body["status"] == {"code": 200, "description": "Eksport faktur zakończony sukcesem"}
    assert body["completedDate"] == iso(START)
    assert body["packageExpirationDate"] == iso(START + timedelta(days=7))
    package = body["package"]
    assert package["invoiceCount"] == 40
    assert package["isTruncated"] is False
    assert package["compressionType"] == compression
    assert package["permanentStorageHwmDate"] == iso(START)
    assert "lastPermanentStorageDate" not in package
    [part] = package["parts"]
    suffix = "zip" if compression == "Zip" else "tar.gz"
    assert part["partName"] == f"{reference}-001.{suffix}.aes"
    assert part["method"] == "GET"
    assert part["expirationDate"] == iso(START + timedelta(hours=1))
    assert f"/storage/00/{reference.lower()}/invoice-part/{part['partName']}?" in part["url"]
    entries = unpack(download(client, package, key), compression)
    assert set(entries) == {f"{g.ksef_number}.xml" for g in invoices} | {"_metadata.json"}
    for generated in invoices:
        assert entries[f"{generated.ksef_number}.xml"] == generated.xml
    metadata = json.loads(entries["_metadata.json"])
    assert metadata == {"invoices": [expected(g) for g in invoices]}


def test_only_metadata_holds_one_entry(app, client):
    """onlyMetadata: the archive holds _metadata.json alone, for every selected invoice."""
    invoices = inbox(app, 12)
    buyer, key, reference = _export(app, client, onlyMetadata=True)
    package = status(client, buyer.headers, reference)["package"]
    entries = unpack(download(client, package, key))
    assert list(entries) == ["_metadata.json"]
    assert json.loads(entries["_metadata.json"]) == {"invoices": [expected(g) for g in invoices]}
    assert package["invoiceCount"] == 12


def test_filters_are_the_querys(app, client):
    """The same filter parser and engine: a sellerNip and an invoiceTypes filter narrow it."""
    invoices = inbox(app, 60)
    seller = invoices[0].seller_nip
    buyer, key, reference = _export(
        app, client, filters={"sellerNip": seller, "invoiceTypes": ["Vat"]}
    )
    package = status(client, buyer.headers, reference)["package"]
    metadata = json.loads(unpack(download(client, package, key))["_metadata.json"])
    chosen = [g for g in invoices if g.seller_nip == seller and g.invoice_type == "Vat"]
    assert chosen
    assert metadata["invoices"] == [expected(g) for g in chosen]


def test_small_parts_decrypt_one_by_one_and_join_to_the_archive(app, client):
    """part_size 4096: several parts in ordinal order, each its own CBC message."""
    invoices = inbox(app, 30)
    buyer, key, reference = _export(app, client, ExportPlan(part_size=4096))
    package = status(client, buyer.headers, reference)["package"]
    parts = package["parts"]
    assert len(parts) > 2
    assert [p["ordinalNumber"] for p in parts] == list(range(1, len(parts) + 1))
    assert all(p["partSize"] == 4096 for p in parts[:-1])
    assert all(p["encryptedPartSize"] == 4096 + 16 for p in parts[:-1])
    entries = unpack(download(client, package, key))
    assert len(entries) == 31
    assert {e for e in entries if e.endswith(".xml")} == {f"{g.ksef_number}.xml" for g in invoices}


def test_a_truncated_package_names_its_last_date_below_the_hwm(app, client):
    """max_invoices 7: the first 7 ascending, isTruncated, lastPermanentStorageDate, HWM = to."""
    invoices = inbox(app, 20)
    buyer, key, reference = _export(app, client, ExportPlan(max_invoices=7))
    package = status(client, buyer.headers, reference)["package"]
    assert package["invoiceCount"] == 7
    assert package["isTruncated"] is True
    assert package["lastPermanentStorageDate"] == iso(invoices[6].permanent_storage_date)
    assert package["permanentStorageHwmDate"] == iso(START)
    metadata = json.loads(unpack(download(client, package, key))["_metadata.json"])
    assert [m["ksefNumber"] for m in metadata["invoices"]] == [g.ksef_number for g in invoices[:7]]


def test_truncation_by_invoicing_and_issue_dates_names_those(app, client):
    """lastInvoicingDate / lastIssueDate for the other date types; no HWM for them."""
    invoices = inbox(app, 10)
    plan = ExportPlan(max_invoices=3)
    with_scenario(app, Scenario(name="small", export=plan), BUYER)
    buyer = Caller(app, client, BUYER)
    by_invoicing = sorted(invoices, key=lambda g: (g.invoicing_date, g.ksef_number))
    for date_type, field, value in (
        ("Invoicing", "lastInvoicingDate", iso(by_invoicing[2].invoicing_date)),
        ("Issue", "lastIssueDate", None),
    ):
        body = export_body(SessionKey.fresh(), app, date_range={"dateType": date_type})
        package = status(client, buyer.headers, start(client, buyer.headers, body))["package"]
        assert package["isTruncated"] is True
        assert "permanentStorageHwmDate" not in package
        assert set(package) & {"lastInvoicingDate", "lastIssueDate"} == {field}
        if value is not None:
            assert package[field] == value
        else:
            issued = sorted(g.issue_date.isoformat() for g in invoices)
            assert package[field] == issued[2]


def test_an_empty_selection_has_one_metadata_part_or_none(app, client):
    """Nothing matches: invoiceCount 0 and one part of an empty list; empty_parts: parts []."""
    buyer, key, reference = _export(app, client)
    package = status(client, buyer.headers, reference)["package"]
    assert package["invoiceCount"] == 0
    assert unpack(download(client, package, key)) == {"_metadata.json": b'{"invoices":[]}'}
    _, _, other = _export(app, client, ExportPlan(empty_parts=True))
    package = status(client, buyer.headers, other)["package"]
    assert (package["invoiceCount"], package["parts"], package["size"]) == (0, [], 0)


def test_links_are_fresh_on_every_poll_and_expire(app, client, clock):
    """A link dies after an hour (403); the next status call hands out a new one."""
    inbox(app, 3)
    buyer, _, reference = _export(app, client)
    first = status(client, buyer.headers, reference)["package"]["parts"][0]
    clock.shift(timedelta(minutes=61))
    response = fetch(client, first["url"])
    assert response.status_code == 403
    assert response.json["detail"] == "Link odrzucony: link expired."
    buyer = Caller(app, client, BUYER)  # the access token has expired too
    again = status(client, buyer.headers, reference)["package"]["parts"][0]
    assert again["url"] != first["url"]
    assert again["expirationDate"] == iso(START + timedelta(minutes=121))
    assert fetch(client, again["url"]).status_code == 200
    forged = again["url"].replace("sig=", "sig=0")
    assert fetch(client, forged).status_code == 403


def test_parts_survive_in_the_shared_store(app, client):
    """The parts are store blobs: another app over the same store serves them."""
    from mock_ksef.domain.exports.job import part_key
    from mock_ksef.http.context import services

    inbox(app, 3)
    buyer, _, reference = _export(app, client)
    status(client, buyer.headers, reference)
    assert services(app).store.get_blob(part_key(reference, 1)) is not None
