"""Request bodies of the IZ operations (``GenerateCollectiveIdentifierRequest``,
``CollectiveIdentifiersQueryRequest``, ``CollectiveIdentifierInvoicesQueryRequest``)."""

from __future__ import annotations

import math
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from mock_ksef.domain.collective.collective_values import IzEntry, IzQuery
from mock_ksef.domain.retrieval.currencies import CURRENCY_CODES
from mock_ksef.domain.retrieval.use_cases import KSEF_NUMBER
from mock_ksef.http.bodies import TolerantSchema
from mock_ksef.http.invoice_schemas import RequestDateTime

#: ``CollectiveIdentifierInvoice.description``.
MAX_DESCRIPTION = 512


def _required(name: str) -> dict[str, Any]:
    return {"required": f"'{name}' is required.", "null": f"'{name}' must not be null."}


def _ksef_number(value: str) -> str:
    if not KSEF_NUMBER.fullmatch(value):
        raise ValidationError(
            "'ksefNumber' must be a KSeF number (e.g. 5265877635-20250826-0100001AF629-AF). "
            f"You entered '{value}'."
        )
    return value


def canonical(ksef_number: str) -> str:
    """The 35-character form (a 36-character KSeF 1.0 number loses its extra dash)."""
    return ksef_number[:26] + ksef_number[27:] if len(ksef_number) == 36 else ksef_number


class PaymentSchema(TolerantSchema):
    amount = fields.Float(required=True, allow_nan=False, error_messages=_required("amount"))
    currency = fields.String(required=True, error_messages=_required("currency"))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if not math.isfinite(data["amount"]):
            raise ValidationError("'amount' must be a finite number.", "amount")
        if data["currency"] not in CURRENCY_CODES:
            raise ValidationError(
                "'currency' must be an ISO 4217 code of the spec's CurrencyCode "
                f"(e.g. 'PLN'). You entered '{data['currency']}'.",
                "currency",
            )


class InvoiceItemSchema(TolerantSchema):
    ksefNumber = fields.String(
        required=True, validate=_ksef_number, error_messages=_required("ksefNumber")
    )
    payment = fields.Nested(PaymentSchema, load_default=None, allow_none=True)
    description = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=MAX_DESCRIPTION,
            error=f"'description' must be {MAX_DESCRIPTION} characters or fewer.",
        ),
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> IzEntry:
        payment = data["payment"]
        return IzEntry(
            ksef_number=canonical(data["ksefNumber"]),
            amount=None if payment is None else repr(float(payment["amount"])),
            currency=None if payment is None else payment["currency"],
            description=data["description"],
        )


def _at_least_two(value: list[Any]) -> None:
    if len(value) < 2:
        raise ValidationError(
            f"'invoices' must contain at least 2 items. You entered {len(value)}."
        )


class GenerateSchema(TolerantSchema):
    invoices = fields.List(
        fields.Nested(InvoiceItemSchema),
        required=True,
        validate=_at_least_two,
        error_messages=_required("invoices"),
    )


class QuerySchema(TolerantSchema):
    collectiveIdentifierNumber = fields.String(load_default=None, allow_none=True)
    dateCreatedFrom = RequestDateTime(required=True, error_messages=_required("dateCreatedFrom"))
    dateCreatedTo = RequestDateTime(required=True, error_messages=_required("dateCreatedTo"))
    invoiceCountFrom = fields.Integer(load_default=None, allow_none=True, strict=True)
    invoiceCountTo = fields.Integer(load_default=None, allow_none=True, strict=True)
    createdInCurrentContext = fields.Boolean(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> IzQuery:
        return IzQuery(
            date_from=data["dateCreatedFrom"],
            date_to=data["dateCreatedTo"],
            number=data["collectiveIdentifierNumber"],
            count_from=data["invoiceCountFrom"],
            count_to=data["invoiceCountTo"],
            created_here=data["createdInCurrentContext"],
        )


class InvoicesQuerySchema(TolerantSchema):
    collectiveIdentifierNumbers = fields.List(
        fields.String(),
        required=True,
        error_messages=_required("collectiveIdentifierNumbers"),
    )
