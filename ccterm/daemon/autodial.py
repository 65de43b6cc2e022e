"""The automatic dialer in the daemon: power lines per free agent, predictive and precise pacing
per campaign, within the trunk's line limit and its calls per second.

Power campaigns keep modes.decide: K lines reserved to each free agent.
Predictive and precise campaigns each have a Pacer (dialer/pacing.py): every
pass builds the campaign's Floor from the live agents and lines, asks how many
lines to add, and dials that many of its next leads, reserved to nobody (the
longest-idle free agent takes whoever answers). The pacer is told everything
it learns from — a line stopped ringing, a talk or a wrap-up ended, an abandon
— and the abandon-rate windows (dialer/windows.py) give it the budget left.
Once a second every running automatic campaign's pacing is published as
`campaign.pacing` and kept for `ccterm campaign show`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ccterm.daemon.server import campaign_audience
from ccterm.dialer import modes
from ccterm.dialer.pacing import Decision, Floor, Model, Pacer, Policy
from ccterm.dialer.windows import MONTH, AbandonWindows
from ccterm.model import AgentStatus, Campaign, CampaignSettings, CampaignStatus, DialMode
from ccterm.sip.trunk import TrunkState
from ccterm.store import campaigns, dialing, history

if TYPE_CHECKING:
    from ccterm.daemon.center import Center, LiveCall

log = logging.getLogger(__name__)

RINGING = ("dialing", "ringing")  # a line's states before anybody answered
PACED = (DialMode.PREDICTIVE, DialMode.PRECISE)
SHOWN = (DialMode.POWER, *PACED)
PUBLISH_EVERY = 1.0  # seconds between two campaign.pacing events of a campaign


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


class AutoDialer:
    def __init__(self, center: Center) -> None:
        self.center = center
        self.pacers: dict[int, Pacer] = {}
        self._shapes: dict[int, tuple[float, float]] = {}  # (ring timeout, safe harbor)
        self.windows: dict[int, AbandonWindows] = {}
        self.decisions: dict[int, Decision] = {}  # the latest of each paced campaign
        self.retry_in: float | None = None  # seconds until calls per second allow more
        self._turn = 0
        self._publish_due = 0.0

    # -- what happened: the pacers learn it, the windows count it ---------------------------

    def _model(self, campaign: Campaign) -> Model:
        pacer = self.pacers.get(campaign.id)
        if pacer is None:
            pacer = self._new_pacer(campaign)
        return pacer.model

    def window(self, campaign_id: int) -> AbandonWindows:
        found = self.windows.get(campaign_id)
        if found is None:
            found = self.windows[campaign_id] = AbandonWindows()
        return found

    def resolved(self, call: LiveCall, *, human: bool) -> None:
        """The line stopped ringing: a person answered, or not (machine, busy, no answer...)."""
        if call.resolved:
            return
        call.resolved = True
        seconds = self.center.clock.now() - call.started_at
        self._model(call.campaign).resolved(seconds, human, cut=call.cut and not human)

    def talked(self, call: LiveCall, seconds: float) -> None:
        self._model(call.campaign).talked(seconds)

    def wrapped(self, campaign: Campaign, seconds: float) -> None:
        self._model(campaign).wrapped(seconds)

    def connected(self, call: LiveCall, at: float) -> None:
        self.window(call.campaign.id).connected(at)

    def abandoned(self, call: LiveCall, at: float) -> None:
        self.window(call.campaign.id).abandoned(at)

    # -- the start: windows and models from the database ----------------------------------

    async def load(self) -> None:
        store = self.center.store
        now = self.center.clock.now()
        for campaign in await campaigns.list_all(store):
            windows = self.window(campaign.id)
            for at, abandoned in await history.live_answers(store, campaign.id, now - MONTH):
                if abandoned:
                    windows.abandoned(at)
                else:
                    windows.connected(at)
            if campaign.status is not CampaignStatus.FINISHED:
                await self._warm(self._new_pacer(campaign), campaign.id)

    def _new_pacer(self, campaign: Campaign) -> Pacer:
        s = campaign.settings
        shape = (float(s.ring_timeout), s.safe_harbor)
        pacer = Pacer(policy_for(s), ring_timeout=shape[0], safe_harbor=shape[1])
        self.pacers[campaign.id] = pacer
        self._shapes[campaign.id] = shape
        return pacer

    async def _warm(self, pacer: Pacer, campaign_id: int) -> None:
        """Replay the campaign's last calls, so a restart does not pace blind for minutes."""
        model = pacer.model
        for past in await history.recent_calls(self.center.store, campaign_id, model.RESOLVED):
            model.resolved(past.ring, past.human, cut=past.cut)
            if past.talk is not None:
                model.talked(past.talk)
            if past.wrap is not None:
                model.wrapped(past.wrap)

    async def _pacer(self, campaign: Campaign) -> Pacer:
        """The campaign's pacer under its settings of now (ring timeout or safe harbor changed:
        a new one, taught the campaign's recent calls)."""
        s = campaign.settings
        pacer = self.pacers.get(campaign.id)
        if pacer is None or self._shapes.get(campaign.id) != (float(s.ring_timeout), s.safe_harbor):
            pacer = self._new_pacer(campaign)
            await self._warm(pacer, campaign.id)
        pacer.policy = policy_for(s)
        return pacer

    # -- dialling -----------------------------------------------------------------------------

    async def run_once(self) -> None:
        """One pass: dial what the campaigns need now; publish their pacing once a second."""
        center = self.center
        self.retry_in = None
        loop = asyncio.get_running_loop()
        publish = loop.time() >= self._publish_due
        if not publish and not any(a.campaign is not None for a in center.agents.values()):
            return
        running = [
            c
            for c in await campaigns.list_all(center.store)
            if c.status is CampaignStatus.RUNNING and c.settings.mode in SHOWN
        ]
        if center.trunk.state is TrunkState.UP:
            await self._power([c for c in running if c.settings.mode is DialMode.POWER])
            await self._paced([c for c in running if c.settings.mode in PACED])
        if publish:
            self._publish_due = loop.time() + PUBLISH_EVERY
            for campaign in running:
                center.publish("campaign.pacing", self.show(campaign), campaign_audience(campaign))

    def _room(self, now: float) -> tuple[int, bool]:
        """Lines that may start now, and whether calls per second (not lines) set that."""
        center = self.center
        lines = center.config.trunk.max_lines - len(center.calls)
        tokens = center.bucket.available(now)
        return max(0, min(lines, tokens)), tokens < lines

    def _held(self, now: float) -> None:
        self.retry_in = max(0.0, self.center.bucket.next_at(now) - now)

    async def _paced(self, paced: list[Campaign]) -> None:
        if not paced:
            return
        center = self.center
        first = self._turn % len(paced)  # campaigns take turns at the first token
        self._turn += 1
        for campaign in paced[first:] + paced[:first]:
            now = center.clock.now()
            room, by_rate = self._room(now)
            pacer = await self._pacer(campaign)
            decision = pacer.decide(self.floor(campaign, now, room))  # with no room: cuts only
            self.decisions[campaign.id] = decision
            self._cut(campaign, decision.drop)
            if room <= 0:
                if by_rate:
                    self._held(now)
                continue
            await self._dial(campaign, decision.dial)
            if decision.dial >= room and by_rate:
                self._held(center.clock.now())

    def _cut(self, campaign: Campaign, dialled_at: tuple[float, ...]) -> None:
        """Hang up the ringing lines the pacer gave up on (named by when each was dialled):
        past the legal ring, with no agent free for their person."""
        if not dialled_at:
            return
        wanted = list(dialled_at)
        for call in list(self.center.calls.values()):
            if (
                call.campaign.id == campaign.id
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
                    self.center.clock.now() - call.started_at,
                )
                self.center.trunk.hangup(call.id)

    async def _dial(self, campaign: Campaign, count: int) -> int:
        """Dial up to `count` of the campaign's next leads, for whoever is free at the answer."""
        center = self.center
        mode = str(campaign.settings.mode)
        for placed in range(count):
            taken = await dialing.take_next(
                center.store, campaign, agent=None, mode=mode, hours=center.hours
            )
            if taken is None:
                return placed
            center.originate(campaign, taken, None, mode)
            center.bucket.take(center.clock.now())
        return count

    def floor(self, campaign: Campaign, now: float, room: int) -> Floor:
        """The campaign's floor now, for its pacer; at most `room` more lines may start."""
        center = self.center
        idle = 0
        talking: list[float] = []
        wrapping: list[float] = []
        for agent in center.agents.values():
            if agent.campaign is None or agent.campaign.id != campaign.id:
                continue
            if agent.pause_after_call:  # busy now and paused after: not coming free
                continue
            if agent.status is AgentStatus.READY and agent.call is None:
                idle += 1
            elif agent.status is AgentStatus.ON_CALL and agent.call is not None:
                talking.append(agent.call.connected_at or now)
            elif agent.status is AgentStatus.WRAPUP and agent.wrapup_since is not None:
                wrapping.append(agent.wrapup_since)
        ringing = [  # lines for whoever is free (an agent's own dial waits for that agent)
            c.started_at
            for c in center.calls.values()
            if c.campaign.id == campaign.id and c.state in RINGING and c.agent is None and not c.cut
        ]
        budget = self.window(campaign.id).tightest(campaign.settings.abandon_cap, now)
        lines = len(center.calls)
        return Floor(
            now=now,
            idle=idle,
            talking=talking,
            wrapping=wrapping,
            ringing=ringing,
            waiting=center.harbor.count(campaign.id),
            lines_in_use=lines,
            max_lines=lines + room,
            answered=budget.answered,
            abandoned=budget.abandoned,
        )

    async def _power(self, power: list[Campaign]) -> None:
        """Give free agents of power campaigns their lines, reserved to them."""
        center = self.center
        ids = {c.id for c in power}
        logged = [a for a in center.agents.values() if a.campaign is not None]
        if not any(a.campaign is not None and a.campaign.id in ids for a in logged):
            return
        now = center.clock.now()
        room, by_rate = self._room(now)
        commands = modes.decide(
            [modes.CampaignView(c.id, c.settings.mode, c.settings.dial_ratio, True) for c in power],
            [
                modes.AgentView(
                    a.name,
                    a.campaign.id if a.campaign else None,
                    a.status,
                    center.lines(a.name),
                    a.since,
                )
                for a in logged
            ],
            lines_in_use=len(center.calls),
            max_lines=len(center.calls) + room,
            trunk_up=True,
        )
        if commands and len(commands) >= room and by_rate:
            self._held(now)
        exhausted: set[int] = set()
        for command in commands:
            agent = center.agents[command.agent]
            if command.campaign_id in exhausted or agent.campaign is None:
                continue
            campaign = await center.current_campaign(agent)
            if campaign.settings.mode is not DialMode.POWER:
                continue
            mode = str(campaign.settings.mode)
            taken = await dialing.take_next(
                center.store, campaign, agent=agent.name, mode=mode, hours=center.hours
            )
            if taken is None:
                exhausted.add(command.campaign_id)
                continue
            center.originate(campaign, taken, agent.name, mode)
            center.bucket.take(center.clock.now())
            if agent.status is AgentStatus.READY:
                center.set_status(agent, AgentStatus.DIALING)
            else:
                center.agent_changed(agent)

    # -- what supervisors see -------------------------------------------------------------

    def show(self, campaign: Campaign) -> dict[str, Any]:
        """The campaign's pacing now: the last decision (or power's lines), and both windows."""
        now = self.center.clock.now()
        s = campaign.settings
        day, month = self.window(campaign.id).counts(now)
        pacing: dict[str, Any] | None = None
        running = campaign.status is CampaignStatus.RUNNING
        if running and s.mode in PACED and campaign.id in self.decisions:
            decision = self.decisions[campaign.id]
            pacing = {**decision.to_dict(), "override": s.ratio_override}
        elif running and s.mode is DialMode.POWER:
            pacing = self._power_view(campaign)
        return {
            "campaign_id": campaign.id,
            "campaign": campaign.name,
            "mode": str(s.mode),
            "at": now,
            "pacing": pacing,
            "abandons": {"cap": s.abandon_cap, "day": day.to_dict(), "month": month.to_dict()},
        }

    def _power_view(self, campaign: Campaign) -> dict[str, Any]:
        center = self.center
        idle = sum(
            1
            for a in center.agents.values()
            if a.campaign is not None
            and a.campaign.id == campaign.id
            and a.status in (AgentStatus.READY, AgentStatus.DIALING)
            and a.call is None
            and not a.pause_after_call
        )
        ringing = sum(
            1 for c in center.calls.values() if c.campaign.id == campaign.id and c.state in RINGING
        )
        k = modes.lines_per_agent(campaign.settings.dial_ratio)
        return {
            "policy": f"power:{k}",
            "lines_per_agent": k,
            "idle": idle,
            "ringing": ringing,
            "waiting": center.harbor.count(campaign.id),
        }
