"""A day in 15-minute steps, for the wallboard's charts: dials, connects and abandons of
some campaigns, and an inbound queue's service level. One grouped query each, read from
the indexes the reports use (attempts by campaign and time, inbound calls by queue)."""

from __future__ import annotations

from dataclasses import dataclass

from ccterm.store.db import Store

STEP = 900.0  # seconds in a bucket


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per bucket from `start`, one list per figure, all of one length."""

    start: float
    step: float
    dials: list[int]
    connects: list[int]
    abandons: list[int]


def _buckets(start: float, end: float, step: float) -> int:
    return max(0, int((end - start + step - 1e-9) // step))


async def outbound(
    store: Store, campaign_ids: list[int], start: float, end: float, step: float = STEP
) -> Series:
    """Dials (attempts started), connects (put through to an agent) and abandons per bucket."""
    size = _buckets(start, end, step)
    dials, connects, abandons = [0] * size, [0] * size, [0] * size
    if campaign_ids and size:
        marks = ",".join("?" * len(campaign_ids))
        rows = await store.fetchall(
            "SELECT started_at, connected_at, abandoned_at FROM attempts"
            f" WHERE campaign_id IN ({marks}) AND started_at >= ? AND started_at < ?",
            (*campaign_ids, start, end),
        )
        for started, connected, abandoned in rows:
            for at, into in ((started, dials), (connected, connects), (abandoned, abandons)):
                if at is not None and start <= at < end:
                    into[int((at - start) // step)] += 1
    return Series(start, step, dials, connects, abandons)


async def service_level(
    store: Store, queue: str, within: float, start: float, end: float, step: float = STEP
) -> list[float | None]:
    """Per bucket of answer time: the share of the queue's answered calls that waited at
    most `within` seconds (None: nothing answered then)."""
    size = _buckets(start, end, step)
    answered, quick = [0] * size, [0] * size
    rows = await store.fetchall(
        "SELECT entered_at, answered_at FROM inbound_calls WHERE queue = ?"
        " AND answered_at >= ? AND answered_at < ? AND entered_at IS NOT NULL",
        (queue, start, end),
    )
    for entered, at in rows:
        i = int((at - start) // step)
        answered[i] += 1
        quick[i] += at - entered <= within
    return [q / a if a else None for q, a in zip(quick, answered, strict=True)]


async def occupancy(
    store: Store, agents: list[str] | None, start: float, end: float, now: float, step: float = STEP
) -> list[float | None]:
    """Per bucket: time on a call or in wrap-up over time logged in, of these agents (None:
    everyone), from agent_log (None: nobody logged in then)."""
    size = _buckets(start, end, step)
    busy, logged = [0.0] * size, [0.0] * size
    rows = await store.fetchall(
        "SELECT agent, status, since, coalesce(until, ?) FROM agent_log"
        " WHERE since < ? AND (until IS NULL OR until > ?)",
        (now, end, start),
    )
    wanted = None if agents is None else set(agents)
    for agent, status, since, until in rows:
        if wanted is not None and agent not in wanted:
            continue
        lo, hi = max(since, start), min(until, end)
        while lo < hi:
            i = int((lo - start) // step)
            edge = min(hi, start + (i + 1) * step)
            logged[i] += edge - lo
            if status in ("on_call", "wrapup"):
                busy[i] += edge - lo
            lo = edge
    return [b / t if t else None for b, t in zip(busy, logged, strict=True)]
