"""A campaign's abandon-rate windows: live answers and abandons over the last 24 hours
(Ofcom's measure) and the last 30 days (the FCC's and FTC's), pure and clock-free.

The attempts table is the stored truth (`connected_at`, `abandoned_at`): the
daemon loads the last 30 days once at start and then adds each connect and
abandon as it commits it, so the rates are known every second without
scanning a month of calls. Events sit in buckets (a second for the day, a
minute for the month), so memory stays bounded whatever the volume; a bucket
leaves its window once its last moment is older than the window, so a window
may count an event up to one bucket longer, never shorter.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

DAY = 86_400.0
MONTH = 30 * DAY


@dataclass(frozen=True, slots=True)
class Count:
    """One window: live answers (connects + abandons) and how many of them were abandoned."""

    answered: int
    abandoned: int

    @property
    def rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0

    def slack(self, target: float) -> float:
        """Abandons still allowed before the rate passes `target`."""
        return target * self.answered - self.abandoned

    def to_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "abandoned": self.abandoned, "rate": self.rate}


class Rolling:
    """Counts of the events of the last `span` seconds, in buckets of `bucket` seconds."""

    def __init__(self, span: float, bucket: float) -> None:
        self.span = span
        self.bucket = bucket
        self._buckets: deque[list[float]] = deque()  # [start, answered, abandoned], by start
        self._answered = 0
        self._abandoned = 0

    def add(self, at: float, abandoned: bool) -> None:
        start = math.floor(at / self.bucket) * self.bucket
        buckets = self._buckets
        if not buckets or buckets[-1][0] < start:
            buckets.append([start, 0, 0])
            index = len(buckets) - 1
        else:  # late or same-bucket: rare but possible (a clock set back, a loaded history)
            index = len(buckets) - 1
            while index > 0 and buckets[index][0] > start:
                index -= 1
            if buckets[index][0] != start:
                if buckets[index][0] < start:
                    index += 1
                buckets.insert(index, [start, 0, 0])
        buckets[index][1] += 1
        self._answered += 1
        if abandoned:
            buckets[index][2] += 1
            self._abandoned += 1

    def count(self, now: float) -> Count:
        buckets = self._buckets
        while buckets and buckets[0][0] + self.bucket + self.span <= now:
            _, answered, abandoned = buckets.popleft()
            self._answered -= int(answered)
            self._abandoned -= int(abandoned)
        return Count(self._answered, self._abandoned)


class AbandonWindows:
    """One campaign's 24-hour and 30-day windows."""

    def __init__(self) -> None:
        self.day = Rolling(DAY, 1.0)
        self.month = Rolling(MONTH, 60.0)

    def connected(self, at: float) -> None:
        """A person who answered reached an agent."""
        self.day.add(at, False)
        self.month.add(at, False)

    def abandoned(self, at: float) -> None:
        """A person who answered found no agent within the safe harbor."""
        self.day.add(at, True)
        self.month.add(at, True)

    def counts(self, now: float) -> tuple[Count, Count]:
        """(the last 24 hours, the last 30 days)."""
        return self.day.count(now), self.month.count(now)

    def tightest(self, target: float, now: float) -> Count:
        """The window with the least abandon budget left: pacing by it keeps both under."""
        day, month = self.counts(now)
        return day if day.slack(target) <= month.slack(target) else month
