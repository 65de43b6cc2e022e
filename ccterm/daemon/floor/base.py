"""The floor core's shared ground: its state, the effect buffer, and the moves every part makes.

Each entry point (agents.py, calls.py, dialing.py) takes `now`, changes the state
and appends effects to `self.out`; `FloorCore.drain()` hands them to the runner
in order. Nothing here awaits, reads a clock or touches a socket.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any

from ccterm.daemon.floor.effects import (
    Bridge,
    Dispose,
    Effect,
    MarkConnected,
    Publish,
    ReleasePhone,
    Ringback,
    Unbridge,
)
from ccterm.daemon.floor.state import RINGING, Agent, Call, CallState, Outbound, Timers
from ccterm.dialer.forecast import Model
from ccterm.dialer.pacing import Decision, Pacer
from ccterm.dialer.throttle import TokenBucket
from ccterm.dialer.windows import AbandonWindows
from ccterm.model import AgentStatus, Campaign, Disposition
from ccterm.sip.trunk import TrunkState

log = logging.getLogger("ccterm.daemon.floor")

GONE_AFTER = 10.0  # seconds without a client before an agent counts as gone
HARBOR_MARGIN = 0.1  # the abandon message starts within the safe harbor: room for the commit
NO_MESSAGE_HOLD = 8.0  # seconds a line without audio is held for the abandon message
TICK = 1.0  # seconds between two passes of the clock's work and the pacing display


@dataclass(frozen=True, slots=True)
class Setup:
    """What the floor is told once: the trunk's shape and the daemon's defaults."""

    audio: bool  # the trunk carries audio: agents have phone legs, messages play
    max_lines: int
    calls_per_second: float
    caller_id: str = ""
    run: str = ""  # this run's mark in call ids that outlive it (inbound records)
    amd_seconds: float = 0.0  # a machine's line is held this long before the hang-up
    burst: float = 1.0  # calls that may start in the same instant
    watch: bool = True  # publish call.changed and alerts for wallboards (not in simulations)


class FloorBase:
    def __init__(self, setup: Setup, now: float) -> None:
        self.setup = setup
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.campaigns: dict[int, Campaign] = {}
        self.holds: dict[int, float] = {}  # campaign id -> seconds its message holds a line
        self.waiting: list[Call] = []  # the safe harbor, first answered first
        self.timers = Timers()
        self.trunk = TrunkState.DOWN
        self.trunk_since = now  # when it took that state: the trunk alert waits a grace
        self.out: list[Effect] = []
        self.pacers: dict[int, Pacer] = {}
        self.windows: dict[int, AbandonWindows] = {}
        self.decisions: dict[int, Decision] = {}
        self.bucket = TokenBucket(setup.calls_per_second, setup.burst)
        self.pace_wanted = True
        self.pending = 0  # lines asked of the store (Take) and not back yet
        self.exhausted: set[int] = set()  # campaigns whose list ran dry, until the next tick
        self._ids = itertools.count(1)
        self.timers.set(("tick", ""), now)

    # -- plumbing ------------------------------------------------------------------------

    def emit(self, *effects: Effect) -> None:
        self.out.extend(effects)

    def wake(self) -> None:
        """Dial decisions before the next quiet moment (an agent or a line freed)."""
        self.pace_wanted = True

    def next_call_id(self, suffix: str) -> str:
        return f"c{next(self._ids)}-{suffix}"

    def model(self, campaign_id: int) -> Model:
        pacer = self.pacers.get(campaign_id)
        if pacer is None:
            pacer = self.new_pacer(campaign_id)
        return pacer.model

    def campaign_changed(self, campaign: Campaign) -> None:
        """A campaign as the store has it now: its agents' screens follow a new status."""
        old = self.campaigns.get(campaign.id)
        self.campaigns[campaign.id] = campaign
        if old is not None and old.status is not campaign.status:
            for agent in self.agents.values():
                if campaign.id in agent.campaigns:
                    self.agent_changed(agent)
        if old != campaign:
            self.wake()

    def new_pacer(self, campaign_id: int) -> Pacer:
        raise NotImplementedError  # dialing.py

    def window(self, campaign_id: int) -> AbandonWindows:
        found = self.windows.get(campaign_id)
        if found is None:
            found = self.windows[campaign_id] = AbandonWindows()
        return found

    # -- reading ---------------------------------------------------------------------------

    def ringing(self, agent: str) -> list[Call]:
        """Calls dialling for this agent that no one has answered yet."""
        return [c for c in self.calls.values() if c.agent == agent and c.state in RINGING]

    def phone_up(self, agent: Agent) -> bool:
        return not self.setup.audio or agent.phone == "up"

    def wire(self, agent: Agent) -> dict[str, Any]:
        """What the agent's screen shows (the wire's agent object)."""
        ringing = self.ringing(agent.name)
        campaign = self.campaigns.get(agent.campaign) if agent.campaign is not None else None
        call = agent.call or (ringing[0] if ringing else None)
        return {
            "name": agent.name,
            "group": agent.group,
            "status": str(agent.status),
            "since": agent.since,
            "pause_reason": agent.pause_reason,
            "pause_after_call": agent.pause_after_call,
            "campaign": None
            if campaign is None
            else {
                "id": campaign.id,
                "name": campaign.name,
                "mode": str(campaign.settings.mode),
                "status": str(campaign.status),
            },
            "call": None if call is None else call.to_wire(),
            "queues": list(agent.queues),
            "wrapup_until": agent.wrapup_until,
            "lines": len(ringing),
            "phone": agent.phone,
            "connected": agent.clients > 0,
        }

    def gone_pending(self, agent: Agent) -> bool:
        return ("gone", agent.name) in self.timers.due

    # -- moves every part makes ------------------------------------------------------------

    def agent_changed(self, agent: Agent) -> None:
        self.emit(Publish("agent.changed", self.wire(agent), agent=agent.name))

    def set_status(
        self, agent: Agent, status: AgentStatus, now: float, *, reason: str = ""
    ) -> None:
        if status is AgentStatus.READY and self.serve_waiting(agent, now):
            return
        agent.status = status
        agent.since = now
        agent.pause_reason = reason if status is AgentStatus.PAUSED else ""
        self.agent_changed(agent)
        if status is AgentStatus.READY:
            self.wake()

    def serve_waiting(self, agent: Agent, now: float) -> bool:
        """An agent became free: the person waiting longest in its campaigns is theirs."""
        if not self.phone_up(agent):
            return False
        call = next((c for c in self.waiting if c.campaign_id in agent.campaigns), None)
        if call is None:
            return False
        log.info("agent %s takes call %s, waiting since its answer", agent.name, call.id)
        self.waiting.remove(call)
        self.timers.cancel(("harbor", call.id))
        self.claim(call, agent, now)
        self.connected(call, agent)
        self.wake()
        return True

    def claim(self, call: Call, agent: Agent, now: float) -> None:
        """Give the call to the agent, so nothing else takes either."""
        call.agent = agent.name
        call.state = CallState.CONNECTED
        call.connected_at = now
        agent.call = call
        agent.status = AgentStatus.ON_CALL
        agent.since = now
        agent.pause_reason = ""
        for other in self.calls.values():  # this agent's other lines go to anyone free
            if other is not call and other.agent == agent.name and other.state in RINGING:
                other.agent = None
                self.end_early(other, agent.name)

    def connected(self, call: Call, agent: Agent) -> None:
        """Audio first (the person hears the agent at once), then the commit, then the news."""
        assert call.connected_at is not None
        lead = call.outbound.lead
        if call.early:  # agent first: the line is theirs already; the ringing stops
            call.early = False
            self.emit(Ringback(agent.name, on=False))
        self.emit(
            Bridge(call.id, agent.name, lead.attempt_id),
            MarkConnected(lead.attempt_id, call.connected_at, agent.name, call.answered_at),
        )
        self.window(call.outbound.campaign_id).connected(call.connected_at)
        self.agent_changed(agent)

    def callback_dropped(self, agent: Agent) -> None:
        """A queue callback held for the agent goes (callbacks.py)."""

    def release_reserved(self, agent: Agent) -> None:
        """The agent will not take their ringing lines: whoever is free takes them (and a
        queue callback held for them goes back, or is hung up if it rings)."""
        self.callback_dropped(agent)
        for call in self.calls.values():
            if call.agent == agent.name and call.state is not CallState.CONNECTED:
                call.agent = None
                self.end_early(call, agent.name)

    def agent_hangs_up(self, call: Call) -> None:
        """The agent ends the call (queues.py notes it for an inbound call's record)."""

    def end_early(self, call: Call, agent: str) -> None:
        """Agent first no more (answered, ended, or the agent is not taking it)."""
        if call.early:
            call.early = False
            self.emit(Ringback(agent, on=False))
            if call.state is not CallState.CONNECTED:
                self.emit(Unbridge(call.id))

    # -- wrap-up's end, shared by dispositions, timers and a vanished client -----------------

    def wrapup_default(self, agent: Agent, now: float) -> Disposition | None:
        """A connected call its agent left undisposed: the campaign's wrap-up default, which
        never says the person was not reached; a callback already booked stays."""
        call = agent.call
        if call is None:
            return None
        self.timers.cancel(("wrapup", agent.name))
        if not isinstance(call.kind, Outbound):
            return None  # an inbound call's record is complete without a disposition
        out = call.kind
        campaign = self.campaigns[out.campaign_id]
        code = Disposition(campaign.settings.wrapup_default)
        log.info(
            "agent %s: no disposition for lead %s, default %s", agent.name, out.lead.lead_id, code
        )
        self.emit(
            Dispose(
                out.campaign_id,
                out.lead.lead_id,
                code,
                actor=agent.name,
                attempt_id=out.lead.attempt_id,
                attempts=out.lead.attempts,
                at=now,
                keep_callback=True,
            )
        )
        return code

    def wrapup_over(self, agent: Agent, now: float) -> None:
        """Wrap-up ended (a disposition, its time ran out, the agent left): the pacer learns."""
        if agent.wrapup_since is not None and agent.call is not None:
            campaign_id = agent.call.campaign_id
            if campaign_id is not None:
                self.model(campaign_id).wrapped(now - agent.wrapup_since)
        agent.wrapup_since = None

    def after_call(self, agent: Agent, now: float) -> None:
        if agent.wrapup_since is None:  # no call was talked: idle from now
            agent.idle_since = now  # (after a talk, from its end: start_wrapup)
        self.wrapup_over(agent, now)
        agent.call = None
        agent.wrapup_until = None
        if agent.clients == 0 and not self.gone_pending(agent):
            agent.campaigns = ()
            agent.pause_after_call = False  # back later: a new start, not this call's pause
            self.set_status(agent, AgentStatus.OFFLINE, now)
            if self.setup.audio:
                agent.phone = "down"
                self.emit(ReleasePhone(agent.name))
        elif agent.pause_after_call:
            agent.pause_after_call = False
            reason = agent.pause_reason
            if agent.waiting_for_phone:
                reason = f"your phone is {agent.phone}: press r to be called again"
            self.set_status(agent, AgentStatus.PAUSED, now, reason=reason)
        else:
            self.set_status(agent, AgentStatus.READY, now)
