"""Today's figures for the wallboard: per campaign, agent and queue, one query per kind.

Each read is a range scan of an index on time (`attempts_campaign` per
campaign, `inbound_arrived`, `inbound_entered`, `callbacks_open`), so a
snapshot costs the same whatever the size of the history. "Today" is the
caller's [start, now): the daemon's local day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ccterm.store.db import Store
from ccterm.store.queue_report import Figures, QueueCall

CALLBACK_LATE = 900.0  # seconds past due before a callback counts as overdue


@dataclass
class Today:
    campaigns: dict[int, dict[str, int]] = field(default_factory=dict)
    agents: dict[str, dict[str, float]] = field(default_factory=dict)  # calls, talk_s

    def agent(self, name: str) -> dict[str, float]:
        return self.agents.setdefault(name, {"calls": 0, "talk_s": 0.0})


async def calls_today(store: Store, campaign_ids: list[int], start: float, now: float) -> Today:
    """Dials, connects and abandons per campaign; answered calls and talk per agent (outbound
    and inbound). A call still on counts its talk up to `now`."""
    today = Today()
    marks = ",".join("?" * len(campaign_ids))
    rows = await store.fetchall(
        "SELECT campaign_id, agent, count(*), count(connected_at), count(abandoned_at),"
        " coalesce(sum(coalesce(ended_at, ?) - connected_at), 0.0)"
        f" FROM attempts WHERE campaign_id IN ({marks}) AND started_at >= ?"
        " GROUP BY campaign_id, agent",
        (now, *campaign_ids, start),
    )
    for campaign_id, agent, dials, connects, abandons, talk in rows:
        figures = today.campaigns.setdefault(
            campaign_id, {"dials": 0, "connects": 0, "abandons": 0}
        )
        figures["dials"] += dials
        figures["connects"] += connects
        figures["abandons"] += abandons
        if agent and connects:
            mine = today.agent(agent)
            mine["calls"] += connects
            mine["talk_s"] += talk
    rows = await store.fetchall(
        "SELECT agent, count(*), coalesce(sum(coalesce(ended_at, ?) - answered_at), 0.0)"
        " FROM inbound_calls WHERE arrived_at >= ? AND answered_at IS NOT NULL"
        " AND agent IS NOT NULL GROUP BY agent",
        (now, start),
    )
    for agent, calls, talk in rows:
        mine = today.agent(agent)
        mine["calls"] += calls
        mine["talk_s"] += talk
    return today


async def queues_today(
    store: Store, service_levels: dict[str, float], start: float
) -> dict[str, dict[str, Any]]:
    """Per queue: offered, answered, abandoned and the service level over answered calls, as
    `ccterm report --queue` counts them (store/queue_report.py), for calls entered today."""
    figures = {name: Figures(sl) for name, sl in service_levels.items()}
    rows = await store.fetchall(
        "SELECT queue, entered_at, answered_at, ended_at, outcome, path FROM inbound_calls"
        " WHERE entered_at >= ?",
        (start,),
    )
    for queue, entered_at, answered_at, ended_at, outcome, path in rows:
        call = QueueCall(queue, entered_at, answered_at, ended_at, outcome)
        joined = {step[6:] for step in json.loads(path) if step.startswith("queue:")}
        for name in joined & figures.keys():
            figures[name].add(call, name)
    out: dict[str, dict[str, Any]] = {}
    for name, f in figures.items():
        d = f.to_dict()
        out[name] = {
            "offered": d["offered"],
            "answered": d["answered"],
            "abandoned": d["abandoned"],
            "sl_answered": d["sl_answered"],
        }
    return out


async def late_callbacks(store: Store, now: float) -> list[tuple[int, int, float]]:
    """(campaign id, how many, the oldest due time) of contact callbacks due more than
    CALLBACK_LATE ago and not dialled yet (their lead still waiting or ready)."""
    rows = await store.fetchall(
        "SELECT l.campaign_id, count(*), min(c.due_at) FROM callbacks c"
        " JOIN leads l ON l.id = c.lead_id"
        " WHERE c.done_at IS NULL AND c.due_at < ? AND l.state IN ('ready', 'waiting')"
        " AND l.blocked = 0 GROUP BY l.campaign_id",
        (now - CALLBACK_LATE,),
    )
    return [(int(cid), int(n), float(due)) for cid, n, due in rows]
