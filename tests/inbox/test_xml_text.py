"""The text writer (``fa_xml.py``) writes the bytes lxml would, with every data value escaped."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime

import pytest
from lxml import etree

from mock_ksef.domain.retrieval.derive import derive_content
from mock_ksef.inbox import Buyer, InboxSpec, generate_inbox
from mock_ksef.inbox.draft import Advance, Attachment, Correction, Draft
from mock_ksef.inbox.fa_xml import FaWriter
from mock_ksef.inbox.money import line, totals_of_advance, totals_of_lines
from mock_ksef.inbox.pools import Party, Seller
from mock_ksef.inbox.storing import content_of
from mock_ksef.xml.safe import parse_xml
from mock_ksef.xml.schemas import SchemaRegistry
from tests.inbox.conftest import BUYER_NIP, RICH_MIX, make_spec, texts

INTERNAL_ID = f"{BUYER_NIP}-00042"
#: RICH_MIX without attachments (FA (2) has no Zalacznik).
FA2_RICH_MIX = dataclasses.replace(RICH_MIX, attachments=0.0)
#: SHA-256 of the concatenated bytes of 250 invoices per spec, recorded with the previous
#: writer (lxml trees serialised by ``etree.tostring``, commit 6d663a8): the text writer
#: must not change a byte. Keys: form, buyer type, seed, mix (``rich``: conftest's
#: RICH_MIX, ``default``: the form's default mix).
LXML_DIGESTS = {
    (
        "FA (3)",
        "Nip",
        3,
        "rich",
    ): "697b8d1093c7d4dc46e1e662253ecde5125ee65b29d0b96dc6270a28bc4deb3c",
    (
        "FA (3)",
        "Nip",
        0,
        "default",
    ): "186664f3242bdef37779bc9920f3245f2ca860914dfaaa1da2c4e724c575d072",
    (
        "FA (3)",
        "InternalId",
        8,
        "rich",
    ): "89e7a92b55b8f98ff491b2ecfd6b8595c2820a6286ce252fbe3eef8fc3a613f8",
    (
        "FA (3)",
        "InternalId",
        1,
        "default",
    ): "df8832d5abaa887f01b66ecdc9a9f7ee748ad4b01cec67b393c118e28966fb9e",
    (
        "FA (2)",
        "Nip",
        3,
        "rich",
    ): "dad9aa0deeb674395ad0a5cd2d1601c53dab6b5f790c304c3c31f59104a395a9",
    (
        "FA (2)",
        "Nip",
        0,
        "default",
    ): "2a7ae3d5af3b431468113ee27cd13f0763a0074723486f1408a75b1795ae275f",
    (
        "FA (2)",
        "InternalId",
        8,
        "rich",
    ): "fdf727dbdba92387060ac2e43899696100c074437ee61cf4eccd43903bcae246",
    (
        "FA (2)",
        "InternalId",
        1,
        "default",
    ): "dfd8f33f70b42de56e6d6b3cc38f4ae9e0df725711607d766ce3bc9b0f466193",
}


def digest_spec(form: str, buyer_type: str, seed: int, mix: str) -> InboxSpec:
    """The spec of one :data:`LXML_DIGESTS` entry."""
    buyer = Buyer("Nip", BUYER_NIP) if buyer_type == "Nip" else Buyer("InternalId", INTERNAL_ID)
    chosen = None if mix == "default" else RICH_MIX if form == "FA (3)" else FA2_RICH_MIX
    return make_spec(form=form, buyer=buyer, seed=seed, count=250, mix=chosen)


def digest(spec: InboxSpec) -> str:
    """SHA-256 (hex) of the concatenated bytes of ``spec``'s invoices."""
    found = hashlib.sha256()
    for invoice in generate_inbox(spec):
        found.update(invoice.xml)
    return found.hexdigest()


@pytest.mark.parametrize("key", sorted(LXML_DIGESTS), ids=str)
def test_bytes_are_those_of_the_lxml_writer(key: tuple[str, str, int, str]) -> None:
    """Same spec, same bytes as the lxml-built invoices of before (2,000 invoices)."""
    assert digest(digest_spec(*key)) == LXML_DIGESTS[key]


