"""The automatic dialer on the floor: power lines per free agent, predictive and precise
pacing per campaign, within the trunk's line limit and its calls per second.

Power campaigns keep modes.decide: K lines reserved to each free agent. Paced
campaigns each have a Pacer (dialer/pacing.py): every pass builds the campaign's
Floor from the agents and lines here, asks how many lines to add, and takes that
many of its next leads for nobody in particular (the longest-idle free agent
takes whoever answers). A free agent is counted in one campaign only — the first
running one they work — so an agent of two campaigns never doubles the dialling.
"""

from __future__ import annotations

from typing import Any

from ccterm.daemon.floor.base import log
from ccterm.daemon.floor.calls import CallFlow
from ccterm.daemon.floor.effects import Hangup, Publish, Take
from ccterm.daemon.floor.state import RINGING, Agent, CallState, Lead
from ccterm.dialer import modes
from ccterm.dialer.pacing import Floor, Pacer, Policy
from ccterm.model import AgentStatus, Campaign, CampaignSettings, CampaignStatus, DialMode
from ccterm.sip.trunk import TrunkState

PACED = (DialMode.PREDICTIVE, DialMode.PRECISE)
SHOWN = (DialMode.POWER, *PACED)


def policy_for(settings: CampaignSettings) -> Policy:
    """The pacing a campaign asks for: a supervisor's ratio, precise, or predictive held to
    the campaign's abandon cap (a cap of 0 allows no abandon at all: progressive)."""
    if settings.ratio_override:
        return Policy("ratio", ratio=settings.ratio_override)
    cut = float(settings.cut_after)
    if settings.mode is DialMode.PRECISE:
        return Policy("precise", drop=cut)
    if settings.abandon_cap <= 0:
        return Policy("progressive")
    return Policy("predictive", target=settings.abandon_cap, drop=cut)


