"""Injected clocks: system, frozen and offset, and parsing the ``clock`` setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mock_ksef.clock import FrozenClock, OffsetClock, SystemClock, parse_clock

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
WARSAW_WINTER = timezone(timedelta(hours=1))


class TestFrozenClock:
    """FrozenClock stands still until moved."""

    def test_stands_still(self) -> None:
        """now() answers the same instant on every call."""
        clock = FrozenClock(START)
        assert clock.now() == clock.now() == START

    def test_normalises_to_utc(self) -> None:
        """A start in another offset is reported in UTC."""
        clock = FrozenClock(datetime(2026, 3, 1, 11, 0, tzinfo=WARSAW_WINTER))
        assert clock.now() == START
        assert clock.now().tzinfo is UTC

    def test_move_to_and_shift(self) -> None:
        """move_to() jumps; shift() moves forward or back."""
        clock = FrozenClock(START)
        clock.shift(timedelta(minutes=5))
        assert clock.now() == START + timedelta(minutes=5)
        clock.shift(timedelta(hours=-1))
        assert clock.now() == START - timedelta(minutes=55)
        clock.move_to(datetime(2027, 1, 1, tzinfo=UTC))
        assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC)

    def test_naive_times_are_refused(self) -> None:
        """A naive datetime is a ValueError, at creation and in move_to()."""
        with pytest.raises(ValueError, match="timezone-aware"):
            FrozenClock(datetime(2026, 1, 1))
        clock = FrozenClock(START)
        with pytest.raises(ValueError, match="timezone-aware"):
            clock.move_to(datetime(2026, 1, 1))


class TestOffsetClock:
    """OffsetClock is another clock plus an adjustable offset."""

    def test_adds_offset_to_base(self) -> None:
        """now() is the base clock's time plus the offset, and follows the base."""
        base = FrozenClock(START)
        clock = OffsetClock(timedelta(hours=2), base=base)
        assert clock.now() == START + timedelta(hours=2)
        base.shift(timedelta(seconds=30))
        assert clock.now() == START + timedelta(hours=2, seconds=30)

    def test_move_to_sets_offset(self) -> None:
        """move_to() makes now() equal the target at that instant, then it keeps ticking."""
        base = FrozenClock(START)
        clock = OffsetClock(base=base)
        target = datetime(2030, 6, 1, tzinfo=UTC)
        clock.move_to(target)
        assert clock.now() == target
        base.shift(timedelta(seconds=1))
        assert clock.now() == target + timedelta(seconds=1)

    def test_shift_accumulates(self) -> None:
        """shift() adds to the current offset."""
        clock = OffsetClock(timedelta(seconds=10), base=FrozenClock(START))
        clock.shift(timedelta(seconds=-4))
        assert clock.now() == START + timedelta(seconds=6)

    def test_default_base_is_real_time(self) -> None:
        """Without a base, the offset applies to the system clock."""
        before = datetime.now(UTC)
        value = OffsetClock(timedelta(days=1)).now()
        after = datetime.now(UTC)
        assert before + timedelta(days=1) <= value <= after + timedelta(days=1)


def test_system_clock_is_aware_utc_real_time() -> None:
    """SystemClock answers the real time in UTC."""
    before = datetime.now(UTC)
    value = SystemClock().now()
    assert value.tzinfo is UTC
    assert before <= value <= datetime.now(UTC)


class TestParseClock:
    """parse_clock() reads ``system``, ``frozen[:ISO]`` and ``offset[:SECONDS]``."""

    def test_system(self) -> None:
        """``system`` gives a SystemClock."""
        assert isinstance(parse_clock("system"), SystemClock)

    def test_frozen_with_time(self) -> None:
        """``frozen:ISO`` starts at that instant."""
        clock = parse_clock("frozen:2026-03-01T11:00:00+01:00")
        assert isinstance(clock, FrozenClock)
        assert clock.now() == START

    def test_frozen_naive_is_utc(self) -> None:
        """An ISO time without offset is read as UTC."""
        assert parse_clock("frozen:2026-03-01T10:00:00").now() == START

    def test_frozen_default(self) -> None:
        """Bare ``frozen`` starts at a fixed, documented instant."""
        assert parse_clock("frozen").now() == datetime(2026, 1, 1, 12, tzinfo=UTC)

    def test_offset(self) -> None:
        """``offset:SECONDS`` is an OffsetClock ahead of real time by that much."""
        clock = parse_clock("offset:3600")
        assert isinstance(clock, OffsetClock)
        lead = clock.now() - datetime.now(UTC)
        assert timedelta(minutes=59) < lead <= timedelta(hours=1)

    @pytest.mark.parametrize("spec", ["sundial", "frozen:yesterday", "offset:soon"])
    def test_bad_specs(self, spec: str) -> None:
        """Unknown kinds and unreadable values are ValueErrors."""
        with pytest.raises(ValueError, match=r"."):
            parse_clock(spec)
