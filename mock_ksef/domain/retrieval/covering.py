"""Covering date indexes: every filter's field laid out in the index value itself.

A filter that keeps most invoices (PLN, ``Vat``, no attachment, ...) or that no sparse
index holds (``amount``, the buyer) made a deep page read and decode thousands of
entry documents. So each entry also carries, per date type, ``{date index}-c`` =

    {subjectType}|{context}|{date}|{ksefNumber, padded to 36}|{code}

where the code holds, at fixed positions (:data:`LAYOUT`), everything the filters
compare: visibility, mode, self-invoicing, attachment, form, type, currency, buyer
type, the three amounts (as order-preserving text, :func:`amount_text`), the seller's
NIP, and the buyer's value last (the only field of varying width). The value orders
as ``(date, ksefNumber)``: the index's order is the query's. :func:`slices` turns the
filters into :class:`~mock_ksef.store.base.Slice` tests, which the store checks on the
index rows alone (``Query.slices`` with ``keys_only``): a page is one covering scan
with the offset applied by the store, and only its records are read.

A filter value the code cannot hold (a form or type longer than its field, a NIP that
is not 10 characters, an unknown mode or buyer type) gives ``None``: the query then
takes the entry walk, which is exact for anything.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mock_ksef.domain.retrieval.filters import InvoiceFilters
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.store.base import Slice

#: Covering index name per ``dateType``.
COVERING_INDEX = {"PermanentStorage": "ps-c", "Invoicing": "inv-c", "Issue": "iss-c"}
#: Width of the KSeF number field (35 canonical, 36 with the optional dash).
KSEF_WIDTH = 36
_MODES = {"Online": "1", "Offline": "2"}
_BUYERS = {"Nip": "N", "VatUe": "U", "Other": "O", "None": "X"}
_FLAGS = {True: "1", False: "0"}
#: Stands for a stored value its field cannot hold: no filter value is made of it.
_UNFIT = "~"


@dataclass(frozen=True)
class Field:
    """One fixed-width field of the code."""

    start: int
    width: int


def _layout(*widths: tuple[str, int]) -> dict[str, Field]:
    fields, at = {}, 0
    for name, width in widths:
        fields[name] = Field(at, width)
        at += width
    return fields


#: The code's fixed fields, in order (the buyer's value follows them).
LAYOUT = _layout(
    ("visible", 32),  # available_from as ``iso`` text (compared with the query's now)
    ("mode", 1),
    ("self", 1),
    ("att", 1),
    ("form", 5),
    ("type", 8),
    ("currency", 3),
    ("buyer_type", 1),
    ("Netto", 16),
    ("Vat", 16),
    ("Brutto", 16),
    ("seller", 10),
)
BUYER_AT = sum(field.width for field in LAYOUT.values())


def amount_text(amount: float) -> str:
    """16 hex digits whose text order is the numeric order of ``amount`` (as a double)."""
    (bits,) = struct.unpack(">Q", struct.pack(">d", float(amount) + 0.0))  # -0.0 -> 0.0
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | 1 << 63
    return f"{bits:016x}"


def _fit(text: str, field: str) -> str:
    width = LAYOUT[field].width
    return text.ljust(width) if len(text) <= width else _UNFIT * width


def code(record: InvoiceRecord, visible: str) -> str:
    """The code of an entry (``visible``: its ``available_from`` as ``iso`` text)."""
    content = record.content
    buyer = content.buyer
    if len(visible) != LAYOUT["visible"].width:
        raise ValueError(f"visibility {visible!r} is not one 32-character ISO instant")
    return "".join(
        (
            visible,
            _MODES.get(record.invoicing_mode, _UNFIT),
            _FLAGS.get(content.is_self_invoicing, _UNFIT),
            _FLAGS.get(content.has_attachment, _UNFIT),
            _fit(content.form_type, "form"),
            _fit(content.invoice_type, "type"),
            _fit(content.currency, "currency"),
            _BUYERS.get(buyer.type, _UNFIT),
            amount_text(content.net_amount),
            amount_text(content.vat_amount),
            amount_text(content.gross_amount),
            _fit(content.seller_nip, "seller"),
            "" if buyer.value is None else "=" + buyer.value,
        )
    )


def covering_value(start: str, date: str, record: InvoiceRecord, visible: str) -> str:
    """The covering index value of a role's entry (``start``: the role's prefix)."""
    return f"{start}{date}|{covering_tail(record, visible)}"


def covering_tail(record: InvoiceRecord, visible: str) -> str:
    """What follows ``{start}{date}|`` in every covering value of ``record``: the padded
    KSeF number and the code (the same for each role and date type: built once)."""
    number = record.ksef_number
    if len(number) > KSEF_WIDTH:
        raise ValueError(f"KSeF number {number!r} is longer than {KSEF_WIDTH} characters")
    return f"{number.ljust(KSEF_WIDTH)}|{code(record, visible)}"


def code_at(start: str, date: str) -> int:
    """Where the code begins in the values of a range (``date``: any date of its type)."""
    return len(start) + len(date) + 1 + KSEF_WIDTH + 1


def slices(filters: InvoiceFilters, at: int, now_text: str) -> tuple[Slice, ...] | None:
    """The tests of the filters (bar the subject, dates, KSeF and invoice numbers) on
    values whose code begins at ``at``; ``None`` when a value does not fit the code."""
    tests = [_test(at, "visible", "le", now_text)]
    mode, buyer = filters.invoicing_mode, filters.buyer
    if (mode is not None and mode not in _MODES) or (
        buyer is not None and buyer.type not in _BUYERS
    ):
        return None
    if mode is not None:
        tests.append(_test(at, "mode", "eq", _MODES[mode]))
    for name, flag in (("self", filters.is_self_invoicing), ("att", filters.has_attachment)):
        if flag is not None:
            tests.append(_test(at, name, "eq", _FLAGS[flag]))
    texts = _text_tests(filters, at)
    if texts is None:
        return None
    tests += texts
    if buyer is not None:
        tests.append(_test(at, "buyer_type", "eq", _BUYERS[buyer.type]))
        if buyer.value is not None:
            tests.append(Slice(at + BUYER_AT, None, "eq", "=" + buyer.value))
    amount = filters.amount
    if amount is not None:
        for op, bound in (("ge", amount.low), ("le", amount.high)):
            if bound is not None:
                tests.append(_test(at, amount.type, op, amount_text(bound)))
    return tuple(tests)


def _text_tests(filters: InvoiceFilters, at: int) -> list[Slice] | None:
    """The tests of the text fields (one of the admitted values each)."""
    tests: list[Slice] = []
    for name, wanted in (
        ("form", () if filters.form_type is None else (filters.form_type,)),
        ("type", filters.invoice_types),
        ("currency", filters.currency_codes),
        ("seller", () if filters.seller_nip is None else (filters.seller_nip,)),
    ):
        if not wanted:
            continue
        width = LAYOUT[name].width
        if any(
            len(value) > width or (name == "seller" and len(value) != width) for value in wanted
        ):
            return None
        tests.append(_test(at, name, "in", tuple(sorted({v.ljust(width) for v in wanted}))))
    return tests


def _test(at: int, name: str, op: str, operand: str | tuple[str, ...]) -> Slice:
    field = LAYOUT[name]
    return Slice(at + field.start, field.width, op, operand)