class Dialing(CallFlow):
    policies: dict[int, Policy]  # set by the simulator: a policy other than the settings'

    def new_pacer(self, campaign_id: int) -> Pacer:
        campaign = self.campaigns.get(campaign_id)
        s = campaign.settings if campaign is not None else CampaignSettings()
        old = self.pacers.get(campaign_id)
        pacer = Pacer(
            self.policy(campaign_id, s),
            ring_timeout=float(s.ring_timeout),
            safe_harbor=s.safe_harbor,
        )
        if old is not None:  # new shape (ring timeout, safe harbor): keep what was learnt
            pacer.model.teach(old.model)
        self.pacers[campaign_id] = pacer
        return pacer

    def policy(self, campaign_id: int, settings: CampaignSettings) -> Policy:
        return self.policies.get(campaign_id) or policy_for(settings)

    def pacer(self, campaign: Campaign) -> Pacer:
        """The campaign's pacer under its settings of now."""
        s = campaign.settings
        pacer = self.pacers.get(campaign.id)
        shape = (float(s.ring_timeout), s.safe_harbor)
        if pacer is None or (pacer.model.ring_timeout, pacer.safe_harbor) != shape:
            pacer = self.new_pacer(campaign.id)
        pacer.policy = self.policy(campaign.id, s)
        return pacer

    def running(self) -> list[Campaign]:
        return [
            c
            for c in self.campaigns.values()
            if c.status is CampaignStatus.RUNNING and c.settings.mode in SHOWN
        ]

    def held_for_inbound(self, agent: Agent) -> bool:
        """Inbound holds this agent back from outbound lines (queues.py says when)."""
        return False

    def counted_in(self, agent: Agent, running: set[int]) -> int | None:
        """The one campaign whose floor counts this agent (free, talking or wrapping)."""
        return next((c for c in agent.campaigns if c in running), None)

    # -- a pass ---------------------------------------------------------------------------------

    def pace(self, now: float) -> None:
        """Dial what the campaigns need now (the runner calls it when `pace_wanted`)."""
        self.pace_wanted = False
        if self.trunk is not TrunkState.UP:
            return
        running = self.running()
        self.power([c for c in running if c.settings.mode is DialMode.POWER], now)
        paced = [c for c in running if c.settings.mode in PACED and c.id not in self.exhausted]
        if paced:
            first = int(now) % len(paced)  # campaigns take turns at the first token
            for campaign in paced[first:] + paced[:first]:
                self.paced(campaign, {c.id for c in running}, now)

    def room(self, now: float) -> tuple[int, bool]:
        """Lines that may start now, and whether calls per second (not lines) set that."""
        lines = self.setup.max_lines - len(self.calls) - self.pending
        tokens = self.bucket.available(now)
        return max(0, min(lines, tokens)), tokens < lines

    def held(self, now: float) -> None:
        """More lines were wanted than calls per second allow: look again when they do."""
        self.timers.set(("rate", ""), max(self.bucket.next_at(now), now + 0.001))

    def paced(self, campaign: Campaign, running: set[int], now: float) -> None:
        room, by_rate = self.room(now)
        decision = self.pacer(campaign).decide(self.floor(campaign, running, now, room))
        self.decisions[campaign.id] = decision
        self.cut(campaign, decision.drop, now)
        dial = min(decision.dial, room)
        if dial > 0:
            self.take(campaign, dial, None, now)
        if by_rate and decision.dial >= room:  # it may want more than the rate lets it ask
            self.held(now)

    def take(self, campaign: Campaign, count: int, agent: str | None, now: float) -> None:
        self.pending += count
        self.bucket.take(now, count)
        self.emit(Take(campaign.id, count, agent, str(campaign.settings.mode)))

    def taken(
        self,
        campaign_id: int,
        agent: str | None,
        mode: str,
        leads: list[Lead],
        asked: int,
        now: float,
    ) -> None:
        """The store's answer to a Take: these leads (fewer: the list ran dry for now, and
        it is not asked again before the next tick; the tokens not used come back)."""
        self.pending = max(0, self.pending - asked)
        if len(leads) < asked:
            self.bucket.refund(asked - len(leads))
            self.exhausted.add(campaign_id)
        if campaign_id not in self.campaigns:
            return
        for lead in leads:
            self.originate(campaign_id, lead, agent, mode, now)
        live = self.agents.get(agent or "")
        if live is not None and leads:
            if live.status is AgentStatus.READY:
                self.set_status(live, AgentStatus.DIALING, now)
            else:
                self.agent_changed(live)

    def cut(self, campaign: Campaign, dialled_at: tuple[float, ...], now: float) -> None:
        """Hang up the ringing lines the pacer gave up on (named by when each was dialled):
        past the legal ring, with no agent free for their person."""
        wanted = list(dialled_at)
        for call in list(self.calls.values()):
            if not wanted:
                return
            if (
                call.campaign_id == campaign.id
                and call.state in RINGING
                and call.agent is None
                and not call.cut
                and call.started_at in wanted
            ):
                wanted.remove(call.started_at)
                call.cut = True
                log.info(
                    "call %s: cut after %.0f s ringing, no agent free",
                    call.id,
                    now - call.started_at,
                )
                self.emit(Hangup(call.id))

    def floor(self, campaign: Campaign, running: set[int], now: float, room: int) -> Floor:
        """The campaign's floor now, for its pacer; at most `room` more lines may start."""
        idle = 0
        talking: list[float] = []
        wrapping: list[float] = []
        for agent in self.agents.values():
            if self.counted_in(agent, running) != campaign.id or agent.pause_after_call:
                continue  # another campaign counts them, or busy now and paused after
            if agent.status is AgentStatus.READY and agent.call is None and self.phone_up(agent):
                idle += 1
            elif agent.status is AgentStatus.ON_CALL and agent.call is not None:
                talking.append(agent.call.connected_at or now)
            elif agent.status is AgentStatus.WRAPUP and agent.wrapup_since is not None:
                wrapping.append(agent.wrapup_since)
        ringing: list[float] = []
        screening = 0
        for c in self.calls.values():
            if c.campaign_id != campaign.id:
                continue
            if c.state in RINGING and c.agent is None and not c.cut:
                ringing.append(c.started_at)  # an agent's own dial waits for that agent
            elif c.state is CallState.SCREENING:
                screening += 1
        budget = self.window(campaign.id).tightest(campaign.settings.abandon_cap, now)
        lines = len(self.calls) + self.pending
        return Floor(
            now=now,
            idle=idle,
            talking=talking,
            wrapping=wrapping,
            ringing=ringing,
            waiting=sum(1 for c in self.waiting if c.campaign_id == campaign.id),
            screening=screening,
            lines_in_use=lines,
            max_lines=lines + room,
            answered=budget.answered,
            abandoned=budget.abandoned,
        )

    def power(self, power: list[Campaign], now: float) -> None:
        """Give free agents of power campaigns their lines, reserved to them."""
        power = [c for c in power if c.id not in self.exhausted]
        ids = {c.id for c in power}
        logged = [
            a
            for a in self.agents.values()
            if a.campaigns and self.phone_up(a) and not self.held_for_inbound(a)
        ]
        if not any(a.campaign in ids for a in logged):
            return
        room, by_rate = self.room(now)
        views = [
            modes.CampaignView(c.id, c.settings.mode, c.settings.dial_ratio, True) for c in power
        ]
        agents = [
            modes.AgentView(
                a.name,
                a.campaign if not a.pause_after_call else None,
                a.status,
                len(self.ringing(a.name)),
                a.since,
            )
            for a in logged
        ]
        busy = len(self.calls) + self.pending
        commands = modes.decide(
            views, agents, lines_in_use=busy, max_lines=busy + room, trunk_up=True
        )
        for command in commands:
            self.take(self.campaigns[command.campaign_id], 1, command.agent, now)
        if by_rate:  # lines wanted beyond what calls per second allow now: look again then
            lines = max(0, self.setup.max_lines - busy)
            wanted = modes.decide(views, agents, lines_in_use=0, max_lines=lines, trunk_up=True)
            if len(wanted) > len(commands):
                self.held(now)

    # -- what supervisors see -----------------------------------------------------------------

    def show(self, campaign: Campaign, now: float) -> dict[str, Any]:
        """The campaign's pacing now: the last decision (or power's lines), and both windows."""
        s = campaign.settings
        day, month = self.window(campaign.id).counts(now)
        pacing: dict[str, Any] | None = None
        running = campaign.status is CampaignStatus.RUNNING
        if running and s.mode in PACED and campaign.id in self.decisions:
            pacing = {**self.decisions[campaign.id].to_dict(), "override": s.ratio_override}
        elif running and s.mode is DialMode.POWER:
            pacing = self.power_view(campaign)
        return {
            "campaign_id": campaign.id,
            "campaign": campaign.name,
            "mode": str(s.mode),
            "at": now,
            "pacing": pacing,
            "abandons": {"cap": s.abandon_cap, "day": day.to_dict(), "month": month.to_dict()},
        }

    def power_view(self, campaign: Campaign) -> dict[str, Any]:
        idle = sum(1 for a in self.agents.values() if a.free() and campaign.id in a.campaigns)
        ringing = sum(
            1 for c in self.calls.values() if c.campaign_id == campaign.id and c.state in RINGING
        )
        k = modes.lines_per_agent(campaign.settings.dial_ratio)
        return {
            "policy": f"power:{k}",
            "lines_per_agent": k,
            "idle": idle,
            "ringing": ringing,
            "waiting": sum(1 for c in self.waiting if c.campaign_id == campaign.id),
        }

    def publish_pacing(self, now: float) -> None:
        for campaign in self.running():
            self.emit(Publish("campaign.pacing", self.show(campaign, now), campaign.id))
