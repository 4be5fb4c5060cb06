"""UPO v4-3 rendering: the official XSD, real signatures, and the official examples."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from signxml.exceptions import InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from mock_ksef.crypto.keys import KeyPair, KeyRing
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.session import FormCode
from mock_ksef.xml.safe import parse_document
from mock_ksef.xml.upo import (
    DSIG_NS,
    UPO_NS,
    UpoEntry,
    UpoHeader,
    logical_structure_name,
    render_invoice_upo,
    render_session_upo_page,
)
from tests.support.spec import spec_dir

NS = {"u": UPO_NS, "ds": DSIG_NS}
MF = "Ministerstwo Finansów"
TE_NAME = "Ministerstwo Finansów - środowisko testowe (TE)"
FA3 = FormCode("FA (3)", "1-0E", "FA")
SESSION = "20261124-SO-2F1A3B4C5D-6E7F8A9B0C-1D"
TOKEN_REF = "20250819-EC-1ECDD12000-5EE71AE5E3-B7"
AUTH_HASH = "kyqH+QUgP8ATWd/95IY632mP4uqibwG66Oqclq9+qno="
EXAMPLES = sorted((spec_dir() / "upo" / "examples" / "v4-3").glob("*/*.xml"))


@pytest.fixture(scope="module")
def upo_schema() -> etree.XMLSchema:
    """The official UPO v4-3 XSD."""
    return etree.XMLSchema(etree.parse(str(spec_dir() / "upo" / "upo-v4-3.xsd")))


@pytest.fixture
def signer(keyring: KeyRing) -> KeyPair:
    """The mock's UPO signing pair."""
    return keyring.upo


def header(
    context: ContextId | None = None,
    *,
    token: str | None = None,
    auth_hash: str | None = AUTH_HASH,
    name: str = MF,
) -> UpoHeader:
    return UpoHeader(
        entity_name=name,
        session_reference=SESSION,
        context=context or ContextId("Nip", "5265877635"),
        ksef_token_reference=token,
        auth_document_hash=auth_hash,
        form_code=FA3,
    )


def entry(n: int = 1, *, when: datetime | None = None) -> UpoEntry:
    sent = when or datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)
    return UpoEntry(
        seller_nip="5265877635",
        ksef_number=f"5265877635-20261124-0100001AF6{n:02X}-AF",
        invoice_number=f"FV/{n}/2026",
        issue_date="2026-11-20",
        invoicing_date=sent,
        acquisition_date=sent.replace(microsecond=987000),
        invoice_hash=f"GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ{n % 10}=",
        mode="Online",
    )


def stripped(xml: bytes) -> etree._ElementTree:
    """The UPO without its ``ds:Signature`` (the XSD does not declare it)."""
    tree = parse_document(xml)
    root = tree.getroot()
    for signature in root.findall("ds:Signature", NS):
        root.remove(signature)
    return tree


def assert_valid(schema: etree.XMLSchema, tree: etree._ElementTree) -> None:
    valid = schema.validate(tree)
    errors = [e.message for e in schema.error_log]  # type: ignore[attr-defined]
    assert valid, errors


def verify_signature(xml: bytes, signer: KeyPair) -> etree._Element:
    """Verify with signxml against the signer certificate; return what the signature covers."""
    config = SignatureConfiguration(expect_references=1)
    result = XMLVerifier().verify(xml, x509_cert=signer.certificate, expect_config=config)
    assert not isinstance(result, list)
    signed = result.signed_xml
    assert isinstance(signed, etree._Element)
    return signed


def texts(tree: etree._ElementTree | etree._Element, path: str) -> list[str]:
    return [str(e.text) for e in tree.iterfind(path, NS)]


