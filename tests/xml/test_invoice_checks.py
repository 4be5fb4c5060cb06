"""verify_invoice against the official XSDs, with real (and hostile) XML files."""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from mock_ksef.xml.invoice_checks import (
    InvoiceFacts,
    InvoiceLimits,
    InvoiceVerdict,
    duplicate_key,
    nip_checksum_ok,
    verify_invoice,
)
from mock_ksef.xml.safe import XmlRejected, parse_document, safe_parser
from mock_ksef.xml.schemas import SchemaRegistry
from tests.support.invoices import FA3_NS, fa2_invoice, fa3_invoice
from tests.support.nips import NIP
from tests.support.spec import spec_dir

OTHER_NIP = "7010002139"
SENT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DEFAULT_LIMITS = InvoiceLimits()


@pytest.fixture(scope="module")
def schemas() -> SchemaRegistry:
    """The official invoice XSDs."""
    return SchemaRegistry(spec_dir() / "invoice-schemas")


def verify(
    xml: bytes,
    schemas: SchemaRegistry,
    *,
    system_code: str = "FA (3)",
    online: bool = True,
    context_nip: str | None = NIP,
    when: datetime = SENT,
    limits: InvoiceLimits = DEFAULT_LIMITS,
    checksum: bool = False,
) -> InvoiceVerdict:
    return verify_invoice(
        xml,
        system_code=system_code,
        schemas=schemas,
        context_nip=context_nip,
        online=online,
        invoicing_date=when,
        limits=limits,
        check_nip_checksum=checksum,
    )


