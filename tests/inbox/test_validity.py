"""Generated invoices are valid FA (3)/FA (2) files that pass the mock's own checks."""

from __future__ import annotations

import pytest

from mock_ksef.inbox import Buyer, InvoiceMix, generate_inbox
from mock_ksef.xml.invoice_checks import verify_invoice
from mock_ksef.xml.safe import parse_document
from mock_ksef.xml.schemas import SchemaRegistry
from tests.inbox.conftest import BUYER_NIP, make_spec

ONLY = {
    "corrections": InvoiceMix(1.0, 0.0, 0.0, 0.0, 0.0),
    "advances": InvoiceMix(0.0, 1.0, 0.0, 0.0, 0.0),
    "attachments": InvoiceMix(0.0, 0.0, 1.0, 0.0, 0.0),
    "foreign": InvoiceMix(0.0, 0.0, 0.0, 1.0, 0.0),
    "offline": InvoiceMix(0.0, 0.0, 0.0, 0.0, 1.0),
    "foreign-kor-zal": InvoiceMix(0.5, 0.5, 0.0, 1.0, 0.5),
    "plain": InvoiceMix(0.0, 0.0, 0.0, 0.0, 0.0),
}
BUYERS = [Buyer("Nip", BUYER_NIP), Buyer("InternalId", f"{BUYER_NIP}-00042")]


def _check_all(spec_changes: dict[str, object], schemas: SchemaRegistry) -> int:
    spec = make_spec(**spec_changes)
    checked = 0
    for invoice in generate_inbox(spec):
        errors = schemas.validate(spec.form, parse_document(invoice.xml))
        assert errors == [], (invoice.invoice_kind, errors)
        verdict = verify_invoice(
            invoice.xml,
            system_code=spec.form,
            schemas=schemas,
            context_nip=invoice.seller_nip,
            online=not invoice.has_attachment,  # attachments travel in batch sessions
            invoicing_date=invoice.invoicing_date,
            check_nip_checksum=True,
        )
        assert (verdict.code, verdict.details) == (200, ())
        assert verdict.facts.invoice_number == invoice.invoice_number
        assert verdict.facts.seller_nip == invoice.seller_nip
        assert verdict.facts.issue_date == invoice.issue_date.isoformat()
        assert verdict.facts.invoice_kind == invoice.invoice_kind
        assert verdict.facts.has_attachment == invoice.has_attachment
        checked += 1
    return checked


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("form", ["FA (3)", "FA (2)"])
def test_many_seeds_are_xsd_valid_and_pass_the_checks(
    seed: int, form: str, schemas: SchemaRegistry
) -> None:
    """40 invoices per seed with every trait mixed in: XSD-valid, 200 from verify_invoice."""
    mix = None if form == "FA (2)" else make_spec().mix
    assert _check_all({"seed": seed, "form": form, "count": 40, "mix": mix}, schemas) == 40


#: FA (2) has no Zalacznik (a spec asking for attachments is refused, see test_spec).
OPTIONS = [
    (form, name)
    for form in ("FA (3)", "FA (2)")
    for name in sorted(ONLY)
    if (form, name) != ("FA (2)", "attachments")
]


@pytest.mark.parametrize(("form", "name"), OPTIONS)
@pytest.mark.parametrize("buyer", BUYERS, ids=lambda b: b.identifier_type)
def test_every_mix_option_alone(
    name: str, buyer: Buyer, form: str, schemas: SchemaRegistry
) -> None:
    """Each trait at 100 % (and the plain invoice) is valid for both forms and buyer types."""
    changes = {"mix": ONLY[name], "buyer": buyer, "form": form, "count": 30, "seed": 11}
    assert _check_all(changes, schemas) == 30
