"""The bulk path of ``store_inbox`` stores exactly what the one-by-one way in stores.

Two claims: (1) ``content_of`` (the generator's own account) equals ``derive_content`` of
the bytes for every invoice of a sample over seeds, both forms, both buyer types and every
trait; (2) a whole inbox stored in bulk leaves the store with the same documents, index
values, order and blobs as ``record_received_invoice`` plus ``remember_acceptance`` per
invoice (the former ``store_inbox``), on both backends.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from mock_ksef.codec import to_doc
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.acceptance import record_received_invoice
from mock_ksef.domain.retrieval.covering import COVERING_INDEX, covering_value
from mock_ksef.domain.retrieval.derive import derive_content
from mock_ksef.domain.retrieval.facets import FACETS, NUMBER_INDEX, facet_index
from mock_ksef.domain.retrieval.record import (
    InvoiceRecord,
    StorageDates,
    build_record,
    record_doc,
    roles,
)
from mock_ksef.domain.retrieval.repo import (
    DATE_INDEX,
    ENTRY,
    INVOICE,
    PENDING,
    SELLER_COVERING,
    SELLER_INDEX,
    TALLY,
    ReceivedInvoices,
    entry_rows,
    prefix,
    xml_key,
)
from mock_ksef.domain.session import FormCode
from mock_ksef.inbox import (
    Buyer,
    GeneratedInvoice,
    InvoiceMix,
    generate_inbox,
    store_inbox,
    storing,
)
from mock_ksef.inbox.storing import content_of, duplicate_key, storage_dates
from mock_ksef.store import MemoryStore, SqliteStore, Store
from mock_ksef.store.base import Query, encode
from mock_ksef.store.kinds import DUPLICATE
from mock_ksef.timefmt import iso
from tests.inbox.conftest import BUYER_NIP, RICH_MIX, make_spec
from tests.retrieval.support import invoice_xml

BUYERS = (Buyer("Nip", BUYER_NIP), Buyer("InternalId", f"{BUYER_NIP}-00042"))
#: FA (2) has no attachments.
FA2_MIX = InvoiceMix(
    corrections=0.3, advances=0.2, attachments=0.0, foreign_currency=0.4, offline=0.3
)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("form", ["FA (3)", "FA (2)"])
@pytest.mark.parametrize("buyer", BUYERS, ids=["nip", "internal-id"])
def test_known_content_equals_the_content_read_from_the_bytes(seed, form, buyer):
    """Every field, for 60 invoices per case (VAT, KOR, ZAL, foreign currency, offline,
    attachments, third subjects), 960 in all."""
    mix = RICH_MIX if form == "FA (3)" else FA2_MIX
    spec = make_spec(count=60, seed=seed, form=form, buyer=buyer, mix=mix)
    invoices = list(generate_inbox(spec))
    kinds = {(g.invoice_kind, g.currency != "PLN", g.has_attachment) for g in invoices}
    assert {kind for kind, _, _ in kinds} == {"VAT", "KOR", "ZAL"}
    assert any(foreign for _, foreign, _ in kinds)
    for generated in invoices:
        assert content_of(generated) == derive_content(generated.xml, generated.system_code)


def store_one_by_one(invoices: list[GeneratedInvoice], repos: Repos) -> None:
    """The former ``store_inbox``: the one way in and the duplicate check, per invoice."""
    received = ReceivedInvoices(repos.store)
    with repos.store.transaction():
        for g in invoices:
            record_received_invoice(
                received,
                g.xml,
                ksef_number=g.ksef_number,
                form_code=FormCode(g.system_code, g.schema_version, "FA"),
                dates=storage_dates(g),
                invoicing_mode=g.invoicing_mode,
                invoice_hash=g.invoice_hash,
                hash_of_corrected_invoice=g.hash_of_corrected_invoice,
            )
            if repos.find_duplicate(duplicate_key(g)) is None:
                repos.remember_acceptance(duplicate_key(g), g.ksef_number, g.session_reference)


#: Every index name an entry can carry (dates, the seller's, covering, number, facets).
ENTRY_INDEXES = (
    *DATE_INDEX.values(),
    *SELLER_INDEX.values(),
    *SELLER_COVERING.values(),
    *COVERING_INDEX.values(),
    NUMBER_INDEX,
    *(f"{name}-{facet}" for facet in FACETS for name in DATE_INDEX.values()),
)


def _state(store: Store, invoices: list[GeneratedInvoice]) -> dict[str, object]:
    """Everything the two paths write: documents in order, each index's walk, blobs."""
    walks = {
        name: [(h.value, h.key) for h in store.query(ENTRY, Query(order_by=name))]
        for name in ENTRY_INDEXES
    }
    return {
        "kinds": {kind: store.find(kind) for kind in (INVOICE, ENTRY, PENDING, TALLY, DUPLICATE)},
        "keys": {kind: [h.key for h in store.query(kind, Query())] for kind in (INVOICE, ENTRY)},
        "walks": walks,
        "pending": [h.key for h in store.query(PENDING, Query(order_by="available"))],
        "blobs": [store.get_blob(xml_key(g.ksef_number)) for g in invoices],
    }


