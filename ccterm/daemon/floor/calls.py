"""Calls on the floor: dialled, ringing, answered (by a person, a machine, or nobody),
waiting in the safe harbor, abandoned, connected, ended.

The safe harbor (FCC/FTC, Ofcom): a person who answered when no agent was free
waits up to the campaign's `safe_harbor` (at most 2 s), first answered first
served; an agent who frees in that time takes them. Otherwise the abandon is
committed and counted, the campaign's message plays and the line hangs up after
it; the call is then disposed ABANDONED, which rests the number in every campaign.
"""

from __future__ import annotations

from ccterm.daemon.floor.agents import AgentMoves
from ccterm.daemon.floor.base import HARBOR_MARGIN, NO_MESSAGE_HOLD, log
from ccterm.daemon.floor.effects import (
    Abandoned,
    Bridge,
    Dispose,
    FinishAttempt,
    Hangup,
    MarkAbandoned,
    MarkAnswered,
    Originate,
    Publish,
    Ringback,
    Unbridge,
)
from ccterm.daemon.floor.state import BUSY, RINGING, Agent, Call, CallState, Lead, Outbound
from ccterm.dialer.dispositions import for_outcome
from ccterm.errors import Conflict
from ccterm.model import AgentStatus, CampaignStatus, DialMode, DialOrder, Disposition
from ccterm.sip.trunk import Outcome, TrunkState


