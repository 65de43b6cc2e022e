"""Time, in one place: the only module that reads the wall clock.

Everything that decides by time (retries, callbacks, schedules, the simulated
trunk, pacing) takes a Clock, so the same code runs live, in tests with a clock
a test advances, and in `ccterm simulate` on virtual time. Times are UTC epoch
seconds (floats) everywhere inside; they are shown in local time at the edges.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """The time and its timers: every wait in the daemon goes through one of these."""

    def now(self) -> float:
        """Seconds since the epoch, UTC."""
        ...

    def call_later(self, delay: float, callback: Callable[[], object]) -> Cancellable:
        """Run `callback` after `delay` seconds of this clock's time."""
        ...


class Scheduler(Protocol):
    """Runs callbacks later. asyncio's event loop satisfies it; so does VirtualClock."""

    def call_later(self, delay: float, callback: Callable[[], object]) -> Cancellable: ...


# A scheduling function: run the callback after so many seconds (`later`, or a
# VirtualClock's call_later in tests).
Later = Callable[[float, Callable[[], object]], Cancellable]


class SystemClock:
    """The wall clock; its timers run on the running asyncio loop."""

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], object]) -> Cancellable:
        return later(delay, callback)


def monotonic() -> float:
    """Seconds on a clock that never jumps: protocol timers (SIP), never timestamps."""
    return time.monotonic()


def later(delay: float, callback: Callable[[], object]) -> Cancellable:
    """Run `callback` in `delay` seconds on the running asyncio loop, whose timers keep
    monotonic() time, so they neither fire early nor late when the wall clock is set."""
    return asyncio.get_running_loop().call_later(max(0.0, delay), callback)


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    callback: Callable[[], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """A clock and scheduler that only moves when told to: for tests and simulation."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._timers: list[_Timer] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], object]) -> _Timer:
        timer = _Timer(self._now + max(0.0, delay), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def next_due(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def advance(self, seconds: float) -> None:
        """Move time forward, firing every timer that falls due on the way, in order."""
        self.advance_to(self._now + seconds)

    def advance_to(self, when: float) -> None:
        while True:
            due = self.next_due()
            if due is None or due > when:
                break
            timer = heapq.heappop(self._timers)
            self._now = max(self._now, timer.when)
            timer.callback()
        self._now = max(self._now, when)


class Alarm:
    """One timer on a clock, moved to whenever a core next wants waking (`set`); the
    runner and the simulator both sleep on one of these."""

    def __init__(self, clock: Clock, ring: Callable[[], object]) -> None:
        self._clock = clock
        self._ring = ring
        self._timer: Cancellable | None = None
        self._at: float | None = None

    def set(self, at: float | None) -> None:
        """Ring at `at` (epoch seconds on the clock), or never (None)."""
        if at == self._at:
            return
        self.cancel()
        self._at = at
        if at is not None:
            self._timer = self._clock.call_later(at - self._clock.now(), self._rung)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._at = None, None

    def _rung(self) -> None:
        self._timer, self._at = None, None
        self._ring()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def local(ts: float) -> datetime:
    """The moment in the machine's local time zone, for display."""
    return datetime.fromtimestamp(ts, UTC).astimezone()


def format_local(ts: float | None, *, seconds: bool = False) -> str:
    if ts is None:
        return "-"
    return local(ts).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_day(ts: float) -> tuple[float, float]:
    """The local calendar day holding `ts`: its first instant and the next day's (a DST
    day is 23 or 25 hours long)."""
    day = local(ts).date()
    start = datetime(day.year, day.month, day.day).astimezone()  # naive: local time
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day).astimezone()
    return start.timestamp(), end.timestamp()


def local_hour(ts: float) -> float:
    """The start of the local clock hour holding `ts`."""
    return local(ts).replace(minute=0, second=0, microsecond=0).timestamp()