def test_lxml_reserialises_every_invoice_to_the_same_bytes() -> None:
    """Parsing an invoice and writing it again with lxml gives back its exact bytes."""
    for form in ("FA (3)", "FA (2)"):
        for buyer in (Buyer("Nip", BUYER_NIP), Buyer("InternalId", INTERNAL_ID)):
            spec = digest_spec(form, buyer.identifier_type, 5, "rich")
            for invoice in generate_inbox(spec):
                root = parse_xml(invoice.xml)
                again = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
                assert again == invoice.xml


HOSTILE = "A & B <C> \"D\" 'E' 50% ]]> ż"


def _hostile_draft(seller: Seller) -> Draft:
    lines = (
        line(f"Towar {HOSTILE}", "X&<-1", "szt<", 2_500, 12_345, "23"),
        line("Usługa %s %d", "%(a)s", "h%", 1_000, 99, "zw"),
    )
    order = totals_of_lines(list(lines), 43_000)
    return Draft(
        kind="ZAL",
        number=f"FV/<1>&{HOSTILE}",
        issue_date="2026-01-05",
        sale_date="2026-01-04",
        created=datetime(2026, 1, 5, 8, 9, 10, 123_456, tzinfo=UTC),
        seller=seller,
        currency="EUR",
        exchange_rate=43_000,
        lines=lines,
        totals=totals_of_advance(order, 30, 43_000),
        payment_form="6",
        due_date=None,
        correction=Correction(HOSTILE, "1", f"N&{HOSTILE}", "2025-12-01", f"K<{HOSTILE}"),
        advance=Advance(lines, order),
        attachment=Attachment(HOSTILE, ((HOSTILE, f"v{HOSTILE}"),), (HOSTILE, "&amp;")),
    )


def test_every_data_value_is_escaped() -> None:
    """Names, addresses, numbers, reasons, products and attachment texts with ``& < > " '
    %`` and ``]]>`` come back unchanged from a parse, and lxml writes the same bytes."""
    party = Party(
        "1165667132", f"Firma {HOSTILE}", f"ul. {HOSTILE}", "00-001 <W>", "W&", "a@b", "1"
    )
    seller = Seller(party, "1" * 26, f"Bank {HOSTILE}", "123", f"K{HOSTILE}", "{n}", f"S{HOSTILE}")
    buyer_party = Party(BUYER_NIP, f"Kupiec {HOSTILE}", "<", ">", "&", "&amp;", "%d")
    writer = FaWriter("FA (3)", Buyer("InternalId", INTERNAL_ID), buyer_party)
    xml = writer.write(_hostile_draft(seller))
    root = parse_xml(xml)
    assert etree.tostring(root, xml_declaration=True, encoding="UTF-8") == xml
    assert texts(root, "Naglowek/SystemInfo") == [f"S{HOSTILE}"]
    assert texts(root, "Podmiot1/DaneIdentyfikacyjne/Nazwa") == [f"Firma {HOSTILE}"]
    assert texts(root, "Podmiot1/Adres/AdresL1") == [f"ul. {HOSTILE}"]
    assert texts(root, "Podmiot2/DaneIdentyfikacyjne/Nazwa") == [f"Kupiec {HOSTILE}"]
    assert texts(root, "Podmiot2/DaneKontaktowe/Email") == ["&amp;"]
    assert texts(root, "Podmiot3/DaneIdentyfikacyjne/Nazwa") == [
        f"Jednostka organizacyjna Kupiec {HOSTILE}"
    ]
    assert texts(root, "Fa/P_1M") == ["W&"]
    assert texts(root, "Fa/P_2") == [f"FV/<1>&{HOSTILE}"]
    assert texts(root, "Fa/PrzyczynaKorekty") == [HOSTILE]
    assert texts(root, "Fa/DaneFaKorygowanej/NrFaKorygowanej") == [f"N&{HOSTILE}"]
    assert texts(root, "Fa/DaneFaKorygowanej/NrKSeFFaKorygowanej") == [f"K<{HOSTILE}"]
    assert texts(root, "Fa/Zamowienie/ZamowienieWiersz/P_7Z") == [
        f"Towar {HOSTILE}",
        "Usługa %s %d",
    ]
    assert texts(root, "Fa/Zamowienie/ZamowienieWiersz/IndeksZ") == ["X&<-1", "%(a)s"]
    assert texts(root, "Fa/Zamowienie/ZamowienieWiersz/P_8AZ") == ["szt<", "h%"]
    assert texts(root, "Fa/Platnosc/RachunekBankowy/NazwaBanku") == [f"Bank {HOSTILE}"]
    assert texts(root, "Stopka/Rejestry/KRS") == [f"K{HOSTILE}"]
    assert texts(root, "Zalacznik/BlokDanych/ZNaglowek") == [HOSTILE]
    assert texts(root, "Zalacznik/BlokDanych/MetaDane/ZWartosc") == [f"v{HOSTILE}"]
    assert texts(root, "Zalacznik/BlokDanych/Tekst/Akapit") == [HOSTILE, "&amp;"]
    assert texts(root, "Naglowek/DataWytworzeniaFa") == ["2026-01-05T08:09:10Z"]


