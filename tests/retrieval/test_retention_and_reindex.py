"""Retention forgets the retrieval records of the invoices it deletes, and expired exports;
``mock-ksef state compact`` re-indexes retrieval entries an older version wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mock_ksef.cli import main
from mock_ksef.codec import to_doc
from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.exports.job import ExportJob, Exports, Package, PartInfo, part_key
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import Swept, sweep_all
from mock_ksef.domain.retrieval.acceptance import record_received_invoice
from mock_ksef.domain.retrieval.derive import derive_content
from mock_ksef.domain.retrieval.filters import DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.record import StorageDates, build_record, roles
from mock_ksef.domain.retrieval.repo import (
    DATE_INDEX,
    ENTRY,
    INVOICE,
    LAYOUT_KIND,
    TALLY,
    ReceivedInvoices,
    prefix,
    xml_key,
)
from mock_ksef.domain.retrieval.use_cases import Paging, query_metadata
from mock_ksef.scenario.model import ExportPlan
from mock_ksef.store import MemoryStore, SqliteStore, Store
from mock_ksef.store.base import Query
from tests.retrieval.support import FA3_FORM, invoice_xml
from tests.store.test_retention import DAY, NOW, POLICY, _old_session_with_invoices
from tests.support.invoices import BUYER_NIP

SELLERS = ("1234563218", "5260250995")
BUYER = Principal(ContextId("Nip", BUYER_NIP), "AU", "access", ("InvoiceRead",))
SINCE = NOW - 300 * DAY


@pytest.fixture(name="store", params=["memory", "sqlite"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield store
    store.close()


def _receive(repo: ReceivedInvoices, ksef: str, seller: str, number: str, days_ago: int) -> None:
    when = NOW - days_ago * DAY
    dates = StorageDates(when, when, when)
    xml = invoice_xml(seller, number)
    record_received_invoice(repo, xml, ksef_number=ksef, form_code=FA3_FORM, dates=dates)


def _numbers(store: Store, since_days: int, **extra: object) -> list[str]:
    dates = DateRange("PermanentStorage", NOW - since_days * DAY, NOW)
    filters = InvoiceFilters("Subject2", dates, **extra)  # type: ignore[arg-type]
    page = query_metadata(ReceivedInvoices(store), BUYER, filters, Paging(0, 50), NOW)
    return [r.content.invoice_number for r in page.invoices]


def test_a_deleted_sessions_invoices_leave_the_retrieval_side(store: Store) -> None:
    """The old session's invoices are no longer queried, counted or downloaded; the
    recent session's and the other invoices stay."""
    repos, repo = Repos(store), ReceivedInvoices(store)
    age = timedelta(seconds=POLICY.session_s)
    _old_session_with_invoices(repos, "OLD", NOW - age - DAY, 2)
    _old_session_with_invoices(repos, "NEW", NOW - age + DAY, 1)
    for ksef, number in (("K-OLD-0", "O/0"), ("K-OLD-1", "O/1"), ("K-NEW-0", "N/0")):
        _receive(repo, ksef, SELLERS[0], number, 80)
    assert sorted(_numbers(store, 90)) == ["N/0", "O/0", "O/1"]
    assert store.get(TALLY, f"Subject2|Nip:{BUYER_NIP}") == {
        "subjectType": "Subject2",
        "context": f"Nip:{BUYER_NIP}",
        "count": 3,
    }

    assert sweep_all(store, POLICY, NOW) == Swept(sessions=1, invoices=2)

    assert _numbers(store, 90) == ["N/0"]
    assert _numbers(store, 90, seller_nip=SELLERS[0]) == ["N/0"]
    assert repo.get("K-OLD-0") is None
    assert store.get_blob(xml_key("K-OLD-1")) is None
    assert [h.key for h in store.query(ENTRY, Query())] == [
        f"Subject1|Nip:{SELLERS[0]}|K-NEW-0",
        f"Subject2|Nip:{BUYER_NIP}|K-NEW-0",
    ]
    assert store.get(TALLY, f"Subject2|Nip:{BUYER_NIP}") == {
        "subjectType": "Subject2",
        "context": f"Nip:{BUYER_NIP}",
        "count": 1,
    }


def test_expired_exports_go_with_their_parts(store: Store) -> None:
    """The sweep removes an export whose status expired and its encrypted parts."""
    exports = Exports(store)
    filters = InvoiceFilters("Subject2", DateRange("PermanentStorage", SINCE))
    part = PartInfo(1, "part.zip.aes", 3, "h", 16, "e")
    package = Package(1, 3, (part,), False, "Zip")
    for reference, created in (("OLD", NOW - 2 * DAY), ("NEW", NOW)):
        job = ExportJob(
            reference, BUYER.context.key, created, filters, None, False, "Zip", "", "", "",
            ExportPlan(status_retention_seconds=86_400), status=200, package=package,
        )  # fmt: skip
        exports.save(job)
        exports.put_part(reference, 1, b"encrypted")
    assert sweep_all(store, POLICY, NOW) == Swept(exports=1)
    assert exports.get("OLD") is None
    assert store.get_blob(part_key("OLD", 1)) is None
    assert exports.get("NEW") is not None
    assert store.get_blob(part_key("NEW", 1)) == b"encrypted"


