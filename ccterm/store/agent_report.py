"""One agent's day (or range): logged-in time, pauses by reason, talk, wrap-up, calls,
dispositions, and target calls (talks of at least the campaign's `target_seconds`).
States come from agent_log; calls and talk from the calls themselves (attempts and
inbound_calls), so the two agree with the campaign and queue reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ccterm.store import agent_log
from ccterm.store.db import Store


@dataclass
class Times:
    """An agent's seconds per state (and per pause reason) in a range, from agent_log. The
    report and the wallboard's today both count from here, so they agree."""

    by_status: dict[str, float] = field(default_factory=dict)
    pauses: dict[str, float] = field(default_factory=dict)  # paused, by reason

    @classmethod
    def of(cls, spans: list[agent_log.Span]) -> Times:
        times = cls()
        for status, reason, seconds in spans:
            times.by_status[status] = times.by_status.get(status, 0.0) + seconds
            if status == "paused":
                why = reason or "(no reason)"
                times.pauses[why] = times.pauses.get(why, 0.0) + seconds
        return times

    def spent(self, *statuses: str) -> float:
        return sum(self.by_status.get(s, 0.0) for s in statuses)

    @property
    def logged_in(self) -> float:
        """Every logged state: the log has no rows for offline."""
        return sum(self.by_status.values())

    @property
    def occupancy(self) -> float | None:
        """Time on a call or in wrap-up over time logged in (None: never logged in)."""
        logged = self.logged_in
        return round(self.spent("on_call", "wrapup") / logged, 3) if logged else None


async def times(
    store: Store, agents: list[str], start: float, end: float, now: float
) -> dict[str, Times]:
    """Each agent's times in [start, end), one query for all (a state still on: up to `now`)."""
    found = await agent_log.spans(store, agents, start, end, now)
    return {name: Times.of(spans) for name, spans in found.items()}


async def agent_report(
    store: Store, agent: str, start: float, end: float, now: float, targets: dict[int, int]
) -> dict[str, Any]:
    """`targets`: each campaign's target_seconds, by id (a campaign not in it: 0)."""
    state = (await times(store, [agent], start, end, now))[agent]
    outbound = await store.fetchall(
        "SELECT campaign_id, connected_at, ended_at FROM attempts"
        " WHERE agent = ? AND connected_at >= ? AND connected_at < ?",
        (agent, start, end),
    )
    inbound = await store.fetchall(
        "SELECT answered_at, ended_at FROM inbound_calls"
        " WHERE agent = ? AND answered_at >= ? AND answered_at < ?",
        (agent, start, end),
    )
    talks_out = [(cid, (ended or now) - connected) for cid, connected, ended in outbound]
    talks_in = [(ended or now) - answered for answered, ended in inbound]
    talk = sum(t for _, t in talks_out) + sum(talks_in)
    target = sum(1 for cid, t in talks_out if t >= targets.get(cid, 0))
    codes: Counter[str] = Counter()
    for code, count in await store.fetchall(
        "SELECT code, count(*) FROM dispositions WHERE agent = ? AND at >= ? AND at < ?"
        " GROUP BY code",
        (agent, start, end),
    ):
        codes[code] += count
    for code, count in await store.fetchall(
        "SELECT disposition, count(*) FROM inbound_calls WHERE agent = ?"
        " AND disposition IS NOT NULL AND answered_at >= ? AND answered_at < ?"
        " GROUP BY disposition",
        (agent, start, end),
    ):
        codes[code] += count
    calls = len(talks_out) + len(talks_in)
    wrap = state.spent("wrapup")
    return {
        "agent": agent,
        "from": start,
        "to": end,
        "logged_in_s": round(state.logged_in, 1),
        "ready_s": round(state.spent("ready", "dialing"), 1),
        "on_call_s": round(state.spent("on_call"), 1),
        "wrapup_s": round(wrap, 1),
        "paused_s": round(state.spent("paused"), 1),
        "pauses": {r: round(s, 1) for r, s in sorted(state.pauses.items(), key=lambda p: -p[1])},
        "calls": calls,
        "calls_outbound": len(talks_out),
        "calls_inbound": len(talks_in),
        "talk_s": round(talk, 1),
        "aht_s": round((talk + wrap) / calls, 1) if calls else None,
        "occupancy": state.occupancy,
        "target_calls": target,
        "dispositions": dict(codes.most_common()),
    }
