"""The Polish calendar day of instants that mostly come in order (an inbox's dates).

``astimezone(WARSAW)`` and ``strftime`` cost about a microsecond each; an inbox asks for
the day of every invoice two to four times, and its invoicing dates ascend. So the day's
bounds are kept and an instant inside them costs two comparisons.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from mock_ksef.timefmt import WARSAW

_ONE_DAY = timedelta(days=1)


class PolishDays:
    """The Europe/Warsaw date of instants, remembering the last day's bounds."""

    __slots__ = ("_end", "_start", "compact", "day", "iso")

    def __init__(self) -> None:
        self._start: datetime | None = None
        self._end: datetime | None = None
        self.day = date.min
        self.iso = ""  # YYYY-MM-DD
        self.compact = ""  # YYYYMMDD

    def of(self, when: datetime) -> date:
        """The Polish date of ``when`` (timezone-aware); :attr:`iso` and :attr:`compact`
        then hold it as text."""
        start, end = self._start, self._end
        if start is None or end is None or not start <= when < end:
            self._move(when)
        return self.day

    def _move(self, when: datetime) -> None:
        day = when.astimezone(WARSAW).date()
        # Warsaw changes its clocks at 02:00/03:00, so every midnight exists exactly once.
        zone = when.tzinfo
        self._start = datetime.combine(day, time(), WARSAW).astimezone(zone)
        self._end = datetime.combine(day + _ONE_DAY, time(), WARSAW).astimezone(zone)
        self.day = day
        self.iso = day.isoformat()
        self.compact = self.iso.replace("-", "")