class CallFlow(AgentMoves):
    # -- dialling -----------------------------------------------------------------------------

    def may_dial(self, name: str) -> int:
        """An agent's own dial (preview) may go ahead: their campaign's id, else Conflict."""
        agent = self.logged_in(name)
        if agent.status in BUSY:
            raise Conflict("you are on a call already", "hang up (h) or dispose of it first")
        campaign = self.campaigns[agent.campaigns[0]]
        if campaign.status is not CampaignStatus.RUNNING:
            raise Conflict(f"'{campaign.name}' is {campaign.status}: it does not dial now")
        if self.trunk is not TrunkState.UP:
            raise Conflict(f"the trunk is {self.trunk}", "calls resume when it is up")
        return campaign.id

    def dialled(self, name: str, lead: Lead, now: float) -> Call:
        """The agent's own choice, taken from the store: dialled now."""
        agent = self.logged_in(name)
        call = self.originate(agent.campaigns[0], lead, name, "manual", now)
        self.bucket.take(now)  # an agent's dial is never refused: on credit
        self.set_status(agent, AgentStatus.DIALING, now)
        return call

    def originate(
        self, campaign_id: int, lead: Lead, agent: str | None, mode: str, now: float
    ) -> Call:
        campaign = self.campaigns[campaign_id]
        s = campaign.settings
        call = Call(self.next_call_id(str(lead.attempt_id)), Outbound(campaign_id, lead), mode, now)
        call.agent = agent
        self.calls[call.id] = call
        caller_id = s.caller_id or self.setup.caller_id
        self.emit(Originate(call.id, lead.e164, caller_id, float(s.ring_timeout)))
        early = (
            agent is not None
            and s.dial_order is DialOrder.AGENT_FIRST
            and s.mode is not DialMode.PREDICTIVE
        )
        if early:  # agent first: the agent hears it ring, and the first hello
            assert agent is not None
            call.early = True
            self.emit(Bridge(call.id, agent, lead.attempt_id, early=True))
        lead_data = {"id": lead.lead_id, "state": "dialing", "attempts": lead.attempts}
        self.emit(
            Publish("lead.changed", {"campaign_id": campaign_id, "lead": lead_data}, campaign_id)
        )
        return call

    def hangup(self, name: str) -> list[str]:
        agent = self.logged_in(name)
        mine = [
            c.id
            for c in self.calls.values()
            if c.agent == agent.name and c.state is not CallState.ENDED
        ]
        if not mine:
            raise Conflict("there is no call to hang up")
        for call_id in mine:
            self.agent_hangs_up(self.calls[call_id])
        self.emit(*(Hangup(call_id) for call_id in mine))
        return mine

    # -- what the trunk reports ----------------------------------------------------------------

    def call_ringing(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is not None and call.state is CallState.DIALING:
            call.state = CallState.RINGING
            if call.early and call.agent is not None:
                self.emit(Ringback(call.agent, on=True))
            self.call_changed(call)

    def call_changed(self, call: Call) -> None:
        agent = self.agents.get(call.agent or "")
        if agent is not None:
            self.agent_changed(agent)

    def resolved(self, call: Call, now: float, *, human: bool) -> None:
        """The line stopped ringing: the pacer learns how, once."""
        if call.resolved or call.campaign_id is None:
            return
        call.resolved = True
        cut = call.cut and not human
        self.model(call.campaign_id).resolved(now - call.started_at, human, cut=cut)

    def call_answered(self, call_id: str, machine: bool, now: float) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state not in RINGING:
            return
        call.answered_at = now
        self.resolved(call, now, human=not machine)
        self.wake()
        lead = call.outbound.lead
        if machine:  # the dialer leaves no message yet: hang up, retry later
            call.machine = True
            self.end_early(call, call.agent or "")
            self.emit(MarkAnswered(lead.attempt_id, now))
            if self.setup.amd_seconds > 0:
                call.state = CallState.SCREENING
                self.timers.set(("hangup", call.id), now + self.setup.amd_seconds)
            else:
                call.state = CallState.MACHINE
                self.emit(Hangup(call.id))
            return
        if call.cut:  # a person answered as we hung up: they heard nobody
            log.info("call %s: answered as it was cut; counted as abandoned", call.id)
            call.state = CallState.WAITING
            self.emit(MarkAnswered(lead.attempt_id, now))
            self.abandon(call, now, hung_up=True)
            return
        agent = self.agent_for(call)
        if agent is None:
            self.hold(call, now)  # from now on, an agent who frees takes this person
            self.emit(MarkAnswered(lead.attempt_id, now))
            return
        self.claim(call, agent, now)
        self.connected(call, agent)  # answered and connected: one commit

    def agent_for(self, call: Call) -> Agent | None:
        """The reserved agent if still free, else the longest-idle free agent of the campaign."""

        def free(a: Agent) -> bool:
            return a.free() and call.campaign_id in a.campaigns and self.phone_up(a)

        reserved = self.agents.get(call.agent or "")
        if reserved is not None and free(reserved):
            return reserved
        candidates = sorted((a for a in self.agents.values() if free(a)), key=lambda a: a.since)
        return candidates[0] if candidates else None

    # -- the safe harbor ------------------------------------------------------------------------

    def hold(self, call: Call, now: float) -> None:
        call.state = CallState.WAITING
        call.agent = None  # whoever frees first, not an agent's own hang-up, ends the wait
        self.waiting.append(call)
        harbor = self.campaigns[call.outbound.campaign_id].settings.safe_harbor
        self.timers.set(("harbor", call.id), now + max(0.0, harbor - HARBOR_MARGIN))
        log.info("call %s: answered, no agent free; waits up to %.1f s", call.id, harbor)

    def harbor_over(self, call: Call, now: float) -> None:
        if call.state is CallState.WAITING:
            self.abandon(call, now, hung_up=False)

    def abandon(self, call: Call, now: float, *, hung_up: bool) -> None:
        """No agent for the person who answered: committed, counted, then the message."""
        if call in self.waiting:
            self.waiting.remove(call)
        self.timers.cancel(("harbor", call.id))
        call.state = CallState.ABANDONED
        out = call.outbound
        self.emit(MarkAbandoned(out.lead.attempt_id, now))
        self.window(out.campaign_id).abandoned(now)
        self.wake()
        play = not hung_up and call.id in self.calls
        hold = 0.0
        if play and not self.setup.audio:  # no audio: the line is held for the message's length
            hold = self.holds.get(out.campaign_id, NO_MESSAGE_HOLD)
            self.timers.set(("hangup", call.id), now + hold)
        self.emit(Abandoned(call.id, out.campaign_id, out.lead, call.answered_at, now, play, hold))

    # -- the end ---------------------------------------------------------------------------------

    def call_ended(
        self, call_id: str, outcome: Outcome, code: int | None, now: float, *, crossed: bool = False
    ) -> None:
        """The line is over. `crossed`: it was answered as we hung it up (a 200 crossing our
        CANCEL): whoever picked up heard nobody, so it counts as an abandon — the safe side."""
        call = self.calls.pop(call_id, None)
        if call is None:
            return
        self.timers.cancel(("harbor", call.id))
        self.timers.cancel(("hangup", call.id))
        if call.early and call.agent is not None:
            call.early = False
            self.emit(Ringback(call.agent, on=False))
        self.emit(Unbridge(call.id))
        self.wake()
        if call.state in RINGING and crossed and isinstance(call.kind, Outbound):
            log.info("call %s: answered as we hung up; counted as abandoned", call.id)
            call.answered_at = now
            self.resolved(call, now, human=True)
            self.emit(MarkAnswered(call.outbound.lead.attempt_id, now))
            self.abandon(call, now, hung_up=True)
        elif call.state in RINGING:
            self.resolved(call, now, human=False)
        elif call.state is CallState.WAITING:  # hung up before an agent was free: abandoned too
            self.abandon(call, now, hung_up=True)
            log.info("call %s: hung up while waiting for an agent; abandoned", call.id)
        out = call.outbound
        self.emit(FinishAttempt(out.lead.attempt_id, outcome, code, call.answered_at, now))
        agent = self.agents.get(call.agent or "")
        if call.state is CallState.CONNECTED and agent is not None and agent.call is call:
            call.state = CallState.ENDED
            if call.connected_at is not None:
                self.model(out.campaign_id).talked(now - call.connected_at)
            self.start_wrapup(agent, call, now)
            return
        if call.state is CallState.ABANDONED:
            disposition = Disposition.ABANDONED
        else:
            disposition = for_outcome(outcome, machine=call.machine)
        self.emit(
            Dispose(
                out.campaign_id,
                out.lead.lead_id,
                disposition,
                actor="dialer",
                attempt_id=out.lead.attempt_id,
                attempts=out.lead.attempts,
                at=now,
            )
        )
        if (
            agent is not None
            and agent.status is AgentStatus.DIALING
            and not self.ringing(agent.name)
        ):
            self.after_call(agent, now)