def _old_layout(store: Store) -> None:
    """Four invoices saved as ``ReceivedInvoices.save`` did before the seller's index
    (commit ``e721eb1^``): the whole record as each role's entry, date indexes only."""
    for n in range(4):
        seller = SELLERS[n % 2]
        when = NOW - (10 - n) * DAY
        xml = invoice_xml(seller, f"OLD/{n}", currency="EUR" if n == 3 else "PLN")
        record = build_record(
            xml,
            derive_content(xml, "FA (3)"),
            ksef_number=f"{seller}-20261114-{n + 1:012X}-00",
            form_code=FA3_FORM,
            dates=StorageDates(when, when, when),
            invoicing_mode="Online",
        )
        doc = to_doc(record)
        store.put_blob(xml_key(record.ksef_number), xml)
        store.put(INVOICE, record.ksef_number, {"record": doc, "roles": roles(record.content)})
        for subject_type, context_key in roles(record.content):
            start = prefix(subject_type, context_key)
            index = {name: start + record.date_of(kind) for kind, name in DATE_INDEX.items()}
            store.put(ENTRY, start + record.ksef_number, doc, index)


def _same_answers(store: Store) -> None:
    """What every shape of query finds in the four old-layout invoices."""
    assert _numbers(store, 30) == ["OLD/0", "OLD/1", "OLD/2", "OLD/3"]
    assert _numbers(store, 30, currency_codes=("PLN",)) == ["OLD/0", "OLD/1", "OLD/2"]
    assert _numbers(store, 30, seller_nip=SELLERS[1]) == ["OLD/1", "OLD/3"]
    assert _numbers(store, 30, seller_nip=SELLERS[1], currency_codes=("PLN",)) == ["OLD/1"]
    assert _numbers(store, 30, currency_codes=("EUR",)) == ["OLD/3"]
    assert _numbers(store, 30, invoice_number="OLD/2") == ["OLD/2"]


def test_entries_of_the_old_layout_are_read_before_and_reindexed(tmp_path: Path) -> None:
    """Before ``mock-ksef state compact`` the old entries (no seller's or sparse index)
    are walked, so every query still finds them; compact rewrites them as small documents
    with every index and marks the store, and the queries then use those indexes."""
    store = SqliteStore(tmp_path / "state.sqlite3")
    _old_layout(store)
    assert not ReceivedInvoices(store).indexed()
    _same_answers(store)
    store.close()

    result = CliRunner().invoke(
        main,
        ["state", "compact", "--state-dir", str(tmp_path)],
        env={"MOCK_KSEF_CLOCK": f"frozen:{NOW.isoformat()}"},
    )
    assert result.exit_code == 0, result.output
    # 4 records, as many retrieval-invoice documents as before: nothing else is stored.
    assert "re-indexed 4 documents" in result.output

    store = SqliteStore(tmp_path / "state.sqlite3")
    assert ReceivedInvoices(store).indexed()
    _same_answers(store)
    number = f"{SELLERS[1]}-20261114-000000000002-00"
    assert store.get(ENTRY, f"Subject2|Nip:{BUYER_NIP}|{number}") == {
        "m": [
            number,
            "2026-11-15T09:00:00.000000+00:00",  # visible: NOW - 9 days
            "Online",
            "OLD/1",
            SELLERS[1],
            "Nip",
            BUYER_NIP,
            100.0,
            23.0,
            123.0,
            "PLN",
            "Vat",
            "FA",
            False,
            False,
        ]
    }
    sellers = [h.key for h in store.query(ENTRY, Query(order_by="ps-seller"))]
    assert len(sellers) == 4  # one Subject2 entry per invoice; Subject1 has no seller index
    euro = [(h.value, h.key) for h in store.query(ENTRY, Query(order_by="ps-cur"))]
    eur_number = f"{SELLERS[1]}-20261114-000000000004-00"
    assert euro == [
        (
            f"Subject1|Nip:{SELLERS[1]}|EUR|2026-11-17T09:00:00.000000+00:00",
            f"Subject1|Nip:{SELLERS[1]}|{eur_number}",
        ),
        (
            f"Subject2|Nip:{BUYER_NIP}|EUR|2026-11-17T09:00:00.000000+00:00",
            f"Subject2|Nip:{BUYER_NIP}|{eur_number}",
        ),
    ]
    assert store.get(TALLY, f"Subject2|Nip:{BUYER_NIP}") is None  # the old layout had none
    assert store.get(LAYOUT_KIND, "entries") == {"layout": 3}
    # The covering index (``covering.py``): date, padded number, then every filtered field.
    start = f"Subject2|Nip:{BUYER_NIP}|"
    covering = [h for h in store.query(ENTRY, Query(order_by="ps-c")) if h.key == start + number]
    assert [h.value for h in covering] == [
        f"{start}2026-11-15T09:00:00.000000+00:00|{number} |"
        "2026-11-15T09:00:00.000000+00:00"  # visible
        "100"  # Online, not self-invoicing, no attachment
        "FA   Vat     PLNN"  # form, type, currency, buyer type
        "c059000000000000c037000000000000c05ec00000000000"  # 100.0, 23.0, 123.0
        f"{SELLERS[1]}={BUYER_NIP}"
    ]
    # The seller's covering index (layout 3): the same value behind the seller's NIP.
    behind = store.query(ENTRY, Query(order_by="ps-seller-c"))
    assert len(behind) == 4  # one Subject2 entry per invoice, as for ps-seller
    assert [h.value for h in behind if h.key == start + number] == [
        f"{start}{SELLERS[1]}|" + covering[0].value[len(start) :]
    ]
    store.close()
