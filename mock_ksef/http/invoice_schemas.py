"""Parsing ``InvoiceQueryFilters`` and the metadata query's paging arguments.

:class:`InvoiceFiltersSchema` is the one parser of the filters: the metadata query loads
its body with it, and the export nests it as ``filters``. It yields the domain's
:class:`~mock_ksef.domain.retrieval.filters.InvoiceFilters`. Dates accept ``Z``, explicit
offsets and no offset (Europe/Warsaw, changelog 2.1.2), with up to 9 fractional digits.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import request
from marshmallow import ValidationError, fields, post_load, validate

from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.retrieval.currencies import CURRENCY_CODES
from mock_ksef.domain.retrieval.filters import AmountFilter, BuyerFilter, DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.record import SUBJECT_TYPES
from mock_ksef.domain.retrieval.use_cases import KSEF_NUMBER, Paging
from mock_ksef.http.bodies import TolerantSchema
from mock_ksef.timefmt import WARSAW

NIP = re.compile(r"^[1-9]((\d[1-9])|([1-9]\d))\d{7}$")
INVOICE_TYPES = (
    "Vat",
    "Zal",
    "Kor",
    "Roz",
    "Upr",
    "KorZal",
    "KorRoz",
    "VatPef",
    "VatPefSp",
    "KorPef",
    "VatRr",
    "KorVatRr",
)
_FRACTION = re.compile(r"(\.\d{6})\d{1,3}(?=(Z|[+-]\d{2}:?\d{2})?$)")


def _one_of(name: str, allowed: tuple[str, ...]) -> validate.OneOf:
    choices = ", ".join(f"'{a}'" for a in allowed)
    return validate.OneOf(
        allowed, error=f"'{name}' must be one of {choices}. You entered '{{input}}'."
    )


def _one_of_currency() -> validate.Validator:
    def check(value: str) -> str:
        if value not in CURRENCY_CODES:
            raise ValidationError(
                "'currencyCodes' must hold ISO 4217 codes of the spec's CurrencyCode "
                f"(e.g. 'PLN', 'EUR'). You entered '{value}'."
            )
        return value

    return _Check(check)


class _Check(validate.Validator):
    def __init__(self, check: Any) -> None:
        self._check = check

    def __call__(self, value: Any) -> Any:
        return self._check(value)


def _required(name: str) -> dict[str, Any]:
    return {"required": f"'{name}' is required.", "null": f"'{name}' must not be null."}


class RequestDateTime(fields.Field):  # type: ignore[type-arg]
    """An ISO 8601 date-time; no offset means Polish time; at most 9 fractional digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError(f"'{attr}' must be an ISO 8601 date-time text.")
        text = _FRACTION.sub(r"\1", value.strip())
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                f"'{attr}' must be an ISO 8601 date-time (e.g. 2026-01-03T13:45:00+00:00). "
                f"You entered '{value}'."
            ) from None
        return parsed.replace(tzinfo=WARSAW) if parsed.tzinfo is None else parsed


class DateRangeSchema(TolerantSchema):
    dateType = fields.String(
        required=True,
        validate=_one_of("dateType", ("Issue", "Invoicing", "PermanentStorage")),
        error_messages=_required("dateRange.dateType"),
    )
    from_ = RequestDateTime(
        required=True, data_key="from", error_messages=_required("dateRange.from")
    )
    to = RequestDateTime(load_default=None, allow_none=True)
    restrictToPermanentStorageHwmDate = fields.Boolean(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> DateRange:
        return DateRange(
            data["dateType"],
            data["from_"],
            data["to"],
            bool(data["restrictToPermanentStorageHwmDate"]),
        )


class AmountSchema(TolerantSchema):
    type = fields.String(
        required=True,
        validate=_one_of("amount.type", ("Brutto", "Netto", "Vat")),
        error_messages=_required("amount.type"),
    )
    from_ = fields.Float(data_key="from", load_default=None, allow_none=True, allow_nan=False)
    to = fields.Float(load_default=None, allow_none=True, allow_nan=False)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> AmountFilter:
        low, high = data["from_"], data["to"]
        if low is not None and high is not None and high < low:
            raise ValidationError("'amount.to' must not be less than 'amount.from'.")
        return AmountFilter(data["type"], low, high)


class BuyerIdentifierSchema(TolerantSchema):
    type = fields.String(
        required=True,
        validate=_one_of("buyerIdentifier.type", ("Nip", "VatUe", "Other", "None")),
        error_messages=_required("buyerIdentifier.type"),
    )
    value = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=50, error="'buyerIdentifier.value' must be at most 50 characters."
        ),
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> BuyerFilter:
        return BuyerFilter(data["type"], data["value"])


