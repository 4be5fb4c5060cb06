"""A scenario's per-invoice rules: force the outcome of matching invoices.

A rule applies to an invoice that passed every natural check, just before it would be
accepted: the first matching rule (``position`` = ordinal number, ``invoice_number`` an
``fnmatch`` pattern on ``P_2``, ``seller_nip``) replaces the acceptance with its code. A
failure the mock found for real is never hidden, and a rule with code 200 means "natural".
"""

from __future__ import annotations

import dataclasses
from fnmatch import fnmatchcase

from mock_ksef.domain.deps import Numbering
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.lifecycle import UNKNOWN_ERROR
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.ids import RefType
from mock_ksef.scenario.model import InvoiceMatch, InvoiceRule, Outcome

#: Details the spec gives a code when a rule names none.
DEFAULT_DETAILS: dict[int, tuple[str, ...]] = {
    550: ("Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie",),
}


def duplicate_details(ksef_number: str, session_reference: str) -> str:
    """The spec's text of invoice status 440."""
    return (
        f"Duplikat faktury. Faktura o numerze KSeF: {ksef_number} została już prawidłowo "
        f"przesłana do systemu w sesji: {session_reference}"
    )


def matching_rule(rules: tuple[InvoiceRule, ...], invoice: Invoice) -> InvoiceRule | None:
    """The first rule whose every given field matches ``invoice``."""
    for rule in rules:
        match = rule.match
        if match.position is not None and match.position != invoice.ordinal:
            continue
        if match.invoice_number is not None and not (
            invoice.invoice_number and fnmatchcase(invoice.invoice_number, match.invoice_number)
        ):
            continue
        if match.seller_nip is not None and invoice.seller_nip != match.seller_nip:
            continue
        return rule
    return None


FORCED_445_DETAIL = "Faktura odrzucona: scenariusz wymusza status sesji 445."
FORCED_440_DETAIL = "Faktura nie została przetworzona: scenariusz wymusza status sesji 440."
#: What every invoice of a session forced to end in a failure shows, so that rows and
#: counters match the session (440: processing cancelled by the session, 405; 445: every
#: invoice failed verification, 450). None gets a KSeF number.
FORCED_SESSION_FAILURES: dict[int, Outcome] = {
    440: Outcome(405, (FORCED_440_DETAIL,)),
    445: Outcome(450, (FORCED_445_DETAIL,)),
}


def _session_forced_failure(session: Session) -> Outcome | None:
    forced = session.plan.outcome
    return None if forced is None else FORCED_SESSION_FAILURES.get(forced.code)


def forced_invoice(numbering: Numbering, session: Session, invoice: Invoice) -> Invoice | None:
    """``invoice`` with the outcome a rule forces, or ``None`` to accept it naturally.

    Call it for an invoice that passed every check, before it gets a KSeF number (online
    sends and batch processing alike). A forced 440 names a generated original: a KSeF
    number for the same seller dated at the invoicing date, and a fresh session reference
    of the same kind as ``session``.
    """
    rule = matching_rule(session.invoice_rules, invoice)
    failure = _session_forced_failure(session)
    if failure is not None and (rule is None or rule.outcome.code == 200):
        # A session forced to end 440/445 accepts no invoice (a rule may still pick
        # another failure): none gets a KSeF number, as in a real failed session.
        rule = InvoiceRule(InvoiceMatch(), failure)
    if rule is None or rule.outcome.code == 200:
        return None
    outcome = rule.outcome
    details = outcome.details
    if details is None:
        details = DEFAULT_DETAILS.get(outcome.code, ())
    extensions: dict[str, str] = {}
    if outcome.code == 440:
        when = invoice.invoicing_date
        kind = (
            RefType.ONLINE_SESSION if session.kind is SessionKind.ONLINE else RefType.BATCH_SESSION
        )
        original_number = numbering.ksef_number(invoice.seller_nip or session.context.value, when)
        original_session = numbering.reference(kind, when)
        extensions = {
            "originalSessionReferenceNumber": original_session,
            "originalKsefNumber": original_number,
        }
        if outcome.details is None:
            details = (duplicate_details(original_number, original_session),)
    text = ""
    if outcome.code == 500 and outcome.status_code is not None:
        text = UNKNOWN_ERROR.replace("{statusCode}", str(outcome.status_code))
    return dataclasses.replace(
        invoice,
        status_code=outcome.code,
        status_details=details,
        status_extensions=extensions,
        status_text=text,
    )
