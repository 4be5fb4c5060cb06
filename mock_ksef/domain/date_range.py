"""The 100-day ``dateRange`` rule of ``POST /invoices/query/metadata`` and ``/invoices/exports``.

Since API 2.7.1 (``InvoiceQueryFilters.dateRange`` in the 2.9.0 spec) a range may span at
most 100 days, counted in UTC: ``to - from <= 100 days`` as elapsed time, whatever offsets
the two dates carry, so a range across a Polish DST change is not a day longer or shorter.
The rule applies to every ``dateType`` (``Issue`` included). A missing ``to`` means now.
Failures are 21405 with the texts of ``BRIEF-RETRIEVAL.md`` 2.2.

Ready for the retrieval endpoints (a later issue): parse the request's dates to aware
datetimes first, then call :func:`check_date_range`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mock_ksef.domain.errors import ValidationFailed

MAX_DATE_RANGE = timedelta(days=100)
TOO_WIDE = "'dateRange' must not exceed 100 days."
REVERSED = "'dateRange.to' must not be earlier than 'dateRange.from'."


def check_date_range(start: datetime, end: datetime | None, now: datetime) -> datetime:
    """Check a ``dateRange`` and return its effective end (``end``, or ``now`` when absent).

    Args:
        start: ``dateRange.from`` (timezone-aware).
        end: ``dateRange.to`` (timezone-aware), or ``None``.
        now: the mock's time, the end of an open range.

    Raises:
        ValidationFailed: 21405 when ``end`` is before ``start`` or the range is wider
            than 100 days.
        ValueError: a naive datetime (parse offset-less request dates before calling).
    """
    effective = now if end is None else end
    if any(value.utcoffset() is None for value in (start, effective)):
        raise ValueError("check_date_range needs timezone-aware datetimes")
    if effective < start:
        raise ValidationFailed(REVERSED)
    if effective - start > MAX_DATE_RANGE:
        raise ValidationFailed(TOO_WIDE)
    return effective
