"""``PolishDays`` gives the Europe/Warsaw date of every instant, across DST changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from mock_ksef.inbox.polish_days import PolishDays
from mock_ksef.timefmt import WARSAW


def test_days_match_astimezone_around_the_clock_changes() -> None:
    """Every 7 minutes over the spring and autumn changes of 2026, in order, then shuffled
    (the bounds move back too), and in a non-UTC zone."""
    instants = []
    for start in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        instants += [start + timedelta(minutes=7 * k) for k in range(6 * 24 * 60 // 7)]
    shuffled = random.Random(1).sample(instants, len(instants))
    elsewhere = [t.astimezone(timezone(timedelta(hours=-5))) for t in instants]
    days = PolishDays()
    for when in [*instants, *shuffled, *elsewhere]:
        expected = when.astimezone(WARSAW).date()
        assert days.of(when) == expected, when
        assert (days.iso, days.compact) == (expected.isoformat(), expected.strftime("%Y%m%d"))


def test_the_bounds_are_the_polish_midnights() -> None:
    """23:59:59.999999 and 00:00 Polish time fall on two days (CET, then CEST)."""
    days = PolishDays()
    winter = datetime(2026, 1, 14, 23, 0, tzinfo=UTC)  # 00:00 on the 15th in Warsaw
    summer = datetime(2026, 7, 14, 22, 0, tzinfo=UTC)  # 00:00 on the 15th in Warsaw
    for midnight in (winter, summer):
        assert days.of(midnight - timedelta(microseconds=1)).day == 14
        assert days.of(midnight).day == 15
        assert days.of(midnight - timedelta(microseconds=1)).day == 14
