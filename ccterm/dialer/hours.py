"""Calling hours: may a contact be called now, in its own time zones, and if not, when?

Pure: zones, a UTC epoch and the window in, a verdict out. The window is read in
wall-clock time of each zone, so daylight saving is zoneinfo's business; its end
is exclusive (with 08:00–21:00, 21:00 sharp is too late; "24:00" ends at midnight).
A number with several zones (phonenumbers gives an area code that straddles a
zone line every zone it may be in) is callable only while ALL of them are inside
the window: we cannot know which one the person is in, and a call at 21:30 to
someone who is one zone over is still a call at 21:30.

Which zones a contact has (`contact_zones`), in order of trust:
1. the zones stored at import (phonenumbers' answer for the number then);
2. phonenumbers' answer now: by the number's prefix, else its country's zones;
3. the zones of the daemon's `[dialer] region` country.
Names zoneinfo does not know ("Etc/Unknown") are dropped at each step. A country
that spans many zones leaves few hours when all are inside (+1 runs from Guam to
Bermuda: about three a day); zones that never share the window make the number
never callable, and the verdict says so. Both are the careful answer when we
cannot tell where the person is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccterm.numbers import number_zones, region_zones

DAY = 86_400
SEARCH_DAYS = 8  # longer than any DST shift or skipped day; past it, "never"
_SHOWN_ZONES = 3


class DialerSettings(Protocol):
    """The two `[dialer]` keys calling hours need (config.DialerConfig has them)."""

    @property
    def calling_hours(self) -> tuple[str, str]: ...

    @property
    def region(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CallingHours:
    """The daemon's window plus its region, passed to every dial-time check."""

    start: str = "08:00"
    end: str = "21:00"
    region: str = "PL"  # the last fallback for a number's zones

    @classmethod
    def of(cls, dialer: DialerSettings) -> CallingHours:
        start, end = dialer.calling_hours
        return cls(start, end, dialer.region)

    @property
    def window(self) -> tuple[str, str]:
        return self.start, self.end

    def zones(self, stored: str, e164: str) -> tuple[str, ...]:
        return contact_zones(stored, e164, self.region)

    def check(self, stored: str, e164: str, now: float) -> Verdict:
        """The verdict for a contact row's stored zones and number."""
        return check(self.zones(stored, e164), now, self.window)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str  # why not, in words; "" when allowed
    opens_at: float | None  # `now` when allowed; else when every zone is inside; None: never
    zones: tuple[str, ...]


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The zone named `name`, or None when zoneinfo does not know it; cached (every dial)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _known(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in out and zone(name) is not None:
            out.append(name)
    return tuple(out)


@lru_cache(maxsize=16_384)
def contact_zones(stored: str, e164: str, region: str) -> tuple[str, ...]:
    """The zones a contact's window is read in: stored, else the number's, else the region's.

    Never empty: when even the region gives nothing zoneinfo knows, UTC.
    """
    return (
        _known(stored.split("|"))
        or _known(number_zones(e164))
        or _known(region_zones(region))
        or ("UTC",)
    )


@lru_cache(maxsize=64)
def seconds_of(hhmm: str) -> int:
    """'08:30' -> 30600; '24:00' -> 86400 (a window that runs to midnight)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def local(name: str, ts: float) -> datetime:
    """The moment `ts` on the wall clocks of zone `name`."""
    tz = zone(name)
    assert tz is not None, name
    return datetime.fromtimestamp(ts, tz)


def _of_day(moment: datetime) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def _inside(moment: datetime, start: int, end: int) -> bool:
    return start <= _of_day(moment) < end


def _reached(tz: ZoneInfo, stamp: float, day: date, start: int) -> bool:
    """Has the wall clock in `tz` reached `start` on `day` at `stamp`?"""
    moment = datetime.fromtimestamp(stamp, tz)
    return (moment.date(), _of_day(moment)) >= (day, start)


def _opening(tz: ZoneInfo, day: date, start: int) -> float:
    """When the window opens on `day` in `tz`.

    A start the clocks pass twice (DST ends) opens at the first pass; one they skip
    (DST begins) opens at the jump itself, found to the second between the two readings.
    """
    wall = datetime.combine(day, time(start // 3600, start % 3600 // 60), tzinfo=tz)
    stamps = sorted({wall.timestamp(), wall.replace(fold=1).timestamp()})
    if _reached(tz, stamps[0], day, start):
        return stamps[0]
    before, after = stamps[0], stamps[-1]
    while after - before > 1:
        middle = (before + after) / 2
        if _reached(tz, middle, day, start):
            after = middle
        else:
            before = middle
    return float(int(after))  # the jump falls on a whole second


def _next_opening(tz: ZoneInfo, ts: float, start: int) -> float:
    """The first opening of the window in `tz` after `ts` (today's if still to come)."""
    day = datetime.fromtimestamp(ts, tz).date()
    for offset in range(3):  # today, else tomorrow; a skipped day (Apia, 2011) needs a third
        opening = _opening(tz, day + timedelta(days=offset), start)
        if opening > ts:
            return opening
    return ts + DAY


def next_open(zones: tuple[str, ...], now: float, window: tuple[str, str]) -> float | None:
    """The first moment from `now` at which every zone is inside the window; None: not in a week.

    Each step jumps to the next opening of a zone that is outside, which never
    passes the answer, so the first moment all are inside is the earliest one.
    """
    start, end = seconds_of(window[0]), seconds_of(window[1])
    tzs = [tz for tz in (zone(z) for z in zones) if tz is not None]
    ts = now
    limit = now + SEARCH_DAYS * DAY
    while ts <= limit:
        outside = [tz for tz in tzs if not _inside(datetime.fromtimestamp(ts, tz), start, end)]
        if not outside:
            return ts
        ts = max(_next_opening(tz, ts, start) for tz in outside)
    return None


def check(zones: tuple[str, ...], now: float, window: tuple[str, str]) -> Verdict:
    """May a contact in `zones` be called at `now`? If not, why, and from when."""
    start, end = seconds_of(window[0]), seconds_of(window[1])
    late = [(name, moment) for name in zones if not _inside(moment := local(name, now), start, end)]
    if not late:
        return Verdict(True, "", now, zones)
    allowed = f"{window[0]}–{window[1]}"
    opens_at = next_open(zones, now, window)
    if opens_at is None:
        shown = ", ".join(zones[:_SHOWN_ZONES])
        more = f" and {len(zones) - _SHOWN_ZONES} more" if len(zones) > _SHOWN_ZONES else ""
        reason = f"its time zones ({shown}{more}) never share the calling hours {allowed}"
        return Verdict(False, reason, None, zones)
    clocks = " and ".join(f"{moment:%H:%M} in {name}" for name, moment in late[:_SHOWN_ZONES])
    if len(late) > _SHOWN_ZONES:
        clocks += f" and {len(late) - _SHOWN_ZONES} more zones"
    each = " in each of its time zones" if len(zones) > 1 else ""
    return Verdict(False, f"it is {clocks}; calls are allowed {allowed}{each}", opens_at, zones)
