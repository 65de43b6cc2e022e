"""The wallboard's live part, read off the floor for one supervisor or admin.

Whoever may see a row here is exactly whoever gets the events about it
(`reach_audience` decides both), so a snapshot and the events that follow it
never disagree, and a supervisor of one group learns nothing of another's.
Read under the runner's lock, between two steps: never half-way through one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccterm.daemon.floor.core import FloorCore
from ccterm.daemon.floor.watch import Reach, call_view
from ccterm.daemon.server import Identity, staff_audience
from ccterm.model import Campaign


def reach_audience(core: FloorCore, reach: Reach) -> Callable[[Identity], bool]:
    """Admins, and the supervisors of the groups the floor says see `reach` (seen_by)."""
    return staff_audience(None, core.seen_by(reach))


def abandon(core: FloorCore, campaign: Campaign, now: float) -> dict[str, float]:
    """Both windows' rates and the cap, in percent."""
    day, month = core.window(campaign.id).counts(now)
    return {
        "24h": round(day.rate * 100, 2),
        "30d": round(month.rate * 100, 2),
        "cap": round(campaign.settings.abandon_cap * 100, 2),
    }


def live(core: FloorCore, who: Identity, now: float) -> dict[str, Any]:
    """Everything on the floor `who` may see now; today's store figures come on top
    (ops/monitor.py), also the agents' times."""

    def sees(reach: Reach) -> bool:
        return reach_audience(core, reach)(who)

    agents = [
        core.wire(a)
        for a in sorted(core.agents.values(), key=lambda a: a.name)
        if sees((None, frozenset({a.group})))
    ]
    calls = [
        call_view(c)
        for c in sorted(core.calls.values(), key=lambda c: c.started_at)
        if sees(core.call_reach(c))
    ]
    queues = [
        {**core.queue_state(name, now), "service_level": core.service_level(name)}
        for name in sorted(core.acd.queues)
        if sees((None, core.queue_groups(name)))
    ]
    campaigns = [
        {**c.to_wire(), "pacing": core.show(c, now), "abandon": abandon(core, c, now)}
        for c in sorted(core.campaigns.values(), key=lambda c: c.name)
        if c.archived_at is None and sees((c.id, frozenset()))
    ]
    found = [
        a.to_wire()
        for a in sorted(core.tracker.active.values(), key=lambda a: (a.at, a.id))
        if sees(core.alert_reach(a))
    ]
    return {
        "now": now,
        "trunk": {"state": str(core.trunk), "detail": core.trunk_detail},
        "agents": agents,
        "calls": calls,
        "queues": queues,
        "campaigns": campaigns,
        "alerts": found,
    }
