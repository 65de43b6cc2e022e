"""What the floor tells supervisors' wallboards — pure, like the rest of the floor.

- `call.changed`: every call's state as monitors see it, found by comparing each
  call with what was last published when the effects are drained, so no call
  flow has to remember to tell (an ended call is published once with "ended").
  Who sees a call (`call_reach`) changes with it: a caller in a menu is seen by
  the groups of every queue it may lead to, then by its queue's. Supervisors
  who saw a call and no longer do get `{"id", "ended": true, "gone": true}`:
  off their wallboard, with nothing of where it went.
- Healing, once a tick: an agent on a call with no live call behind it (the
  stuck-agent bug class of mod_callcenter) goes to wrap-up or back to work, and
  the heal is shown as an alert for a few minutes.
- Alerts (ccterm/monitor/alerts.py) evaluated once a tick from the floor's facts;
  `alert.raised` and `alert.cleared` when the set changes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ccterm.daemon.floor.base import log
from ccterm.daemon.floor.effects import Publish
from ccterm.daemon.floor.inbound import InboundFloor
from ccterm.daemon.floor.state import RINGING, Call, CallState, Outbound
from ccterm.model import AgentStatus, CampaignStatus
from ccterm.monitor import alerts

Reach = tuple[int | None, frozenset[str] | None]  # (campaign id, groups) of a staff event
ADMINS_ONLY: Reach = (None, frozenset())


class Shown(NamedTuple):
    """A call as last published: what changed it, what was said, whose supervisors saw it."""

    key: tuple[Any, ...]
    view: dict[str, Any]
    seen_by: frozenset[str] | None


def call_view(call: Call) -> dict[str, Any]:
    """A call as the wallboard lists it (call.changed, and the snapshot's calls)."""
    kind = call.kind
    if isinstance(kind, Outbound):
        direction, e164, client = "outbound", kind.lead.e164, ""
    else:
        direction = "callback" if call.mode == "callback" else "inbound"
        e164, client = kind.e164 or kind.caller, kind.client
    return {
        "id": call.id,
        "direction": direction,
        "state": str(call.state),
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "connected_at": call.connected_at,
        "entered_at": call.entered_at,
        "agent": call.agent,
        "e164": e164,
        "campaign_id": call.campaign_id,
        "queue": call.queue,
        "client": client,
    }


class Watch(InboundFloor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: dict[str, Shown] = {}
        self.trunk_detail = ""
        self.heals: list[alerts.Heal] = []
        self.late_leads: tuple[alerts.LateCallbacks, ...] = ()  # the runner's, from the store
        self.tracker = alerts.Tracker()

    # -- who may see what -------------------------------------------------------------------

    def queue_groups(self, queue: str | None) -> frozenset[str]:
        spec = self.acd.queues.get(queue or "")
        return spec.groups if spec is not None else frozenset()

    def call_reach(self, call: Call) -> Reach:
        """Outbound: whoever sees its campaign; inbound: the queue's groups (before a queue,
        those of every queue its number's menus lead to); also its agent's group."""
        agent = self.agents.get(call.agent or "")
        mine = frozenset({agent.group}) if agent is not None else frozenset()
        if isinstance(call.kind, Outbound):
            return call.kind.campaign_id, mine
        if call.queue is None:
            return None, self.route_groups(call) | mine
        return None, self.queue_groups(call.queue) | mine

    def route_groups(self, call: Call) -> frozenset[str]:
        """The groups of every queue the caller's number may lead to, through its menus."""
        leg = self.legs.get(call.id)
        if leg is None or leg.route is None:
            return frozenset()
        plan = leg.plan or self.plan
        targets = [leg.route.start, leg.route.after_hours]
        seen: set[str] = set()
        groups: frozenset[str] = frozenset()
        while targets:
            target = targets.pop()
            if target in seen:
                continue
            seen.add(target)
            kind, _, name = target.partition(":")
            if kind == "queue":
                groups |= self.queue_groups(name)
            elif kind == "menu" and name in plan.menus:
                menu = plan.menus[name]
                targets += [*menu.keys.values(), menu.fallback]
        return groups

    def seen_by(self, reach: Reach) -> frozenset[str] | None:
        """The groups whose supervisors see what has this reach (None: every supervisor);
        admins see everything. A campaign's are those it names; one the floor does not know
        adds none."""
        campaign_id, groups = reach
        if campaign_id is None:
            return groups
        campaign = self.campaigns.get(campaign_id)
        named = frozenset(campaign.settings.groups) if campaign is not None else frozenset()
        return named | (groups or frozenset())

    def alert_reach(self, alert: alerts.Alert) -> Reach:
        if alert.agent is not None:
            agent = self.agents.get(alert.agent)
            return None, frozenset({agent.group}) if agent is not None else frozenset()
        if alert.queue is not None:
            return None, self.queue_groups(alert.queue)
        if alert.campaign_id is not None:
            return alert.campaign_id, frozenset()
        return None, None  # the trunk: every supervisor

    # -- at every drain: calls -------------------------------------------------------------

    def watch(self) -> None:
        if not self.setup.watch:
            return
        for call in self.calls.values():
            key = (call.state, call.agent, call.queue, call.answered_at, call.connected_at)
            reach = self.call_reach(call)
            seen_by = self.seen_by(reach)
            before = self.shown.get(call.id)
            if before is not None and before.key == key and before.seen_by == seen_by:
                continue
            view = call_view(call)
            self.shown[call.id] = Shown(key, view, seen_by)
            self.staff("call.changed", view, reach)
            if before is not None:
                self.gone_from(call.id, before.seen_by, seen_by)
        for call_id in [c for c in self.shown if c not in self.calls]:
            _, view, seen_by = self.shown.pop(call_id)
            ended = {**view, "state": "ended", "ended": True}
            self.staff("call.changed", ended, (None, seen_by))  # whoever saw it last

    def gone_from(
        self, call_id: str, before: frozenset[str] | None, now: frozenset[str] | None
    ) -> None:
        """The supervisors of groups that saw the call and see it no more: it is off their
        wallboard, by its id alone (admins see every call). A call's reach always names its
        groups: never everyone."""
        lost = before - now if before is not None and now is not None else frozenset()
        if lost:
            data = {"id": call_id, "ended": True, "gone": True}
            self.emit(Publish("call.changed", data, groups=lost, staff=True, admins=False))

    def staff(self, name: str, data: dict[str, Any], reach: Reach) -> None:
        self.emit(Publish(name, data, campaign_id=reach[0], groups=reach[1], staff=True))

    # -- once a tick: heal, then alerts -------------------------------------------------------

    def heal(self, now: float) -> None:
        """An agent on a call that is not on the floor any more: the call is over for them."""
        for agent in list(self.agents.values()):
            if agent.status is not AgentStatus.ON_CALL:
                continue
            call = agent.call
            if call is not None and call.id in self.calls:
                continue
            reason = "no call on record" if call is None else f"call {call.id} is gone"
            log.warning("healed %s: on call with no call (%s)", agent.name, reason)
            self.heals.append(alerts.Heal(agent.name, "on call with no call", reason, now))
            known = call is not None and (
                not isinstance(call.kind, Outbound) or call.kind.campaign_id in self.campaigns
            )
            if call is not None and known:
                call.state = CallState.ENDED
                self.start_wrapup(agent, call, now)
            else:
                self.after_call(agent, now)
        self.heals = [h for h in self.heals if now - h.at <= alerts.HEALED_SHOWN]

    def facts(self, now: float) -> alerts.Facts:
        oldest: dict[str, float] = {}
        for call in self.calls.values():
            if call.agent is not None and call.state in RINGING:
                oldest[call.agent] = min(oldest.get(call.agent, now), call.started_at)
        agents = tuple(
            alerts.AgentFacts(
                a.name,
                str(a.status),
                a.since,
                a.phone,
                a.call is not None and (a.call.id in self.calls or a.call.state is CallState.ENDED),
                a.wrapup_until,
                oldest.get(a.name),
            )
            for a in self.agents.values()
        )
        queues = tuple(
            alerts.QueueFacts(name, self.queue_state(name, now)["longest_wait"], plan_sl)
            for name in self.acd.queues
            for plan_sl in [self.service_level(name)]
        )
        campaigns = []
        for c in self.campaigns.values():
            if c.status is not CampaignStatus.RUNNING:
                continue
            day, month = self.window(c.id).counts(now)
            campaigns.append(
                alerts.CampaignFacts(
                    c.id,
                    c.name,
                    c.settings.abandon_cap,
                    day.rate,
                    month.rate,
                    day.answered,
                    month.answered,
                )
            )
        return alerts.Facts(
            now,
            str(self.trunk),
            self.trunk_detail,
            agents,
            queues,
            tuple(campaigns),
            (*self.late_leads, *self.late_queue_callbacks(now)),
            tuple(self.heals),
            self.trunk_since,
        )

    def service_level(self, queue: str) -> float:
        plan = self.plan.queues.get(queue)
        return plan.service_level if plan is not None else 20.0

    def late_queue_callbacks(self, now: float) -> list[alerts.LateCallbacks]:
        """Queue callbacks due (their retry time passed) for long, and no agent on them."""
        late: dict[str, list[float]] = {}
        for entry in self.acd.waiting.values():
            if not entry.callback or entry.reserved is not None:
                continue
            due = max(entry.joined_at, entry.not_before or entry.joined_at)
            if now - due > alerts.CALLBACK_LATE:
                late.setdefault(entry.queue, []).append(due)
        return [
            alerts.LateCallbacks(len(dues), min(dues), queue=queue)
            for queue, dues in sorted(late.items())
        ]

    def check_alerts(self, now: float) -> None:
        """Once a tick: heal, then the alerts that changed (none without monitors)."""
        self.heal(now)
        if not self.setup.watch:
            return
        raised, cleared = self.tracker.update(alerts.evaluate(self.facts(now)))
        for alert in raised:
            self.staff("alert.raised", alert.to_wire(), self.alert_reach(alert))
        for alert in cleared:
            self.staff("alert.cleared", alert.to_wire(), self.alert_reach(alert))