def _open(backend: str, path: Path, request: pytest.FixtureRequest) -> Store:
    if backend == "postgresql":
        from mock_ksef.store.postgres import PostgresStore

        return PostgresStore(request.getfixturevalue("pg_server").schema_url())
    return MemoryStore() if backend == "memory" else SqliteStore(path)


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_bulk_storing_leaves_the_same_state_as_one_by_one(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,340 invoices (in chunks of 1,000: three), both buyer types, a duplicate key taken
    beforehand, an invoice stored already: identical stores. The JST sub-unit's invoices
    name the JST's NIP in Podmiot2, so the NIP's inbox holds them too."""
    monkeypatch.setattr(storing, "CHUNK", 1000)
    invoices = list(generate_inbox(make_spec(count=2300, seed=5)))
    invoices += generate_inbox(make_spec(count=40, seed=6, buyer=BUYERS[1]))
    states = []
    for name, write in (("bulk", store_inbox), ("single", store_one_by_one)):
        store = _open(backend, tmp_path / f"{name}.db", request)
        repos = Repos(store)
        repos.remember_acceptance(duplicate_key(invoices[7]), "live-ksef-number", "live-session")
        store_one_by_one(invoices[:1], repos)  # stored once already: not counted twice
        write(invoices, repos)
        states.append(_state(store, invoices))
        store.close()
    bulk, single = states
    assert bulk == single
    tally = {(d["subjectType"], d["context"]): d["count"] for d in bulk["kinds"][TALLY]}  # type: ignore[index]
    assert tally == {
        ("Subject2", f"Nip:{BUYER_NIP}"): 2340,
        ("Subject3", f"InternalId:{BUYER_NIP}-00042"): 40,
    }


def record_of(g: GeneratedInvoice) -> InvoiceRecord:
    """The record the one-by-one way in builds for a generated invoice."""
    return build_record(
        g.xml,
        content_of(g),
        ksef_number=g.ksef_number,
        form_code=FormCode(g.system_code, g.schema_version, "FA"),
        dates=storage_dates(g),
        invoicing_mode=g.invoicing_mode,
        invoice_hash=g.invoice_hash,
    )


def test_the_written_out_record_document_is_the_codecs():
    """record_doc == codec.to_doc, key order included (the JSON text is the same), for
    generated records and for one with third subjects, an authorised subject and a late
    permanent storage."""
    invoices = list(generate_inbox(make_spec(count=30, seed=9, buyer=BUYERS[1])))
    records = [record_of(g) for g in invoices]
    xml = invoice_xml(
        "1234563218", "FV/1", third=(("NIP", BUYER_NIP, "2"),), authorized="7010002137"
    )
    when = invoices[0].invoicing_date
    records.append(
        build_record(
            xml,
            derive_content(xml, "FA (3)"),
            ksef_number="1234563218-20261124-000000000001-00",
            form_code=FormCode("FA (3)", "1-0E", "FA"),
            dates=StorageDates(when, when, when, when + timedelta(hours=1)),
            invoicing_mode="Offline",
            hash_of_corrected_invoice="abc=",
        )
    )
    assert records[-1].content.authorized_subject is not None
    for record in records:
        assert encode(record_doc(record)) == encode(to_doc(record))


def _index_by_definition(record: InvoiceRecord, subject_type: str, start: str) -> dict[str, str]:
    """A role's index values spelled out from the definitions, one value at a time (the
    covering code built anew for each value), in the order the stores keep them."""
    dates = {name: record.date_of(date_type) for date_type, name in DATE_INDEX.items()}
    visible = iso(record.available_from)
    index = {name: start + dates[name] for name in DATE_INDEX.values()}
    if subject_type != "Subject1":
        behind = f"{start}{record.content.seller_nip}|"
        for date_type, name in DATE_INDEX.items():
            index[SELLER_INDEX[date_type]] = behind + dates[name]
            index[SELLER_COVERING[date_type]] = covering_value(behind, dates[name], record, visible)
    index.update(facet_index(record, start, dates))
    for date_type, name in DATE_INDEX.items():
        index[COVERING_INDEX[date_type]] = covering_value(start, dates[name], record, visible)
    return index


@pytest.mark.parametrize("buyer", BUYERS, ids=["nip", "internal-id"])
def test_entry_rows_index_every_role_as_defined(buyer: Buyer) -> None:
    """entry_rows builds what the roles share once; each role's values (and their order,
    the text of SQLite's ``idx_values``) are still exactly the definitions'."""
    seen: set[str] = set()
    for g in generate_inbox(make_spec(count=150, seed=11, buyer=buyer)):
        record = record_of(g)
        held = dataclasses.replace(record, available_from=record.available_from + timedelta(days=2))
        for rec in (record, held):
            rows = entry_rows(rec, roles(rec.content))
            assert [key for key, _, _ in rows] == [
                prefix(s, c) + rec.ksef_number for s, c in roles(rec.content)
            ]
            for (subject_type, context_key), (_, _, index) in zip(
                roles(rec.content), rows, strict=True
            ):
                expected = _index_by_definition(
                    rec, subject_type, prefix(subject_type, context_key)
                )
                assert index is not None
                assert list(index.items()) == list(expected.items())
                seen.update(index)
    # Every index but the facets the generator never makes (self-invoicing, PEF/FA_RR).
    never = {f"{name}-{facet}" for facet in ("self", "form") for name in DATE_INDEX.values()}
    assert seen == set(ENTRY_INDEXES) - never
