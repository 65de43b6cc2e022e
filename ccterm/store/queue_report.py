"""The queue report: offered, answered, abandoned, service level both ways, waits, per hour.

Which calls a queue counts, and how (the rules the README states):
- a call counts in every queue it joined (a `queue:NAME` step in its path), dated
  by its first entry into any queue (`entered_at`), in the range [start, end);
- in a queue it left for another (an overflow to queue B), it is *overflowed*;
  in its last queue, its outcome: answered (an agent took it), abandoned (the
  caller hung up waiting), overflowed (to a menu or hangup, and ended there),
  voicemail, callback; `other` for the rest (failed, closed) and `waiting` for
  calls still in line. offered = the sum of these, so the parts always add up;
- a wait runs from the first entry, so after an overflow it includes the time in
  the first queue: the caller's wait, the one their place in line is kept by;
- answered within the service level means a wait <= `service_level` seconds.
  `sl_answered` = within / answered; `sl_offered` = within / (answered + abandoned).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ccterm.clock import local, local_hour
from ccterm.store.db import Store

SHORT_ABANDON = 5.0  # seconds: callers who hang up this soon are often misdials
RESULTS = ("answered", "abandoned", "overflowed", "voicemail", "callback", "other", "waiting")
_OWN_OUTCOMES = frozenset(("abandoned", "overflowed", "voicemail", "callback"))


@dataclass(frozen=True, slots=True)
class QueueCall:
    queue: str  # the last queue it was in
    entered_at: float
    answered_at: float | None
    ended_at: float | None
    outcome: str | None


def result(call: QueueCall, queue: str) -> str:
    """What `queue` counts this call as: one of RESULTS."""
    if call.queue != queue:
        return "overflowed"
    if call.answered_at is not None:
        return "answered"
    if call.ended_at is None:
        return "waiting"
    return call.outcome if call.outcome in _OWN_OUTCOMES else "other"


@dataclass
class Figures:
    """The counts and waits of a set of calls (a range, or one hour of it)."""

    service_level: float
    counts: Counter[str] = field(default_factory=Counter)
    answer_waits: list[float] = field(default_factory=list)
    abandon_waits: list[float] = field(default_factory=list)

    def add(self, call: QueueCall, queue: str) -> None:
        kind = result(call, queue)
        self.counts[kind] += 1
        if kind == "answered" and call.answered_at is not None:
            self.answer_waits.append(max(0.0, call.answered_at - call.entered_at))
        elif kind == "abandoned" and call.ended_at is not None:
            self.abandon_waits.append(max(0.0, call.ended_at - call.entered_at))

    def to_dict(self) -> dict[str, Any]:
        answered, abandoned = len(self.answer_waits), len(self.abandon_waits)
        within = sum(1 for w in self.answer_waits if w <= self.service_level)
        return {
            "offered": sum(self.counts.values()),
            **{kind: self.counts[kind] for kind in RESULTS},
            "answered_within": within,
            "sl_answered": _share(within, answered),
            "sl_offered": _share(within, answered + abandoned),
            "asa": _mean(self.answer_waits),
            "longest_wait": _round(max(self.answer_waits + self.abandon_waits, default=None)),
            "abandon_wait": _mean(self.abandon_waits),
            "abandoned_short": sum(1 for w in self.abandon_waits if w <= SHORT_ABANDON),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def _mean(values: list[float]) -> float | None:
    return _round(sum(values) / len(values)) if values else None


def figures(
    calls: list[QueueCall], queue: str, service_level: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The whole range's figures, and the same per local clock hour with calls (by entry)."""
    total = Figures(service_level)
    hours: dict[float, Figures] = {}
    for call in calls:
        total.add(call, queue)
        hour = local_hour(call.entered_at)
        hours.setdefault(hour, Figures(service_level)).add(call, queue)
    rows = [
        {"hour": local(start).strftime("%Y-%m-%d %H:00"), "start": start, **f.to_dict()}
        for start, f in sorted(hours.items())
    ]
    return total.to_dict(), rows


async def queue_calls(store: Store, queue: str, start: float, end: float) -> list[QueueCall]:
    """The calls that joined `queue`, first entering any queue in [start, end)."""
    rows = await store.fetchall(
        "SELECT queue, entered_at, answered_at, ended_at, outcome FROM inbound_calls c"
        " WHERE entered_at >= ? AND entered_at < ?"
        " AND EXISTS (SELECT 1 FROM json_each(c.path) AS step WHERE step.value = ?)"
        " ORDER BY entered_at",
        (start, end, f"queue:{queue}"),
    )
    return [QueueCall(*row) for row in rows]


async def has_history(store: Store, queue: str) -> bool:
    """Whether any call ended in `queue`: a queue since taken out of config.toml."""
    return bool(
        await store.scalar("SELECT EXISTS (SELECT 1 FROM inbound_calls WHERE queue = ?)", (queue,))
    )


async def queue_report(
    store: Store, queue: str, start: float, end: float, service_level: float
) -> dict[str, Any]:
    """The report as the `report.queue` op answers it (times in epoch seconds)."""
    total, hours = figures(await queue_calls(store, queue, start, end), queue, service_level)
    rows = await store.fetchall(
        "SELECT state, count(*) FROM queue_callbacks WHERE queue = ?"
        " AND entered_at >= ? AND entered_at < ? GROUP BY state ORDER BY state",
        (queue, start, end),
    )
    return {
        "queue": queue,
        "from": start,
        "to": end,
        "service_level": service_level,
        "short_abandon": SHORT_ABANDON,
        **total,
        "callbacks": {state: n for state, n in rows},
        "hours": hours,
    }