def _pattern(name: str, pattern: re.Pattern[str], example: str) -> validate.Regexp:
    return validate.Regexp(
        pattern, error=f"'{name}' must look like {example}. You entered '{{input}}'."
    )


class InvoiceFiltersSchema(TolerantSchema):
    """``InvoiceQueryFilters`` -> :class:`InvoiceFilters`."""

    subjectType = fields.String(
        required=True,
        validate=_one_of("subjectType", SUBJECT_TYPES),
        error_messages=_required("subjectType"),
    )
    dateRange = fields.Nested(DateRangeSchema, required=True, error_messages=_required("dateRange"))
    ksefNumber = fields.String(
        load_default=None,
        allow_none=True,
        validate=_pattern("ksefNumber", KSEF_NUMBER, "5265877635-20250826-0100001AF629-AF"),
    )
    invoiceNumber = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=256, error="'invoiceNumber' must be at most 256 characters."),
    )
    amount = fields.Nested(AmountSchema, load_default=None, allow_none=True)
    sellerNip = fields.String(
        load_default=None, allow_none=True, validate=_pattern("sellerNip", NIP, "5265877635")
    )
    buyerIdentifier = fields.Nested(BuyerIdentifierSchema, load_default=None, allow_none=True)
    currencyCodes = fields.List(
        fields.String(validate=_one_of_currency()),
        load_default=None,
        allow_none=True,
    )
    invoicingMode = fields.String(
        load_default=None, allow_none=True, validate=_one_of("invoicingMode", ("Online", "Offline"))
    )
    isSelfInvoicing = fields.Boolean(load_default=None, allow_none=True)
    formType = fields.String(
        load_default=None, allow_none=True, validate=_one_of("formType", ("FA", "PEF", "FA_RR"))
    )
    invoiceTypes = fields.List(
        fields.String(validate=_one_of("invoiceTypes", INVOICE_TYPES)),
        load_default=None,
        allow_none=True,
    )
    hasAttachment = fields.Boolean(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> InvoiceFilters:
        return InvoiceFilters(
            subject_type=data["subjectType"],
            date_range=data["dateRange"],
            ksef_number=data["ksefNumber"],
            invoice_number=data["invoiceNumber"],
            amount=data["amount"],
            seller_nip=data["sellerNip"],
            buyer=data["buyerIdentifier"],
            currency_codes=tuple(data["currencyCodes"] or ()),
            invoicing_mode=data["invoicingMode"],
            is_self_invoicing=data["isSelfInvoicing"],
            form_type=data["formType"],
            invoice_types=tuple(data["invoiceTypes"] or ()),
            has_attachment=data["hasAttachment"],
        )


def _integer(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"'{name}' must be an integer. You entered '{raw}'.") from None


def paging_arguments() -> Paging:
    """``sortOrder`` (Asc), ``pageOffset`` (0) and ``pageSize`` (10) of the query string."""
    size = _integer("pageSize", 10)
    if not 10 <= size <= 250:
        raise ValidationFailed(f"'pageSize' must be between 10 and 250. You entered {size}.")
    offset = _integer("pageOffset", 0)
    if offset < 0:
        raise ValidationFailed(
            f"'pageOffset' must be greater than or equal to 0. You entered {offset}."
        )
    order = request.args.get("sortOrder", "Asc")
    if order not in ("Asc", "Desc"):
        raise ValidationFailed(f"'sortOrder' must be one of 'Asc', 'Desc'. You entered '{order}'.")
    return Paging(offset, size, order == "Desc")
