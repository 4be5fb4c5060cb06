"""Injected clocks: the only source of "now" for the domain.

Three kinds, in the vocabulary of freezegun and time-machine:

* :class:`SystemClock` - real time;
* :class:`FrozenClock` - stands still until moved with ``move_to``/``shift``;
* :class:`OffsetClock` - real time plus an adjustable offset (ticks).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return value.astimezone(UTC)


class SystemClock:
    """Real wall-clock time."""

    kind = "system"

    def now(self) -> datetime:
        """Return the real current time."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    kind = "frozen"

    def __init__(self, start: datetime) -> None:
        #: The time it was started at (a reset of the mock moves it back there).
        self.start = _utc(start)
        self._now = self.start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the frozen time."""
        with self._lock:
            return self._now

    def move_to(self, when: datetime) -> None:
        """Jump to ``when``."""
        with self._lock:
            self._now = _utc(when)

    def shift(self, delta: timedelta) -> None:
        """Move by ``delta`` (may be negative)."""
        with self._lock:
            self._now = self._now + delta


class OffsetClock:
    """Real time shifted by an offset that can be changed while running."""

    kind = "offset"

    def __init__(self, offset: timedelta = timedelta(0), base: Clock | None = None) -> None:
        self._base: Clock = base or SystemClock()
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return real time plus the offset."""
        with self._lock:
            return self._base.now() + self._offset

    def move_to(self, when: datetime) -> None:
        """Set the offset so that ``now()`` is ``when`` at this instant."""
        with self._lock:
            self._offset = _utc(when) - self._base.now()

    def shift(self, delta: timedelta) -> None:
        """Add ``delta`` to the offset."""
        with self._lock:
            self._offset += delta


def parse_clock(spec: str) -> Clock:
    """Build a clock from ``system``, ``frozen[:ISO]`` or ``offset[:SECONDS]``.

    Args:
        spec: the setting's text.

    Raises:
        ValueError: for an unknown kind or an unreadable value.
    """
    kind, _, arg = spec.partition(":")
    if kind == "system":
        return SystemClock()
    if kind == "frozen":
        start = datetime.fromisoformat(arg) if arg else datetime(2026, 1, 1, 12, tzinfo=UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        return FrozenClock(start)
    if kind == "offset":
        return OffsetClock(timedelta(seconds=float(arg or 0)))
    raise ValueError(f"unknown clock {spec!r}: use system, frozen[:ISO] or offset[:SECONDS]")
