"""The wallboard (`ccterm monitor`): the live floor a supervisor may see, and today's figures."""

# The snapshot is taken once per monitor connect; call.changed, agent.changed,
# queue.state, campaign.pacing and alert.raised/cleared keep it live after that.
# The live part is read off the floor between two steps (daemon/wallboard.py), then
# today's figures come from the store, one indexed query per kind (store/today.py; the
# agents' times from their logged states, as `ccterm report --agent` counts them), so a
# daemon restarted mid-day shows the whole day.

from __future__ import annotations

from typing import Any

from ccterm.clock import local_day
from ccterm.daemon.ops.base import Ops, op
from ccterm.daemon.server import Session
from ccterm.model import Role
from ccterm.store import agent_report, reports, series, today

REFUSAL = "ccterm monitor is for supervisors and admins"


@op("monitor.snapshot", Role.SUPERVISOR, "the wallboard", refusal=REFUSAL)
async def monitor_snapshot(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Agents, calls, queues, campaigns and alerts: a supervisor's group's, an admin's all."""
    board = await ops.center.wallboard(session.identity)
    now = board["now"]
    start = local_day(now)[0]
    campaign_ids = [c["id"] for c in board["campaigns"]]
    calls = await today.calls_today(ops.store, campaign_ids, start, now)
    progress = await campaign_progress(ops, campaign_ids, now)
    for campaign in board["campaigns"]:
        empty = {"dials": 0, "connects": 0, "abandons": 0}
        campaign["today"] = calls.campaigns.get(campaign["id"], empty)
        campaign["progress"] = progress[campaign["id"]]
    names = [a["name"] for a in board["agents"]]
    times = await agent_report.times(ops.store, names, start, now, now)
    for agent in board["agents"]:
        agent["today"] = agent_today(times[agent["name"]], calls.agents.get(agent["name"]))
    levels = {q["queue"]: float(q["service_level"]) for q in board["queues"]}
    queues = await today.queues_today(ops.store, levels, start) if levels else {}
    for queue in board["queues"]:
        queue["today"] = queues[queue["queue"]]
    return board


PROGRESS_FRESH = 10.0  # seconds a campaign's progress is shown before it is counted again


async def campaign_progress(ops: Ops, ids: list[int], now: float) -> dict[int, dict[str, Any]]:
    """Each campaign's progress, counted at most every PROGRESS_FRESH seconds: counting a list
    of 20,000 takes tens of ms, and five wallboards ask every 15 s."""
    stale = [
        i for i in ids if now - ops.progress_read.get(i, (-PROGRESS_FRESH, {}))[0] >= PROGRESS_FRESH
    ]
    if stale:
        for cid, counted in (await reports.campaign_progress(ops.store, stale)).items():
            ops.progress_read[cid] = (now, counted)
    return {i: ops.progress_read[i][1] for i in ids}


def agent_today(times: agent_report.Times, calls: dict[str, float] | None) -> dict[str, Any]:
    """The logged times today with the stored calls and talk: handle time is talk plus
    wrap-up per answered call."""
    count = int(calls["calls"]) if calls else 0
    talk = round(calls["talk_s"], 1) if calls else 0.0
    wrap = round(times.spent("wrapup"), 1)
    return {
        "calls": count,
        "talk_s": talk,
        "wrap_s": wrap,
        "aht_s": round((talk + wrap) / count, 1) if count else None,
        "occupancy": times.occupancy,
        "logged_in_s": round(times.logged_in, 1),
        "paused_s": round(times.spent("paused"), 1),
    }


@op("monitor.series", Role.SUPERVISOR, "the wallboard's charts", refusal=REFUSAL)
async def monitor_series(ops: Ops, session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """Today in quarter hours, for the campaigns and queues the caller sees: dials, connects,
    abandons, and each queue's service level."""
    board = await ops.center.wallboard(session.identity)
    now = board["now"]
    start = local_day(now)[0]
    end = start + series.STEP * (int((now - start) // series.STEP) + 1)
    ids = [c["id"] for c in board["campaigns"]]
    out = await series.outbound(ops.store, ids, start, end)
    levels = {
        q["queue"]: await series.service_level(
            ops.store, q["queue"], float(q["service_level"]), start, end
        )
        for q in board["queues"]
    }
    names = None if session.identity.role is Role.ADMIN else [a["name"] for a in board["agents"]]
    busy = await series.occupancy(ops.store, names, start, end, now)
    return {
        "start": start,
        "step": series.STEP,
        "occupancy": busy,
        "dials": out.dials,
        "connects": out.connects,
        "abandons": out.abandons,
        "service_level": levels,
    }