class TestInvoiceUpo:
    def test_valid_signed_and_complete(self, upo_schema: etree.XMLSchema, signer: KeyPair) -> None:
        xml = render_invoice_upo(header(), entry(), signer)
        tree = stripped(xml)
        assert_valid(upo_schema, tree)
        root = tree.getroot()
        assert [etree.QName(child).localname for child in root] == [
            "NazwaPodmiotuPrzyjmujacego",
            "NumerReferencyjnySesji",
            "Uwierzytelnienie",
            "NazwaStrukturyLogicznej",
            "KodFormularza",
            "Dokument",
        ]
        document = root.find("u:Dokument", NS)
        assert document is not None
        assert [etree.QName(child).localname for child in document] == [
            "NipSprzedawcy",
            "NumerKSeFDokumentu",
            "NumerFaktury",
            "DataWystawieniaFaktury",
            "DataPrzeslaniaDokumentu",
            "DataNadaniaNumeruKSeF",
            "SkrotDokumentu",
            "TrybWysylki",
        ]
        assert texts(root, "u:NazwaPodmiotuPrzyjmujacego") == [MF]
        assert texts(root, "u:NumerReferencyjnySesji") == [SESSION]
        assert texts(root, "u:Uwierzytelnienie/u:IdKontekstu/u:Nip") == ["5265877635"]
        assert texts(root, "u:Uwierzytelnienie/u:SkrotDokumentuUwierzytelniajacego") == [AUTH_HASH]
        assert texts(root, "u:NazwaStrukturyLogicznej") == ["Schemat_FA(3)_v1-0E.xsd"]
        assert texts(root, "u:KodFormularza") == ["FA (3)"]
        assert [str(child.text) for child in document] == [
            "5265877635",
            "5265877635-20261124-0100001AF601-AF",
            "FV/1/2026",
            "2026-11-20",
            "2026-11-24T10:00:00.123+01:00",
            "2026-11-24T10:00:00.987+01:00",
            "GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ1=",
            "Online",
        ]

    def test_signature_is_the_last_child_and_verifies(self, signer: KeyPair) -> None:
        xml = render_invoice_upo(header(), entry(), signer)
        root = parse_document(xml).getroot()
        assert etree.QName(root[-1]).text == f"{{{DSIG_NS}}}Signature"
        assert len(root.findall("ds:Signature", NS)) == 1
        method = root.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", NS)
        assert method is not None
        assert method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        signed = verify_signature(xml, signer)
        assert etree.QName(signed).localname == "Potwierdzenie"
        assert texts(signed, "u:Dokument/u:NumerFaktury") == ["FV/1/2026"]

    def test_tampering_breaks_the_signature(self, signer: KeyPair) -> None:
        xml = render_invoice_upo(header(), entry(), signer)
        forged = xml.replace(b"FV/1/2026", b"FV/9/2026")
        with pytest.raises(InvalidSignature):
            verify_signature(forged, signer)

    def test_deterministic(self, signer: KeyPair) -> None:
        assert render_invoice_upo(header(), entry(), signer) == render_invoice_upo(
            header(), entry(), signer
        )

    def test_summer_time_offset(self, signer: KeyPair) -> None:
        summer = entry(when=datetime(2026, 7, 1, 9, 30, tzinfo=UTC))
        root = stripped(render_invoice_upo(header(), summer, signer))
        assert texts(root, "u:Dokument/u:DataPrzeslaniaDokumentu") == [
            "2026-07-01T11:30:00.000+02:00"
        ]

    @pytest.mark.parametrize(
        ("kind", "value", "element"),
        [
            ("Nip", "5265877635", "Nip"),
            ("InternalId", "5265877635-12345", "IdWewnetrzny"),
            ("NipVatUe", "5265877635-ATU12345678", "IdZlozonyVatUE"),
            ("PeppolId", "PPL123456", "IdDostawcyUslugPeppol"),
        ],
    )
    def test_context_element_per_type(
        self,
        upo_schema: etree.XMLSchema,
        signer: KeyPair,
        kind: str,
        value: str,
        element: str,
    ) -> None:
        xml = render_invoice_upo(header(ContextId(kind, value)), entry(), signer)
        tree = stripped(xml)
        assert_valid(upo_schema, tree)
        context = tree.getroot().find("u:Uwierzytelnienie/u:IdKontekstu", NS)
        assert context is not None
        assert [(etree.QName(c).localname, c.text) for c in context] == [(element, value)]
        verify_signature(xml, signer)

    def test_token_auth_writes_the_token_reference(
        self, upo_schema: etree.XMLSchema, signer: KeyPair
    ) -> None:
        tree = stripped(
            render_invoice_upo(header(token=TOKEN_REF, auth_hash=None), entry(), signer)
        )
        assert_valid(upo_schema, tree)
        auth = tree.getroot().find("u:Uwierzytelnienie", NS)
        assert auth is not None
        assert [etree.QName(c).localname for c in auth] == [
            "IdKontekstu",
            "NumerReferencyjnyTokenaKSeF",
        ]
        assert texts(auth, "u:NumerReferencyjnyTokenaKSeF") == [TOKEN_REF]

    def test_header_errors(self, signer: KeyPair) -> None:
        with pytest.raises(ValueError, match="token reference or the auth document hash"):
            render_invoice_upo(header(auth_hash=None), entry(), signer)
        with pytest.raises(ValueError, match="context type 'Pesel'"):
            render_invoice_upo(header(ContextId("Pesel", "1")), entry(), signer)

    def test_logical_structure_name(self) -> None:
        assert logical_structure_name(FormCode("FA_RR (1)", "1-1E", "RR")) == (
            "Schemat_FA_RR(1)_v1-1E.xsd"
        )
        assert logical_structure_name(FormCode("PEF (3)", "2-1", "FA_PEF")) == (
            "Schemat_PEF(3)_v2-1.xsd"
        )


