"""Verify one decrypted invoice file and say which invoice status code it earns.

Pure: no Flask, no store, no clock. The caller has already decrypted the file and compared
its hash and size with ``invoiceHash``/``invoiceSize``; the duplicate check (440) needs the
store and stays with the caller, which asks :func:`duplicate_key` for the key.

Checks, in order (BRIEF 6.2; the 430/450 split is documented in ``docs/invoice-checks.md``):

1. size limit (larger limit when a ``Zalacznik`` is present) -> 430;
2. BOM, prolog encoding, UTF-8, discouraged code points, well-formedness, DOCTYPE,
   processing instructions -> 430;
3. root element, namespace, ``KodFormularza@kodSystemowy``/``@wersjaSchemy`` -> 430;
4. XSD of the form code (or key fields when no XSD is available) -> 430;
5. ``Zalacznik`` in an online session -> 415;
6. seller NIP differs from the context NIP and from every NIP that authorised the
   context (self-invoicing, tax representative, ...) -> 410;
7. issue date later than the Polish date of ``invoicingDate`` -> 450;
8. NIP checksums, when enabled -> 450.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from mock_ksef.lxml_gate import etree
from mock_ksef.timefmt import WARSAW
from mock_ksef.xml.invoice_text import encoding_problems, mentions_attachment, tree_problems
from mock_ksef.xml.safe import XmlRejected, parse_document
from mock_ksef.xml.schemas import SchemaRegistry

#: At most this many XSD messages are reported.
MAX_XSD_DETAILS = 20


@dataclass(frozen=True)
class InvoiceFacts:
    """What the verifier could read from the invoice (any field may be unknown)."""

    invoice_number: str | None  # FA: Fa/P_2 ; FA_RR: FakturaRR/P_4C ; PEF: cbc:ID
    seller_nip: str | None  # FA/FA_RR: Podmiot1 NIP ; PEF: supplier's PL tax id
    issue_date: str | None  # FA: Fa/P_1 ; FA_RR: FakturaRR/P_4B ; PEF: cbc:IssueDate
    invoice_kind: str | None  # FA/FA_RR: RodzajFaktury ; PEF: Invoice/CreditNoteTypeCode
    has_attachment: bool  # a Zalacznik element anywhere


NO_FACTS = InvoiceFacts(None, None, None, None, False)


@dataclass(frozen=True)
class InvoiceVerdict:
    """The outcome of :func:`verify_invoice`."""

    code: int  # 200 when every check passed, else 410/415/430/450
    details: tuple[str, ...]  # human-readable reasons
    facts: InvoiceFacts  # whatever could be read, also on failure


@dataclass(frozen=True)
class InvoiceLimits:
    """Size limits of one invoice file in bytes (BRIEF 5)."""

    max_bytes: int = 1_000_000
    max_bytes_with_attachment: int = 3_000_000


@dataclass(frozen=True)
class FormSpec:
    """Root element of a form and, for FA forms, the fixed ``KodFormularza`` attributes."""

    namespace: str
    root: str
    schema_version: str | None  # None: not an FA form (no KodFormularza)


FORMS: dict[str, FormSpec] = {
    "FA (2)": FormSpec("http://crd.gov.pl/wzor/2023/06/29/12648/", "Faktura", "1-0E"),
    "FA (3)": FormSpec("http://crd.gov.pl/wzor/2025/06/25/13775/", "Faktura", "1-0E"),
    "FA_RR (1)": FormSpec("http://crd.gov.pl/wzor/2026/03/06/14189/", "Faktura", "1-1E"),
    "PEF (3)": FormSpec("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice", None),
    "PEF_KOR (3)": FormSpec(
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote", None
    ),
}

#: Where the key facts live in the FA family (``{*}`` matches any namespace).
_FA_PATHS = {
    "invoice_number": "{*}Fa/{*}P_2",
    "issue_date": "{*}Fa/{*}P_1",
    "invoice_kind": "{*}Fa/{*}RodzajFaktury",
}
_RR_PATHS = {
    "invoice_number": "{*}FakturaRR/{*}P_4C",
    "issue_date": "{*}FakturaRR/{*}P_4B",
    "invoice_kind": "{*}FakturaRR/{*}RodzajFaktury",
}
_SELLER_NIP = "{*}Podmiot1/{*}DaneIdentyfikacyjne/{*}NIP"
_PEF_SELLER = "{*}AccountingSupplierParty/{*}Party/"
_PL_TAX_ID = re.compile(r"(?:PL)?(\d{10})")
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def duplicate_key(facts: InvoiceFacts) -> str | None:
    """``{seller_nip}|{invoice_kind}|{invoice_number}``, or ``None`` if one is unknown."""
    if facts.seller_nip is None or facts.invoice_kind is None or facts.invoice_number is None:
        return None
    return f"{facts.seller_nip}|{facts.invoice_kind}|{facts.invoice_number}"


def nip_checksum_ok(nip: str) -> bool:
    """Whether ``nip`` is 10 digits whose last is the weighted sum (6,5,7,2,3,4,5,6,7) mod 11."""
    if len(nip) != 10 or not nip.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(nip, _NIP_WEIGHTS, strict=False))
    return total % 11 == int(nip[9])


def verify_invoice(
    xml: bytes,
    *,
    system_code: str,
    schemas: SchemaRegistry,
    context_nip: str | None,
    online: bool,
    invoicing_date: datetime,
    limits: InvoiceLimits = InvoiceLimits(),
    check_nip_checksum: bool = False,
    attachment_consent: bool = True,
    authorising_nips: frozenset[str] = frozenset(),
) -> InvoiceVerdict:
    """Run the mock's invoice checks and return the invoice status code with reasons.

    Args:
        xml: the decrypted invoice file, exactly as sent.
        system_code: the session's ``formCode.systemCode``, e.g. ``FA (3)``.
        schemas: where the XSD of ``system_code`` comes from.
        context_nip: the session context's NIP; ``None`` skips the seller check (410).
        online: whether the invoice came in an online session (attachments refused, 415).
        invoicing_date: ``invoicingDate`` (timezone-aware); its Polish date bounds ``P_1``.
        limits: size limits.
        check_nip_checksum: also verify the NIP checksums (production behaviour).
        attachment_consent: whether the seller registered consent to attachments
            (``/testdata/attachment``); without it a ``Zalacznik`` is 415 in batch too.
        authorising_nips: sellers that gave the context an entity authorisation
            (SelfInvoicing, RRInvoicing, TaxRepresentative, PefInvoicing): their NIP may
            stand in Podmiot1 too.

    Returns:
        The verdict: 200, or the first failing check's code with its reasons, and the facts
        read so far.
    """
    if len(xml) > limits.max_bytes_with_attachment or (
        len(xml) > limits.max_bytes and not mentions_attachment(xml)
    ):
        limit = limits.max_bytes_with_attachment if mentions_attachment(xml) else limits.max_bytes
        kind = "z załącznikiem" if mentions_attachment(xml) else "bez załącznika"
        return InvoiceVerdict(
            430, (f"Rozmiar faktury {len(xml)} B przekracza limit {limit} B ({kind})",), NO_FACTS
        )
    problems = encoding_problems(xml)
    if problems:
        return InvoiceVerdict(430, tuple(problems), NO_FACTS)
    try:
        tree = parse_document(xml)
    except XmlRejected as exc:
        return InvoiceVerdict(430, (str(exc),), NO_FACTS)
    facts = read_facts(tree, system_code)
    steps: tuple[Callable[[], list[str]], ...] = (
        lambda: tree_problems(tree),
        lambda: _form_problems(tree, system_code),
        lambda: _schema_problems(tree, system_code, schemas, facts),
    )
    for step in steps:
        problems = step()
        if problems:
            return InvoiceVerdict(430, tuple(problems), facts)
    if online and facts.has_attachment:
        return InvoiceVerdict(
            415,
            ("Faktura zawiera załącznik (Zalacznik), niedozwolony w sesji interaktywnej",),
            facts,
        )
    if facts.has_attachment and not attachment_consent:
        return InvoiceVerdict(
            415,
            ("Brak zgody na wysyłanie faktur z załącznikiem (Zalacznik) dla tego podmiotu",),
            facts,
        )
    if (
        context_nip is not None
        and facts.seller_nip is not None
        and facts.seller_nip != context_nip
        and facts.seller_nip not in authorising_nips
    ):
        return InvoiceVerdict(
            410,
            (
                f"NIP sprzedawcy (Podmiot1) {facts.seller_nip} jest inny niż NIP kontekstu "
                f"{context_nip}; brak uprawnień do wystawiania faktur w jego imieniu "
                "(sprzedawca nie nadał kontekstowi uprawnienia podmiotowego: samofakturowanie, "
                "przedstawiciel podatkowy, faktury RR, PEF)",
            ),
            facts,
        )
    problems = _date_problems(facts, invoicing_date)
    if not problems and check_nip_checksum:
        problems = _checksum_problems(tree, system_code, facts)
    if problems:
        return InvoiceVerdict(450, tuple(problems), facts)
    return InvoiceVerdict(200, (), facts)


def read_facts(tree: etree._ElementTree, system_code: str) -> InvoiceFacts:
    """Read number, seller NIP, issue date, kind and attachment presence, namespace-blind."""
    root = tree.getroot()
    has_attachment = next(iter(root.iter("{*}Zalacznik")), None) is not None
    if system_code.startswith("PEF") or etree.QName(root).localname in ("Invoice", "CreditNote"):
        kind = _text(root, "{*}InvoiceTypeCode") or _text(root, "{*}CreditNoteTypeCode")
        tax_id = _text(root, _PEF_SELLER + "{*}PartyTaxScheme/{*}CompanyID") or _text(
            root, _PEF_SELLER + "{*}PartyLegalEntity/{*}CompanyID"
        )
        matched = _PL_TAX_ID.fullmatch(tax_id.replace(" ", "")) if tax_id else None
        return InvoiceFacts(
            invoice_number=_text(root, "{*}ID"),
            seller_nip=matched.group(1) if matched else tax_id,
            issue_date=_text(root, "{*}IssueDate"),
            invoice_kind=kind,
            has_attachment=has_attachment,
        )
    paths = _RR_PATHS if system_code.startswith("FA_RR") else _FA_PATHS
    return InvoiceFacts(
        invoice_number=_text(root, paths["invoice_number"]),
        seller_nip=_text(root, _SELLER_NIP),
        issue_date=_text(root, paths["issue_date"]),
        invoice_kind=_text(root, paths["invoice_kind"]),
        has_attachment=has_attachment,
    )


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _form_problems(tree: etree._ElementTree, system_code: str) -> list[str]:
    spec = FORMS.get(system_code)
    if spec is None:
        return [f"Nieobsługiwany kod formularza '{system_code}'"]
    root = tree.getroot()
    name = etree.QName(root)
    if name.localname != spec.root or name.namespace != spec.namespace:
        return [
            f"Element główny {{{name.namespace or ''}}}{name.localname} nie odpowiada formularzowi "
            f"{system_code}; oczekiwano {{{spec.namespace}}}{spec.root}"
        ]
    if spec.schema_version is None:
        return []
    code = root.find(f"{{{spec.namespace}}}Naglowek/{{{spec.namespace}}}KodFormularza")
    if code is None:
        return ["Brak elementu Naglowek/KodFormularza"]
    found = (code.get("kodSystemowy"), code.get("wersjaSchemy"))
    if found != (system_code, spec.schema_version):
        return [
            f"KodFormularza kodSystemowy='{found[0]}' wersjaSchemy='{found[1]}' nie odpowiada "
            f"formCode sesji (oczekiwano kodSystemowy='{system_code}' "
            f"wersjaSchemy='{spec.schema_version}')"
        ]
    return []


def _schema_problems(
    tree: etree._ElementTree, system_code: str, schemas: SchemaRegistry, facts: InvoiceFacts
) -> list[str]:
    errors = schemas.validate(system_code, tree)
    if errors is not None:
        if len(errors) > MAX_XSD_DETAILS:
            more = len(errors) - MAX_XSD_DETAILS
            errors = [*errors[:MAX_XSD_DETAILS], f"... i {more} kolejnych błędów XSD"]
        return errors
    spec = FORMS[system_code]
    if spec.schema_version is None:  # PEF without XSD: well-formedness and root suffice
        return []
    rr = system_code.startswith("FA_RR")
    required = {
        "FakturaRR/P_4B" if rr else "Fa/P_1": facts.issue_date,
        "FakturaRR/P_4C" if rr else "Fa/P_2": facts.invoice_number,
        "Podmiot1/DaneIdentyfikacyjne/NIP": facts.seller_nip,
    }
    problems = [
        f"Brak wymaganego pola {path} (brak XSD dla {system_code}: sprawdzono pola kluczowe)"
        for path, value in required.items()
        if value is None
    ]
    if facts.issue_date is not None and not _DATE.fullmatch(facts.issue_date):
        problems.append(f"Data wystawienia '{facts.issue_date}' nie ma postaci RRRR-MM-DD")
    return problems


def _date_problems(facts: InvoiceFacts, invoicing_date: datetime) -> list[str]:
    if facts.issue_date is None:
        return []
    try:
        issued = date.fromisoformat(facts.issue_date[:10])
    except ValueError:
        return [f"Nie można odczytać daty wystawienia '{facts.issue_date}'"]
    accepted = invoicing_date.astimezone(WARSAW).date()
    if issued > accepted:
        return [
            f"Data wystawienia faktury {issued.isoformat()} jest późniejsza niż data "
            f"przyjęcia {accepted.isoformat()} (czas polski)"
        ]
    return []


def _checksum_problems(
    tree: etree._ElementTree, system_code: str, facts: InvoiceFacts
) -> list[str]:
    root = tree.getroot()
    found: list[tuple[str, str]] = []
    if FORMS[system_code].schema_version is None:
        if facts.seller_nip is not None and facts.seller_nip.isdigit():
            found.append(("AccountingSupplierParty", facts.seller_nip))
    else:
        for party in ("Podmiot1", "Podmiot2", "Podmiot3", "PodmiotUpowazniony"):
            for ids in root.iterfind(f"{{*}}{party}/{{*}}DaneIdentyfikacyjne"):
                nip = _text(ids, "{*}NIP")
                if nip is not None:
                    found.append((party, nip))
                internal = _text(ids, "{*}IDWew")
                if internal is not None:
                    found.append((f"{party}/IDWew", internal.split("-", 1)[0]))
    return [
        f"Nieprawidłowa suma kontrolna NIP {nip} ({where})"
        for where, nip in found
        if not nip_checksum_ok(nip)
    ]
