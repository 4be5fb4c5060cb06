"""The 100-day ``dateRange`` rule (UTC elapsed time), ready for the retrieval endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mock_ksef.domain.date_range import check_date_range
from mock_ksef.domain.errors import ValidationFailed

START = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))


def _details(start, end, now=NOW):
    with pytest.raises(ValidationFailed) as caught:
        check_date_range(start, end, now)
    return caught.value.code, caught.value.details


def test_exactly_100_days_is_valid_and_returns_the_end():
    """``to - from`` of exactly 100 days passes (ksef-client treats it as valid)."""
    end = START + timedelta(days=100)
    assert check_date_range(START, end, NOW) == end


def test_one_microsecond_more_is_21405():
    """100 days + 1 µs: 21405 with the BRIEF-RETRIEVAL text."""
    end = START + timedelta(days=100, microseconds=1)
    assert _details(START, end) == (21405, ["'dateRange' must not exceed 100 days."])


def test_the_days_are_counted_in_utc_across_a_polish_dst_change():
    """Warsaw wall clocks say 100 days 30 min; in UTC it is 99 days 23 h 30 min: valid."""
    start = datetime(2026, 3, 20, 0, 0, tzinfo=CET)
    end = datetime(2026, 6, 28, 0, 30, tzinfo=CEST)
    assert check_date_range(start, end, NOW) == end
    assert _details(start, datetime(2026, 6, 28, 1, 30, tzinfo=CEST)) == (
        21405,
        ["'dateRange' must not exceed 100 days."],
    )


def test_a_missing_end_is_now():
    """No ``to``: the range ends now, and is measured to now."""
    assert check_date_range(NOW - timedelta(days=100), None, NOW) == NOW
    assert _details(NOW - timedelta(days=101), None) == (
        21405,
        ["'dateRange' must not exceed 100 days."],
    )


def test_an_end_before_the_start_is_21405():
    """``to`` < ``from``: 21405 saying which way round they go."""
    assert _details(START, START - timedelta(seconds=1)) == (
        21405,
        ["'dateRange.to' must not be earlier than 'dateRange.from'."],
    )


def test_naive_datetimes_are_a_programming_error():
    """The caller parses offset-less dates first; a naive one is refused loudly."""
    with pytest.raises(ValueError, match="timezone-aware"):
        check_date_range(datetime(2026, 3, 1), None, NOW)
