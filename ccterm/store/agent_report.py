"""One agent's day (or range): logged-in time, pauses by reason, talk, wrap-up, calls,
dispositions, and target calls (talks of at least the campaign's `target_seconds`).
States come from agent_log; calls and talk from the calls themselves (attempts and
inbound_calls), so the two agree with the campaign and queue reports."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ccterm.store import agent_log
from ccterm.store.db import Store


async def agent_report(
    store: Store, agent: str, start: float, end: float, now: float, targets: dict[int, int]
) -> dict[str, Any]:
    """`targets`: each campaign's target_seconds, by id (a campaign not in it: 0)."""
    spans = await agent_log.spans(store, agent, start, end, now)
    by_status: dict[str, float] = {}
    pauses: dict[str, float] = {}
    for status, reason, seconds in spans:
        by_status[status] = by_status.get(status, 0.0) + seconds
        if status == "paused":
            why = reason or "(no reason)"
            pauses[why] = pauses.get(why, 0.0) + seconds
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
    logged_in = sum(by_status.values())
    wrap = by_status.get("wrapup", 0.0)
    on_call = by_status.get("on_call", 0.0)
    return {
        "agent": agent,
        "from": start,
        "to": end,
        "logged_in_s": round(logged_in, 1),
        "ready_s": round(by_status.get("ready", 0.0) + by_status.get("dialing", 0.0), 1),
        "on_call_s": round(on_call, 1),
        "wrapup_s": round(wrap, 1),
        "paused_s": round(by_status.get("paused", 0.0), 1),
        "pauses": {r: round(s, 1) for r, s in sorted(pauses.items(), key=lambda p: -p[1])},
        "calls": calls,
        "calls_outbound": len(talks_out),
        "calls_inbound": len(talks_in),
        "talk_s": round(talk, 1),
        "aht_s": round((talk + wrap) / calls, 1) if calls else None,
        "occupancy": round((on_call + wrap) / logged_in, 3) if logged_in else None,
        "target_calls": target,
        "dispositions": dict(codes.most_common()),
    }