class TestSessionUpo:
    def test_single_page(self, upo_schema: etree.XMLSchema, signer: KeyPair) -> None:
        entries = [entry(1), entry(2)]
        xml = render_session_upo_page(
            header(),
            entries,
            page=1,
            page_count=1,
            range_from=1,
            range_to=2,
            total=2,
            signer=signer,
        )
        tree = stripped(xml)
        assert_valid(upo_schema, tree)
        root = tree.getroot()
        assert [etree.QName(child).localname for child in root][:6] == [
            "NazwaPodmiotuPrzyjmujacego",
            "NumerReferencyjnySesji",
            "Uwierzytelnienie",
            "OpisPotwierdzenia",
            "NazwaStrukturyLogicznej",
            "KodFormularza",
        ]
        summary = root.find("u:OpisPotwierdzenia", NS)
        assert summary is not None
        assert [(etree.QName(c).localname, c.text) for c in summary] == [
            ("Strona", "1"),
            ("LiczbaStron", "1"),
            ("ZakresDokumentowOd", "1"),
            ("ZakresDokumentowDo", "2"),
            ("CalkowitaLiczbaDokumentow", "2"),
        ]
        assert texts(root, "u:Dokument/u:NumerFaktury") == ["FV/1/2026", "FV/2/2026"]
        verify_signature(xml, signer)

    def test_later_page(self, upo_schema: etree.XMLSchema, signer: KeyPair) -> None:
        xml = render_session_upo_page(
            header(),
            [entry(3)],
            page=2,
            page_count=2,
            range_from=3,
            range_to=3,
            total=3,
            signer=signer,
        )
        tree = stripped(xml)
        assert_valid(upo_schema, tree)
        assert texts(tree, "u:OpisPotwierdzenia/*") == ["2", "2", "3", "3", "3"]
        assert texts(tree, "u:Dokument/u:NumerFaktury") == ["FV/3/2026"]

    def test_deterministic(self, signer: KeyPair) -> None:
        def render() -> bytes:
            return render_session_upo_page(
                header(),
                [entry(1), entry(2)],
                page=1,
                page_count=1,
                range_from=1,
                range_to=2,
                total=2,
                signer=signer,
            )

        assert render() == render()

    @pytest.mark.parametrize(
        ("count", "page", "pages", "first", "last", "total", "message"),
        [
            (0, 1, 1, 1, 0, 0, "1 to 10000 documents, not 0"),
            (2, 2, 1, 1, 2, 2, "page 2 outside 1..1"),
            (2, 1, 1, 1, 3, 3, "range 1..3 of 3 does not match 2 documents"),
            (2, 1, 1, 2, 3, 2, "range 2..3 of 2 does not match 2 documents"),
        ],
    )
    def test_inconsistent_pages_are_refused(
        self,
        signer: KeyPair,
        count: int,
        page: int,
        pages: int,
        first: int,
        last: int,
        total: int,
        message: str,
    ) -> None:
        with pytest.raises(ValueError, match=message):
            render_session_upo_page(
                header(),
                [entry(n) for n in range(1, count + 1)],
                page=page,
                page_count=pages,
                range_from=first,
                range_to=last,
                total=total,
                signer=signer,
            )


