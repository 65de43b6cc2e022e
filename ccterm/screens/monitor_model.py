"""The wallboard's model: what the daemon said (a snapshot, then events), kept by key.

No drawing and no clock here: the screen applies events as they come and redraws
from this at most a few times a second. Without `monitor.snapshot` (an older
daemon) the model starts from the hello snapshot and the group's users, and an
agent's state is known from their first `agent.changed` on; calls then come from
the agents' own calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BUSY = ("dialing", "on_call", "wrapup")
RINGING = ("dialing", "ringing")
IN_IVR = ("answering", "ivr")
# the order agents are listed in: who has a customer first, who is gone last
STATUS_ORDER = {
    "on_call": 0,
    "dialing": 1,
    "wrapup": 2,
    "ready": 3,
    "paused": 4,
    "unknown": 5,
    "offline": 6,
}


@dataclass
class Floor:
    """Agents, calls, queues, campaigns and alerts as the monitor last heard of them."""

    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    today: dict[str, dict[str, Any]] = field(default_factory=dict)  # agent -> today's counts
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[int, dict[str, Any]] = field(default_factory=dict)
    pacing: dict[int, dict[str, Any]] = field(default_factory=dict)  # campaign.pacing, by id
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    trunk: dict[str, Any] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # user.list, by name
    full: bool = False  # monitor.snapshot answered: calls come as call.changed events

    # -- loading ----------------------------------------------------------------------------

    def hello(self, snapshot: dict[str, Any]) -> None:
        """What every client's hello carries: campaigns and the trunk."""
        self.trunk = dict(snapshot.get("trunk") or {})
        self.campaigns = {int(c["id"]): c for c in snapshot.get("campaigns", [])}

    def roster(self, users: list[dict[str, Any]]) -> None:
        """The group's users: agents not heard of yet are listed, offline or not yet known."""
        self.users = {u["name"]: u for u in users}
        for user in users:
            if user.get("role") == "agent" and user["name"] not in self.agents:
                status = "unknown" if user.get("online") else "offline"
                self.agents[user["name"]] = {
                    "name": user["name"],
                    "group": user.get("group", ""),
                    "status": status,
                    "since": None,
                    "connected": bool(user.get("online")),
                }

    def load(self, snap: dict[str, Any]) -> None:
        """monitor.snapshot's answer: the whole floor at once."""
        self.full = True
        if snap.get("trunk"):
            self.trunk = dict(snap["trunk"])
        for agent in snap.get("agents", []):
            self.today[agent["name"]] = agent.get("today") or {}
            self.agents[agent["name"]] = {k: v for k, v in agent.items() if k != "today"}
        self.calls = {c["id"]: c for c in snap.get("calls", [])}
        self.queues = {q["queue"]: q for q in snap.get("queues", [])}
        for campaign in snap.get("campaigns", []):
            self.campaigns[int(campaign["id"])] = campaign
            if campaign.get("pacing") is not None:
                self.pacing[int(campaign["id"])] = {"pacing": campaign["pacing"]}
        self.alerts = {str(a["id"]): a for a in snap.get("alerts", [])}

    def refresh_today(self, snap: dict[str, Any]) -> None:
        """Only the day's figures from a fresh snapshot (the live state comes by events)."""
        for agent in snap.get("agents", []):
            self.today[agent["name"]] = agent.get("today") or {}
        for queue in snap.get("queues", []):
            if queue["queue"] in self.queues:
                self.queues[queue["queue"]]["today"] = queue.get("today") or {}
        for campaign in snap.get("campaigns", []):
            known = self.campaigns.get(int(campaign["id"]))
            if known is not None:
                known["today"] = campaign.get("today") or {}
                known["abandon"] = campaign.get("abandon")
                known["progress"] = campaign.get("progress") or {}

    # -- events -----------------------------------------------------------------------------

    def apply(self, name: str, data: dict[str, Any]) -> bool:
        """One event; whether it changed anything the wallboard shows."""
        if name == "agent.changed" and "name" in data:
            self.agents[data["name"]] = data
        elif name == "call.changed" and "id" in data:
            if data.get("ended"):
                self.calls.pop(str(data["id"]), None)
            else:
                self.calls[str(data["id"])] = data
        elif name == "queue.state" and "queue" in data:
            self.queues[data["queue"]] = {**self.queues.get(data["queue"], {}), **data}
        elif name == "campaign.changed" and "id" in data:
            old = self.campaigns.get(int(data["id"]), {})
            kept = ("today", "abandon", "pacing", "progress")
            keep: dict[str, Any] = {k: old[k] for k in kept if k in old}
            if data.get("archived_at") is not None:
                self.campaigns.pop(int(data["id"]), None)
            else:
                self.campaigns[int(data["id"])] = {**data, **keep}
        elif name == "campaign.deleted" and "id" in data:
            self.campaigns.pop(int(data["id"]), None)
        elif name == "campaign.pacing" and "campaign_id" in data:
            self.pacing[int(data["campaign_id"])] = data
        elif name == "trunk.state":
            self.trunk = {**self.trunk, **data}
        elif name == "alert.raised" and "id" in data:
            self.alerts[str(data["id"])] = data
        elif name == "alert.cleared" and "id" in data:
            self.alerts.pop(str(data["id"]), None)
        else:
            return False
        return True

    # -- reading ----------------------------------------------------------------------------

    def agent_list(self) -> list[dict[str, Any]]:
        """Who has a customer first, then ready, paused, gone; by name within a state."""
        return sorted(
            self.agents.values(),
            key=lambda a: (STATUS_ORDER.get(a.get("status", ""), 9), a["name"].casefold()),
        )

    def call_list(self) -> list[dict[str, Any]]:
        """Live calls, oldest first: call.changed's, and the agents' own calls (the only
        ones an older daemon tells of)."""
        calls = dict(self.calls)
        for agent in self.agents.values():
            call = agent.get("call")
            if call and call["id"] not in calls and call.get("state") != "ended":
                inbound = call.get("inbound") or {}
                calls[call["id"]] = {
                    **call,
                    "agent": agent["name"],
                    "queue": inbound.get("queue"),
                    "client": inbound.get("client", ""),
                }
        return sorted(calls.values(), key=lambda c: (c.get("started_at") or 0.0, c["id"]))

    def abandon(self, campaign_id: int) -> tuple[float | None, float | None, float | None]:
        """(24 h rate, 30 d rate, cap) as fractions: the snapshot's, or the last pacing's."""
        campaign = self.campaigns.get(campaign_id, {})
        cap = (campaign.get("settings") or {}).get("abandon_cap")
        shown = campaign.get("abandon")
        pacing = (self.pacing.get(campaign_id) or {}).get("abandons")
        if pacing:
            day, month = pacing.get("day") or {}, pacing.get("month") or {}
            return day.get("rate"), month.get("rate"), pacing.get("cap", cap)
        if shown:  # the snapshot says it in percent

            def frac(key: str) -> float | None:
                value = shown.get(key)
                return None if value is None else float(value) / 100

            return frac("24h"), frac("30d"), frac("cap") if "cap" in shown else cap
        return None, None, cap

    def group_agents(self, group: str | None) -> list[str]:
        """The agents of a group (None: every agent the monitor knows of)."""
        names = {n for n, a in self.agents.items() if group is None or a.get("group") == group}
        names |= {
            n
            for n, u in self.users.items()
            if u.get("role") == "agent" and (group is None or u.get("group") == group)
        }
        return sorted(names)
