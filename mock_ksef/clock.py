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

    @property
    def offset(self) -> timedelta:
        """How far ahead of (or behind) real time this clock runs."""
        with self._lock:
            return self._offset

    def set_offset(self, offset: timedelta) -> None:
        """Run ``offset`` ahead of real time from now on."""
        with self._lock:
            self._offset = offset


#: A movable clock's setting as JSON-ready data: ``{"kind": "frozen", "at": ISO}`` or
#: ``{"kind": "offset", "offsetMicroseconds": N}`` (what replicas share; shared_state.py).
ClockSetting = dict[str, str | int]


def clock_setting(clock: Clock) -> ClockSetting | None:
    """The setting that makes another process's clock tell the same time; ``None``: fixed."""
    if isinstance(clock, FrozenClock):
        return {"kind": "frozen", "at": clock.now().isoformat()}
    if isinstance(clock, OffsetClock):
        return {"kind": "offset", "offsetMicroseconds": clock.offset // timedelta(microseconds=1)}
    return None


def apply_clock_setting(clock: Clock, setting: ClockSetting) -> None:
    """Make ``clock`` follow ``setting`` (of its own kind; other kinds are ignored)."""
    if isinstance(clock, FrozenClock) and setting.get("kind") == "frozen":
        clock.move_to(datetime.fromisoformat(str(setting["at"])))
    elif isinstance(clock, OffsetClock) and setting.get("kind") == "offset":
        clock.set_offset(timedelta(microseconds=int(setting["offsetMicroseconds"])))


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