def test_fa_rows_escape_their_product_texts(schemas: SchemaRegistry) -> None:
    """A VAT invoice's ``FaWiersz`` rows carry escaped product texts and stay XSD-valid."""
    party = Party(
        "1165667132", f"Firma {HOSTILE}", f"ul. {HOSTILE}", "00-001 W", "W&", "a@b.pl", "1"
    )
    seller = Seller(party, "1" * 26, "Bank", "123456789", None, "{n}", "ERP & co")
    writer = FaWriter(
        "FA (2)", Buyer("Nip", BUYER_NIP), Party(BUYER_NIP, "K&K", "<", ">", "&", "e@f.pl", "2")
    )
    lines = (line(f"Towar {HOSTILE}", "X&<-1", "szt<", 2_500, 12_345, "23"),)
    draft = Draft(
        kind="VAT",
        number="1/01/2026",
        issue_date="2026-01-05",
        sale_date=None,
        created=datetime(2026, 1, 5, 8, 9, 10, tzinfo=UTC),
        seller=seller,
        currency="PLN",
        exchange_rate=None,
        lines=lines,
        totals=totals_of_lines(list(lines), None),
        payment_form="1",
        due_date=None,
    )
    xml = writer.write(draft)
    root = parse_xml(xml)
    assert texts(root, "Fa/FaWiersz/P_7") == [f"Towar {HOSTILE}"]
    assert texts(root, "Fa/FaWiersz/Indeks") == ["X&<-1"]
    assert texts(root, "Fa/FaWiersz/P_8A") == ["szt<"]
    assert texts(root, "Fa/FaWiersz/P_8B") == ["2.5"]
    assert texts(root, "Fa/Platnosc/DataZaplaty") == ["2026-01-05"]
    assert schemas.validate("FA (2)", etree.ElementTree(root)) == []


@pytest.mark.parametrize("buyer_type", ["Nip", "InternalId"])
def test_a_buyer_name_with_markup_reads_back_as_given(buyer_type: str) -> None:
    """``Buyer.name`` with ``& < > "`` is escaped: the bytes read back to the name, and the
    content the store indexes from the bytes is the generator's own account."""
    value = BUYER_NIP if buyer_type == "Nip" else INTERNAL_ID
    buyer = Buyer(buyer_type, value, f"Kupiec {HOSTILE}")
    for invoice in generate_inbox(make_spec(buyer=buyer, count=30)):
        root = parse_xml(invoice.xml)
        assert texts(root, "Podmiot2/DaneIdentyfikacyjne/Nazwa") == [f"Kupiec {HOSTILE}"]
        assert invoice.buyer_name == f"Kupiec {HOSTILE}"
        assert content_of(invoice) == derive_content(invoice.xml, invoice.system_code)