def swap(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml, old
    return xml.replace(old.encode(), new.encode(), 1)


class TestValid:
    def test_fa3_passes_with_its_facts(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa3_invoice(NIP, "FV/1/2026", "2026-11-20"), schemas)
        assert verdict == InvoiceVerdict(
            200, (), InvoiceFacts("FV/1/2026", NIP, "2026-11-20", "VAT", has_attachment=False)
        )

    def test_fa2_passes(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa2_invoice(NIP, "FV/2/2026"), schemas, system_code="FA (2)")
        assert (verdict.code, verdict.details) == (200, ())
        assert verdict.facts.invoice_number == "FV/2/2026"

    def test_attachment_is_fine_in_a_batch_session(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa3_invoice(NIP, "FV/3", attachment=True), schemas, online=False)
        assert (verdict.code, verdict.facts.has_attachment) == (200, True)

    def test_lower_case_utf8_prolog_is_accepted(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/4"), "encoding='UTF-8'", 'encoding="utf-8"')
        assert verify(xml, schemas).code == 200

    def test_no_prolog_is_accepted(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/5").split(b"?>", 1)[1].lstrip()
        assert verify(xml, schemas).code == 200

    def test_duplicate_key(self) -> None:
        facts = InvoiceFacts("FV/1", NIP, "2026-11-20", "VAT", has_attachment=False)
        assert duplicate_key(facts) == f"{NIP}|VAT|FV/1"
        assert duplicate_key(InvoiceFacts("FV/1", None, None, "VAT", False)) is None


class TestSize:
    LIMITS = InvoiceLimits(max_bytes=1000, max_bytes_with_attachment=4000)

    def test_oversize_without_attachment(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1")
        assert 1000 < len(xml) < 4000
        verdict = verify(xml, schemas, limits=self.LIMITS)
        assert verdict.code == 430
        assert verdict.details == (
            f"Rozmiar faktury {len(xml)} B przekracza limit 1000 B (bez załącznika)",
        )

    def test_attachment_raises_the_limit(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1", attachment=True)
        assert verify(xml, schemas, limits=self.LIMITS, online=False).code == 200

    def test_oversize_with_attachment(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1", attachment=True)
        limits = InvoiceLimits(max_bytes=500, max_bytes_with_attachment=1000)
        verdict = verify(xml, schemas, limits=limits, online=False)
        assert verdict.details == (
            f"Rozmiar faktury {len(xml)} B przekracza limit 1000 B (z załącznikiem)",
        )

    def test_default_limit_is_one_million_bytes(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "mock-ksef tests", "x" * 1_000_000)
        verdict = verify(xml, schemas)
        assert verdict.details == (
            f"Rozmiar faktury {len(xml)} B przekracza limit 1000000 B (bez załącznika)",
        )


class TestEncoding:
    def test_bom(self, schemas: SchemaRegistry) -> None:
        verdict = verify(b"\xef\xbb\xbf" + fa3_invoice(NIP, "FV/1"), schemas)
        assert (verdict.code, verdict.details) == (
            430,
            ("Plik faktury zaczyna się znacznikiem BOM (EF BB BF); wymagane UTF-8 bez BOM",),
        )

    def test_utf16(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1").decode().replace("UTF-8", "UTF-16").encode("utf-16")
        verdict = verify(xml, schemas)
        assert verdict.details == ("Plik faktury jest zakodowany w UTF-16; wymagane UTF-8 bez BOM",)

    def test_prolog_declaring_another_encoding(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "encoding='UTF-8'", "encoding='ISO-8859-2'")
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            ("Prolog XML deklaruje kodowanie 'ISO-8859-2'; dozwolone jest wyłącznie UTF-8",),
        )

    def test_not_utf8(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1").decode().encode("iso-8859-2")  # "Usługa" -> 0xB3
        position = xml.index(b"\xb3")
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            (
                f"Plik faktury nie jest poprawnym UTF-8: bajt 0xB3 na pozycji {position} "
                "(invalid start byte)",
            ),
        )

    def test_processing_instruction_before_the_root(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "?>", '?>\n<?xml-stylesheet href="a.xsl"?>')
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            ("Plik faktury zawiera instrukcje przetwarzania (<?xml-stylesheet ...?>)",),
        )
        assert verdict.facts.invoice_number == "FV/1"

    def test_processing_instruction_inside(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<P_2>", "<?app data?><P_2>")
        verdict = verify(xml, schemas)
        assert verdict.details == ("Plik faktury zawiera instrukcje przetwarzania (<?app ...?>)",)

    @pytest.mark.parametrize("char", ["\x7f", "\x84", "\x86", "\x9f", "\ufdd0", "\U0001fffe"])
    def test_discouraged_character(self, schemas: SchemaRegistry, char: str) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "FV/1", f"FV{char}/1")
        line = xml[: xml.index(b"FV")].count(b"\n") + 1
        column = len(xml[: xml.index(b"FV")].rsplit(b"\n", 1)[-1].decode()) + 3
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            (f"Niedozwolony znak U+{ord(char):04X} w wierszu {line}, kolumnie {column}",),
        )

    def test_discouraged_character_reference(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "FV/1", "FV&#x86;/1")
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            ("Niedozwolony znak U+0086 (odwołanie znakowe) w wierszu 2",),
        )

    def test_next_line_is_allowed(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "FV/1", "FV\x85/1")
        assert verify(xml, schemas).code == 200

    def test_malformed(self, schemas: SchemaRegistry) -> None:
        xml = fa3_invoice(NIP, "FV/1")[:-20]
        verdict = verify(xml, schemas)
        assert verdict.code == 430
        assert len(verdict.details) == 1
        assert verdict.details[0].startswith("Dokument XML jest niepoprawny składniowo: ")
        assert "line 2, column" in verdict.details[0]


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]><lolz>&lol9;</lolz>"
).encode()


class TestHostileXml:
    def test_billion_laughs_fails_fast_and_small(self, schemas: SchemaRegistry) -> None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        verdict = verify(BILLION_LAUGHS, schemas)
        elapsed = time.perf_counter() - started
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert verdict.code == 430
        assert verdict.details[0].startswith("Dokument XML jest niepoprawny składniowo: ")
        assert elapsed < 1.0
        assert grown_kib < 50_000

    def test_billion_laughs_in_an_attribute(self, schemas: SchemaRegistry) -> None:
        xml = BILLION_LAUGHS.replace(b"<lolz>&lol9;</lolz>", b'<lolz a="&lol9;"/>')
        assert verify(xml, schemas).code == 430

    def test_external_entity_is_never_read(self, schemas: SchemaRegistry, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-42")
        xml = swap(
            fa3_invoice(NIP, "FV/1"),
            "?>",
            f'?><!DOCTYPE Faktura [<!ENTITY x SYSTEM "{secret.as_uri()}">]>',
        )
        xml = swap(xml, "FV/1", "&x;")
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            ("Dokument XML zawiera deklarację DOCTYPE/DTD, która jest niedozwolona",),
        )
        # Even the bare parser leaves the reference unresolved.
        root = etree.fromstring(xml, parser=safe_parser())
        assert b"TOP-SECRET" not in etree.tostring(root)
        assert "TOP-SECRET" not in "".join(str(text) for text in root.itertext())

    def test_external_dtd_is_refused(self, tmp_path: Path) -> None:
        dtd = tmp_path / "x.dtd"
        dtd.write_text('<!ENTITY x "TOP-SECRET-42">')
        with pytest.raises(XmlRejected, match="DOCTYPE"):
            parse_document(f'<!DOCTYPE a SYSTEM "{dtd.as_uri()}"><a>&x;</a>'.encode())


class TestForm:
    def test_xsd_violation_reports_the_xsd_messages(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<RodzajFaktury>VAT<", "<RodzajFaktury>XYZ<")
        verdict = verify(xml, schemas)
        element = f"Element '{{{FA3_NS}}}RodzajFaktury'"
        assert verdict.code == 430
        assert verdict.details == (
            f"line 2: {element}: [facet 'enumeration'] The value 'XYZ' is not an element of "
            "the set {'VAT', 'KOR', 'ZAL', 'ROZ', 'UPR', 'KOR_ZAL', 'KOR_ROZ'}.",
        )
        assert verdict.facts.invoice_kind == "XYZ"

    def test_missing_element(self, schemas: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<P_15>123.00</P_15>", "")
        verdict = verify(xml, schemas)
        assert verdict.code == 430
        expected = ["P_14_1W", "P_13_2", "P_13_3", "P_13_4", "P_13_5", "P_13_6_1", "P_13_6_2"]
        expected += ["P_13_6_3", "P_13_7", "P_13_8"]
        names = ", ".join(f"{{{FA3_NS}}}{name}" for name in expected)
        assert verdict.details == (
            f"line 2: Element '{{{FA3_NS}}}Adnotacje': This element is not expected. "
            f"Expected is one of ( {names} ).",
        )

    def test_other_form_than_the_session(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa2_invoice(NIP, "FV/1"), schemas, system_code="FA (3)")
        assert (verdict.code, verdict.details) == (
            430,
            (
                "Element główny {http://crd.gov.pl/wzor/2023/06/29/12648/}Faktura nie "
                "odpowiada formularzowi FA (3); oczekiwano "
                "{http://crd.gov.pl/wzor/2025/06/25/13775/}Faktura",
            ),
        )
        assert verdict.facts.invoice_number == "FV/1"

    @pytest.mark.parametrize(
        ("attribute", "value"), [("kodSystemowy", "FA (2)"), ("wersjaSchemy", "1-1E")]
    )
    def test_wrong_kod_formularza(
        self, schemas: SchemaRegistry, attribute: str, value: str
    ) -> None:
        xml = fa3_invoice(NIP, "FV/1")
        original = 'kodSystemowy="FA (3)"' if attribute == "kodSystemowy" else 'wersjaSchemy="1-0E"'
        xml = swap(xml, original, f'{attribute}="{value}"')
        found = ("FA (2)", "1-0E") if attribute == "kodSystemowy" else ("FA (3)", "1-1E")
        verdict = verify(xml, schemas)
        assert (verdict.code, verdict.details) == (
            430,
            (
                f"KodFormularza kodSystemowy='{found[0]}' wersjaSchemy='{found[1]}' nie "
                "odpowiada formCode sesji (oczekiwano kodSystemowy='FA (3)' wersjaSchemy='1-0E')",
            ),
        )

    def test_unknown_form_code(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa3_invoice(NIP, "FV/1"), schemas, system_code="FA (9)")
        assert verdict.details == ("Nieobsługiwany kod formularza 'FA (9)'",)


class TestSchemaLess:
    """Without an XSD the key fields are still required (FA forms)."""

    @pytest.fixture
    def empty(self, tmp_path: Path) -> SchemaRegistry:
        registry = SchemaRegistry(tmp_path)
        assert not registry.has("FA (3)")
        return registry

    def test_valid_invoice_passes(self, empty: SchemaRegistry) -> None:
        assert verify(fa3_invoice(NIP, "FV/1"), empty).code == 200

    def test_xsd_errors_go_unnoticed(self, empty: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<P_15>123.00</P_15>", "")
        assert verify(xml, empty).code == 200

    def test_key_fields_are_required(self, empty: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<P_2>FV/1</P_2>", "")
        xml = swap(xml, f"<NIP>{NIP}</NIP>", "")
        verdict = verify(xml, empty)
        assert (verdict.code, verdict.details) == (
            430,
            (
                "Brak wymaganego pola Fa/P_2 (brak XSD dla FA (3): sprawdzono pola kluczowe)",
                "Brak wymaganego pola Podmiot1/DaneIdentyfikacyjne/NIP "
                "(brak XSD dla FA (3): sprawdzono pola kluczowe)",
            ),
        )

    def test_issue_date_must_be_a_date(self, empty: SchemaRegistry) -> None:
        xml = swap(fa3_invoice(NIP, "FV/1"), "<P_1>2026-11-20<", "<P_1>20.11.2026<")
        verdict = verify(xml, empty)
        assert verdict.details == ("Data wystawienia '20.11.2026' nie ma postaci RRRR-MM-DD",)


class TestBusinessRules:
    def test_attachment_in_online_session(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa3_invoice(NIP, "FV/1", attachment=True), schemas, online=True)
        assert (verdict.code, verdict.details) == (
            415,
            ("Faktura zawiera załącznik (Zalacznik), niedozwolony w sesji interaktywnej",),
        )
        assert verdict.facts.has_attachment

    def test_foreign_seller(self, schemas: SchemaRegistry) -> None:
        verdict = verify(fa3_invoice(OTHER_NIP, "FV/1"), schemas)
        assert (verdict.code, verdict.details) == (
            410,
            (
                f"NIP sprzedawcy (Podmiot1) {OTHER_NIP} jest inny niż NIP kontekstu {NIP}; "
                "brak uprawnień do wystawiania faktur w jego imieniu (sprzedawca nie nadał "
                "kontekstowi uprawnienia podmiotowego: samofakturowanie, przedstawiciel "
                "podatkowy, faktury RR, PEF)",
            ),
        )
        assert verdict.facts.seller_nip == OTHER_NIP

    def test_no_context_nip_skips_the_seller_check(self, schemas: SchemaRegistry) -> None:
        assert verify(fa3_invoice(OTHER_NIP, "FV/1"), schemas, context_nip=None).code == 200

    def test_issue_date_uses_the_polish_date(self, schemas: SchemaRegistry) -> None:
        late_evening = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 00:30 on the 21st in Warsaw
        assert (
            verify(fa3_invoice(NIP, "FV/1", "2026-11-21"), schemas, when=late_evening).code == 200
        )
        verdict = verify(fa3_invoice(NIP, "FV/1", "2026-11-22"), schemas, when=late_evening)
        assert (verdict.code, verdict.details) == (
            450,
            (
                "Data wystawienia faktury 2026-11-22 jest późniejsza niż data przyjęcia "
                "2026-11-21 (czas polski)",
            ),
        )

    def test_nip_checksum_only_when_enabled(self, schemas: SchemaRegistry) -> None:
        bad = "1234567890"
        assert not nip_checksum_ok(bad)
        xml = fa3_invoice(bad, "FV/1")
        assert verify(xml, schemas, context_nip=bad).code == 200
        verdict = verify(xml, schemas, context_nip=bad, checksum=True)
        assert (verdict.code, verdict.details) == (
            450,
            ("Nieprawidłowa suma kontrolna NIP 1234567890 (Podmiot1)",),
        )

    def test_nip_checksum_passes_for_valid_nips(self, schemas: SchemaRegistry) -> None:
        assert nip_checksum_ok(NIP)
        assert nip_checksum_ok(OTHER_NIP)
        assert verify(fa3_invoice(NIP, "FV/1"), schemas, checksum=True).code == 200


PEF_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>PEF/1/2026</cbc:ID>
  <cbc:IssueDate>2026-11-20</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme>
    <cbc:CompanyID>PL5265877635</cbc:CompanyID>
  </cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
</Invoice>"""


class TestOtherForms:
    def test_pef_facts_without_xsd(self, tmp_path: Path) -> None:
        verdict = verify(PEF_INVOICE, SchemaRegistry(tmp_path), system_code="PEF (3)")
        assert verdict == InvoiceVerdict(
            200, (), InvoiceFacts("PEF/1/2026", NIP, "2026-11-20", "380", has_attachment=False)
        )

    def test_pef_is_checked_against_its_xsd(self, schemas: SchemaRegistry) -> None:
        verdict = verify(PEF_INVOICE, schemas, system_code="PEF (3)")
        assert verdict.code == 430
        assert verdict.details
        assert all(detail.startswith("line ") for detail in verdict.details)
        assert verdict.facts.invoice_number == "PEF/1/2026"

    def test_pef_credit_note_root_is_required(self, tmp_path: Path) -> None:
        verdict = verify(PEF_INVOICE, SchemaRegistry(tmp_path), system_code="PEF_KOR (3)")
        assert verdict.details == (
            "Element główny {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice nie "
            "odpowiada formularzowi PEF_KOR (3); oczekiwano "
            "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
        )

    def test_fa_rr_facts_and_form_check(self, schemas: SchemaRegistry) -> None:
        ns = "http://crd.gov.pl/wzor/2026/03/06/14189/"
        xml = (
            f'<Faktura xmlns="{ns}"><Naglowek><KodFormularza kodSystemowy="FA_RR (1)" '
            f'wersjaSchemy="1-1E">FA_RR</KodFormularza></Naglowek><Podmiot1>'
            f"<DaneIdentyfikacyjne><NIP>{NIP}</NIP></DaneIdentyfikacyjne></Podmiot1><FakturaRR>"
            "<P_4B>2026-11-20</P_4B><P_4C>RR/1</P_4C><RodzajFaktury>VAT_RR</RodzajFaktury>"
            "</FakturaRR></Faktura>"
        ).encode()
        verdict = verify(xml, schemas, system_code="FA_RR (1)")
        assert verdict.code == 430  # far from XSD-valid, but past the form check
        assert verdict.details[0].startswith("line 1: Element ")
        assert verdict.facts == InvoiceFacts("RR/1", NIP, "2026-11-20", "VAT_RR", False)