class TestOfficialExamples:
    """The six official UPOs: the XSD path is real, and the mock reproduces them exactly."""

    def test_there_are_six(self) -> None:
        assert len(EXAMPLES) == 6

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_valid_once_the_te_name_is_replaced(
        self, upo_schema: etree.XMLSchema, path: Path
    ) -> None:
        tree = parse_document(path.read_bytes())
        assert not upo_schema.validate(tree)  # the TE suffix breaks the XSD's fixed value
        name = tree.getroot().find("u:NazwaPodmiotuPrzyjmujacego", NS)
        assert name is not None
        assert name.text == TE_NAME
        name.text = MF
        assert_valid(upo_schema, tree)

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_mock_renders_the_same_document(self, path: Path, signer: KeyPair) -> None:
        example = parse_document(path.read_bytes()).getroot()
        upo_header, entries, summary = read_example(example)
        if summary is None:
            assert len(entries) == 1
            xml = render_invoice_upo(upo_header, entries[0], signer)
        else:
            page, pages, first, last, total = summary
            xml = render_session_upo_page(
                upo_header,
                entries,
                page=page,
                page_count=pages,
                range_from=first,
                range_to=last,
                total=total,
                signer=signer,
            )
        assert canonical(stripped(xml).getroot()) == canonical(example)


def read_example(
    root: etree._Element,
) -> tuple[UpoHeader, list[UpoEntry], tuple[int, int, int, int, int] | None]:
    """The renderer inputs that an official example UPO encodes."""

    def one(element: etree._Element, path: str) -> str:
        found = element.find(path, NS)
        assert found is not None, path
        return str(found.text)

    context = root.find("u:Uwierzytelnienie/u:IdKontekstu/*", NS)
    assert context is not None
    types = {"Nip": "Nip", "IdWewnetrzny": "InternalId", "IdZlozonyVatUE": "NipVatUe"}
    token = root.find("u:Uwierzytelnienie/u:NumerReferencyjnyTokenaKSeF", NS)
    digest = root.find("u:Uwierzytelnienie/u:SkrotDokumentuUwierzytelniajacego", NS)
    system_code = one(root, "u:KodFormularza")
    version = one(root, "u:NazwaStrukturyLogicznej").rsplit("_v", 1)[1].removesuffix(".xsd")
    upo_header = UpoHeader(
        entity_name=one(root, "u:NazwaPodmiotuPrzyjmujacego"),
        session_reference=one(root, "u:NumerReferencyjnySesji"),
        context=ContextId(types[etree.QName(context).localname], str(context.text)),
        ksef_token_reference=None if token is None else str(token.text),
        auth_document_hash=None if digest is None else str(digest.text),
        form_code=FormCode(system_code, version, "FA"),
    )
    entries = [
        UpoEntry(
            seller_nip=one(d, "u:NipSprzedawcy"),
            ksef_number=one(d, "u:NumerKSeFDokumentu"),
            invoice_number=one(d, "u:NumerFaktury"),
            issue_date=one(d, "u:DataWystawieniaFaktury"),
            invoicing_date=datetime.fromisoformat(one(d, "u:DataPrzeslaniaDokumentu")),
            acquisition_date=datetime.fromisoformat(one(d, "u:DataNadaniaNumeruKSeF")),
            invoice_hash=one(d, "u:SkrotDokumentu"),
            mode=one(d, "u:TrybWysylki"),
        )
        for d in root.iterfind("u:Dokument", NS)
    ]
    summary = root.find("u:OpisPotwierdzenia", NS)
    numbers = None
    if summary is not None:
        values = [int(str(child.text)) for child in summary]
        numbers = (values[0], values[1], values[2], values[3], values[4])
    return upo_header, entries, numbers


def canonical(root: etree._Element) -> bytes:
    """C14N of ``root`` with whitespace-only text dropped (indentation may differ)."""
    clone = copy.deepcopy(root)
    for element in clone.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(clone, method="c14n")
