"""The wallboard's alerts — pure: the floor's facts and `now` in, the set of active alerts out.

A supervisor should learn of trouble before a customer or the regulator does:
the trunk down, a campaign's abandon rate at its cap, a caller waiting past the
queue's service level, an agent stuck in a state the floor should have left
(mod_callcenter's top bug class), a phone leg down, a callback nobody works.
Each alert has a stable id, so the daemon publishes `alert.raised` once when it
appears and `alert.cleared` once when it goes (`Tracker`), not every second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

STUCK_RINGING = 180.0  # seconds an agent may be dialling, or a line ring for them
WRAPUP_GRACE = 5.0  # seconds past a wrap-up's end before it counts as stuck
CAP_MARGIN = 0.005  # half a percentage point under the abandon cap
CALLBACK_LATE = 900.0  # seconds a due callback may wait before it is overdue
HEALED_SHOWN = 300.0  # seconds a "healed" notice stays among the alerts
# seconds the trunk may be down before it is an alert: the daemon's start before the first
# registration, or one re-registration, is not an outage
TRUNK_GRACE = 5.0
PHONE_UP = ("up", "simulated", "ringing")  # a ringing phone is on its way up, not down


@dataclass(frozen=True, slots=True)
class AgentFacts:
    name: str
    status: str  # AgentStatus's value
    since: float
    phone: str
    has_call: bool  # a call is behind the agent (connected, or its wrap-up's)
    wrapup_until: float | None = None
    oldest_ring: float | None = None  # when the agent's oldest ringing line was dialled


@dataclass(frozen=True, slots=True)
class QueueFacts:
    name: str
    longest_wait: float  # of callers on the line (callbacks are counted apart)
    service_level: float


@dataclass(frozen=True, slots=True)
class CampaignFacts:
    id: int
    name: str
    cap: float  # fractions: 0.03 is 3 %
    day_rate: float
    month_rate: float
    answered_day: int
    answered_month: int


@dataclass(frozen=True, slots=True)
class LateCallbacks:
    """Callbacks due for more than CALLBACK_LATE and still waiting, in a campaign or a queue."""

    count: int
    due_since: float  # the oldest one's due time
    campaign_id: int | None = None
    campaign: str = ""
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class Heal:
    """The floor put right a state it found impossible (floor/watch.py)."""

    agent: str
    what: str  # "on call with no call"
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class Facts:
    now: float
    trunk: str  # TrunkState's value
    trunk_detail: str = ""
    agents: tuple[AgentFacts, ...] = ()
    queues: tuple[QueueFacts, ...] = ()
    campaigns: tuple[CampaignFacts, ...] = ()
    callbacks: tuple[LateCallbacks, ...] = ()
    heals: tuple[Heal, ...] = ()
    trunk_since: float | None = None  # when the trunk took its state (None: long ago)


@dataclass(frozen=True, slots=True)
class Alert:
    id: str  # stable while the condition lasts: "stuck:anna", "abandon:3"
    kind: str  # trunk, abandon, queue_wait, stuck, phone, callback, healed
    text: str
    at: float  # when it was raised
    agent: str | None = None
    campaign_id: int | None = None
    queue: str | None = None

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "text": self.text, "at": self.at}
        if self.agent is not None:
            out["agent"] = self.agent
        if self.campaign_id is not None:
            out["campaign_id"] = self.campaign_id
        if self.queue is not None:
            out["queue"] = self.queue
        return out


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def agent_alerts(agent: AgentFacts, now: float) -> Iterable[Alert]:
    if agent.status == "offline":
        return
    name = agent.name
    if agent.status == "on_call" and not agent.has_call:
        yield Alert(f"stuck:{name}", "stuck", f"{name}: on call with no call", now, agent=name)
    elif agent.status == "dialing" and now - agent.since > STUCK_RINGING:
        text = f"{name}: dialling for {_minutes(now - agent.since)}"
        yield Alert(f"stuck:{name}", "stuck", text, now, agent=name)
    elif agent.oldest_ring is not None and now - agent.oldest_ring > STUCK_RINGING:
        text = f"{name}: a line ringing for {_minutes(now - agent.oldest_ring)}"
        yield Alert(f"stuck:{name}", "stuck", text, now, agent=name)
    elif (
        agent.status == "wrapup"
        and agent.wrapup_until is not None
        and now > agent.wrapup_until + WRAPUP_GRACE
    ):
        text = f"{name}: wrap-up {_minutes(now - agent.wrapup_until)} past its end"
        yield Alert(f"stuck:{name}", "stuck", text, now, agent=name)
    if agent.phone not in PHONE_UP:
        yield Alert(f"phone:{name}", "phone", f"{name}: phone {agent.phone}", now, agent=name)


def campaign_alert(campaign: CampaignFacts, now: float) -> Alert | None:
    """The abandon rate of either window within half a point of the cap, or over it."""
    windows = [
        (label, rate)
        for label, rate, answered in (
            ("24 h", campaign.day_rate, campaign.answered_day),
            ("30 days", campaign.month_rate, campaign.answered_month),
        )
        if answered and rate >= campaign.cap - CAP_MARGIN
    ]
    if not windows:
        return None
    label, rate = max(windows, key=lambda w: w[1])
    verdict = "over" if rate > campaign.cap else "near"
    text = (
        f"{campaign.name}: abandon rate {_pct(rate)} over {label}, {verdict} its cap"
        f" {_pct(campaign.cap)}"
    )
    return Alert(f"abandon:{campaign.id}", "abandon", text, now, campaign_id=campaign.id)


def evaluate(facts: Facts) -> dict[str, Alert]:
    """Every alert the facts call for now, by id (`at` is now: the Tracker keeps the first)."""
    now = facts.now
    found: list[Alert] = []
    since = facts.trunk_since if facts.trunk_since is not None else now - TRUNK_GRACE
    if facts.trunk in ("down", "failed") and now - since >= TRUNK_GRACE:
        detail = f": {facts.trunk_detail}" if facts.trunk_detail else ""
        found.append(Alert("trunk", "trunk", f"trunk {facts.trunk}{detail}", now))
    for agent in facts.agents:
        found.extend(agent_alerts(agent, now))
    for queue in facts.queues:
        if queue.longest_wait > queue.service_level:
            text = (
                f"{queue.name}: a caller waits {_minutes(queue.longest_wait)},"
                f" past the service level of {queue.service_level:g} s"
            )
            found.append(
                Alert(f"queue_wait:{queue.name}", "queue_wait", text, now, queue=queue.name)
            )
    for campaign in facts.campaigns:
        alert = campaign_alert(campaign, now)
        if alert is not None:
            found.append(alert)
    for late in facts.callbacks:
        where = late.campaign or late.queue or "?"
        many = "a callback" if late.count == 1 else f"{late.count} callbacks"
        text = f"{where}: {many} overdue by {_minutes(now - late.due_since)}, nobody on it"
        key = f"callback:{late.campaign_id}" if late.queue is None else f"callback:q:{late.queue}"
        found.append(
            Alert(key, "callback", text, now, campaign_id=late.campaign_id, queue=late.queue)
        )
    for heal in facts.heals:
        if now - heal.at <= HEALED_SHOWN:
            text = f"healed {heal.agent}: {heal.what} ({heal.reason})"
            key = f"healed:{heal.agent}:{heal.at:.3f}"
            found.append(Alert(key, "healed", text, heal.at, agent=heal.agent))
    return {alert.id: alert for alert in found}


@dataclass
class Tracker:
    """The active alerts, and what changed since the last look: raised once, cleared once."""

    active: dict[str, Alert] = field(default_factory=dict)

    def update(self, now_active: dict[str, Alert]) -> tuple[list[Alert], list[Alert]]:
        """(raised, cleared). An alert whose text changes (a wait growing) keeps its `at` and
        is not raised again: the wallboard ages it itself."""
        raised = [a for key, a in now_active.items() if key not in self.active]
        cleared = [a for key, a in self.active.items() if key not in now_active]
        self.active = {
            key: replace(alert, at=self.active[key].at) if key in self.active else alert
            for key, alert in now_active.items()
        }
        return raised, cleared
