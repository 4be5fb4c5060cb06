"""Timestamp formats used on the wire and in UPO documents."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with an explicit ``+00:00`` and at most 6 fractional digits."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def iso_warsaw_ms(value: datetime) -> str:
    """Polish local time with milliseconds, as UPO documents write it."""
    return value.astimezone(WARSAW).isoformat(timespec="milliseconds")


def warsaw_date(value: datetime) -> str:
    """The Polish calendar date as ``YYYYMMDD``."""
    return value.astimezone(WARSAW).strftime("%Y%m%d")


def parse_query_datetime(text: str) -> datetime:
    """Parse a query-string date; one without an offset is Europe/Warsaw time."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=WARSAW)
    return value.astimezone(UTC)


def millis(value: datetime) -> int:
    """Unix time in milliseconds."""
    return int(value.timestamp() * 1000)
