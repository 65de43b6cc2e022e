"""Agents on the floor: log-in and out, ready and pause, their phones, a vanished client,
wrap-up and dispositions. Requests check here and raise Conflict before changing anything."""

from __future__ import annotations

from ccterm.daemon.floor.base import GONE_AFTER, FloorBase, log
from ccterm.daemon.floor.effects import Dispose, Hangup, ReleasePhone, RingPhone
from ccterm.daemon.floor.state import BUSY, Agent, Call, CallState, Outbound
from ccterm.errors import Conflict
from ccterm.model import AgentStatus, Campaign, Disposition

INBOUND_WRAPUP = 30.0  # seconds of wrap-up after an inbound call, for an inbound-only agent


class AgentMoves(FloorBase):
    def queues_of(self, group: str) -> tuple[str, ...]:
        """The inbound queues an agent of `group` serves (queues.py knows the plan)."""
        return ()

    def agent(self, name: str, group: str) -> Agent:
        live = self.agents.get(name)
        if live is None:
            phone = "down" if self.setup.audio else "simulated"
            live = self.agents[name] = Agent(name, group, phone)
        live.group = group  # moved to another group in config.toml: whose they are now
        return live

    def logged_in(self, name: str) -> Agent:
        agent = self.agents.get(name)
        if agent is None or agent.status is AgentStatus.OFFLINE:
            raise Conflict("you are not logged in", "log in first (agent.login)")
        if not agent.campaigns and not agent.queues:
            raise Conflict("you are not logged in to a campaign", "log in first (agent.login)")
        return agent

    def login(
        self, name: str, group: str, campaign: Campaign | None, now: float, *, new_client: bool
    ) -> Agent:
        """A desk logs in to a campaign, or (None) to its group's inbound queues only
        (the runner checked the agent may see it). The group's queues come either way."""
        agent = self.agent(name, group)
        queues = self.queues_of(group)
        if campaign is None and not queues:
            raise Conflict(
                f"group '{group or '(none)'}' serves no inbound queue",
                "log in to a campaign, or ask an admin to add the group to a [queues] table",
            )
        self.timers.cancel(("gone", name))
        if new_client:
            agent.clients += 1
        if campaign is not None:
            self.campaign_changed(campaign)
        current = agent.campaign
        wanted = campaign.id if campaign is not None else None
        if agent.status in BUSY and current != wanted:
            where = f"'{self.campaigns[current].name}'" if current is not None else "a call"
            raise Conflict(f"you are busy in {where}", "finish the call first, then switch")
        switched = current != wanted and agent.status is not AgentStatus.OFFLINE
        agent.campaigns = (campaign.id,) if campaign is not None else ()
        agent.queues = queues
        if agent.status is AgentStatus.OFFLINE:
            agent.idle_since = now
        if switched and agent.status is AgentStatus.PAUSED and not agent.waiting_for_phone:
            agent.pause_reason = ""  # why they paused was about the other campaign's work
        if agent.status is AgentStatus.OFFLINE:
            self.set_status(agent, AgentStatus.READY, now)  # logging in makes them available
            self.ring_phone(agent, now)  # ... once their phone answers, when it has audio
        else:
            self.agent_changed(agent)  # a reconnect: same state as before
        where = campaign.name if campaign is not None else "inbound only"
        log.info("agent %s logged in to %s, queues %s (%s)", name, where, queues, agent.status)
        return agent

    def logout(self, name: str, now: float) -> Agent:
        agent = self.agents.get(name)
        if agent is None:
            raise Conflict("you are not logged in to a campaign")
        if agent.status in BUSY:
            raise Conflict("finish the call and its disposition first")
        agent.campaigns = ()
        self.set_status(agent, AgentStatus.OFFLINE, now)
        self.release_phone(agent)
        return agent

    def ready(self, name: str, now: float) -> Agent:
        agent = self.logged_in(name)
        inbound = agent.call is not None and not isinstance(agent.call.kind, Outbound)
        if agent.status is AgentStatus.WRAPUP and inbound:  # nothing to dispose: done
            self.timers.cancel(("wrapup", agent.name))
            agent.pause_after_call = False
            self.after_call(agent, now)
        elif agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP):
            agent.pause_after_call = False
            self.agent_changed(agent)
        elif agent.status is AgentStatus.PAUSED:
            if not self.phone_up(agent):
                raise Conflict(f"your phone is {agent.phone}", "press r to have it called")
            self.set_status(agent, AgentStatus.READY, now)
        return agent

    def pause(self, name: str, reason: str, now: float) -> Agent:
        agent = self.logged_in(name)
        if agent.status is AgentStatus.DIALING:  # their lines go to whoever is free
            self.release_reserved(agent)
            self.set_status(agent, AgentStatus.PAUSED, now, reason=reason)
        elif agent.status in BUSY:
            agent.pause_after_call = True  # the call in hand finishes first
            agent.pause_reason = reason  # shown once the pause begins
            self.release_reserved(agent)
            self.agent_changed(agent)
        elif agent.status is AgentStatus.READY:
            self.set_status(agent, AgentStatus.PAUSED, now, reason=reason)
        return agent

    # -- phones -----------------------------------------------------------------------------

    def call_my_phone(self, name: str, now: float) -> Agent:
        agent = self.logged_in(name)
        if not self.setup.audio:
            raise Conflict("the simulated trunk has no phones to call")
        if agent.phone == "up":
            raise Conflict("your phone is connected already")
        self.ring_phone(agent, now)
        return agent

    def ring_phone(self, agent: Agent, now: float) -> None:
        """Ring the agent's phone (log-in, or the agent asked); the agent waits paused."""
        if not self.setup.audio or agent.phone == "up":
            return
        self.emit(RingPhone(agent.name))
        agent.phone = "ringing"
        self.pause_for_phone(agent, "calling your phone: answer it to start", now)

    def release_phone(self, agent: Agent) -> None:
        if self.setup.audio:
            agent.phone = "down"
            self.emit(ReleasePhone(agent.name))

    def pause_for_phone(self, agent: Agent, reason: str, now: float) -> None:
        """No phone leg: the agent cannot take a customer, so the dialer must not count them."""
        agent.waiting_for_phone = True
        if agent.status in (AgentStatus.READY, AgentStatus.PAUSED, AgentStatus.DIALING):
            if agent.status is AgentStatus.DIALING:
                self.release_reserved(agent)
            self.set_status(agent, AgentStatus.PAUSED, now, reason=reason)
        else:
            agent.pause_after_call = True
            agent.pause_reason = reason
            self.agent_changed(agent)

    def phone_answered(self, name: str, now: float) -> None:
        """The agent's phone answered: available, if it was only the phone we waited for."""
        agent = self.agents.get(name)
        if agent is None:
            return
        agent.phone = "up"
        if agent.waiting_for_phone and agent.status is AgentStatus.PAUSED:
            agent.waiting_for_phone = False
            self.set_status(agent, AgentStatus.READY, now)
        else:
            agent.waiting_for_phone = False
            self.agent_changed(agent)

    def phone_lost(self, name: str, phone: str, reason: str, now: float) -> None:
        """The phone leg ended or could not be placed: a customer on it is hung up."""
        agent = self.agents.get(name)
        if agent is None or agent.status is AgentStatus.OFFLINE:
            return
        call = agent.call
        if call is not None and call.state is CallState.CONNECTED:
            self.agent_hangs_up(call)
            self.emit(Hangup(call.id))  # the agent put the handset down: the call is over
        agent.phone = phone
        log.info("agent %s: phone %s", name, phone)
        self.pause_for_phone(agent, reason, now)

    def trunk_back(self, now: float) -> None:
        """The trunk is up again: ring every logged-in agent whose phone is down."""
        for agent in list(self.agents.values()):
            down = agent.phone not in ("up", "ringing")
            if agent.status is not AgentStatus.OFFLINE and agent.waiting_for_phone and down:
                self.ring_phone(agent, now)

    # -- clients that vanish ------------------------------------------------------------------

    def client_closed(self, name: str, now: float) -> None:
        agent = self.agents.get(name)
        if agent is None:
            return
        agent.clients = max(0, agent.clients - 1)
        if agent.clients or agent.status is AgentStatus.OFFLINE:
            return
        self.timers.set(("gone", name), now + GONE_AFTER)
        self.agent_changed(agent)

    def gone(self, agent: Agent, now: float) -> None:
        """No client for GONE_AFTER seconds: logged out, but a customer on the line stays."""
        if agent.clients:
            return
        log.info("agent %s is gone (%s)", agent.name, agent.status)
        self.release_reserved(agent)  # a ringing line is for whoever is free when it answers
        if agent.status is AgentStatus.ON_CALL:
            agent.pause_after_call = True  # the call goes on; wrap-up will close it
            self.agent_changed(agent)
            return
        if agent.status is AgentStatus.WRAPUP:
            self.wrapup_default(agent, now)
            self.wrapup_over(agent, now)
            agent.call = None
            agent.wrapup_until = None
        agent.pause_after_call = False
        agent.campaigns = ()
        self.set_status(agent, AgentStatus.OFFLINE, now)
        self.release_phone(agent)

    # -- wrap-up ------------------------------------------------------------------------------

    def start_wrapup(self, agent: Agent, call: Call, now: float) -> None:
        seconds: float
        if isinstance(call.kind, Outbound):
            seconds = self.campaigns[call.kind.campaign_id].settings.wrapup_seconds
        elif agent.campaign is not None:  # a blended agent: their campaign's wrap-up
            seconds = self.campaigns[agent.campaign].settings.wrapup_seconds
        else:
            seconds = INBOUND_WRAPUP
        agent.wrapup_since = now
        agent.idle_since = now  # the ACD's longest idle counts from the end of the last call
        agent.wrapup_until = now + seconds if seconds else None
        self.timers.cancel(("wrapup", agent.name))
        if seconds:
            self.timers.set(("wrapup", agent.name), now + seconds)
        self.set_status(agent, AgentStatus.WRAPUP, now)
        if not agent.clients and not self.gone_pending(agent):
            self.wrapup_default(agent, now)  # the agent is gone: close it now
            self.after_call(agent, now)

    def wrapup_expired(self, agent: Agent, now: float) -> None:
        call = agent.call
        if agent.status is not AgentStatus.WRAPUP or call is None:
            return
        code = self.wrapup_default(agent, now)
        self.wrapup_over(agent, now)
        agent.call = None
        agent.wrapup_until = None
        agent.pause_after_call = False
        if isinstance(call.kind, Outbound):
            who = call.kind.lead.name or call.kind.lead.e164
        else:
            who = call.kind.caller or "the caller"
        if code is None:
            reason = f"wrap-up ran out after {who}"
        else:
            saved = "not disposed" if code is Disposition.NOT_DISPOSED else f"saved as {code}"
            reason = f"wrap-up ran out: {who} {saved}"
        self.set_status(agent, AgentStatus.PAUSED, now, reason=reason)

    # -- dispositions ------------------------------------------------------------------------

    def inbound_disposing(self, name: str, call_id: str) -> Call:
        """Checks before an inbound call's disposition: the agent's own, in wrap-up."""
        agent = self.logged_in(name)
        call = agent.call
        if call is None or call.id != call_id or isinstance(call.kind, Outbound):
            raise Conflict("that is not your inbound call to dispose")
        if agent.status is AgentStatus.ON_CALL:
            raise Conflict("the call is still on", "hang up first (h), then set the disposition")
        return call

    def inbound_done(self, name: str, now: float) -> None:
        """The inbound call's disposition is committed: the wrap-up is over."""
        agent = self.agents[name]
        if agent.status is AgentStatus.WRAPUP and agent.call is not None:
            self.timers.cancel(("wrapup", name))
            self.after_call(agent, now)

    def disposing(self, name: str, lead_id: int) -> tuple[int, Call | None]:
        """Checks before a disposition: the agent's campaign, and the wrap-up call it closes
        (None: a contact from the list, which the runner checks against the store)."""
        agent = self.logged_in(name)
        call = agent.call
        mine = (
            call is not None
            and isinstance(call.kind, Outbound)
            and call.kind.lead.lead_id == lead_id
        )
        if mine and agent.status is AgentStatus.ON_CALL:
            raise Conflict("the call is still on", "hang up first (h), then set the disposition")
        campaign = agent.campaign
        if campaign is None:
            raise Conflict("you are on inbound only: there is no campaign list to dispose in")
        if mine and agent.status is AgentStatus.WRAPUP:
            return campaign, call
        self.not_dialling(lead_id)
        return campaign, None

    def not_dialling(self, lead_id: int) -> None:
        for call in self.calls.values():
            if isinstance(call.kind, Outbound) and call.kind.lead.lead_id == lead_id:
                raise Conflict("that contact is being dialled right now")

    def disposition(
        self,
        name: str,
        lead_id: int,
        code: Disposition,
        now: float,
        *,
        attempts: int,
        callback_at: float | None,
        note: str,
        tags: tuple[str, ...] = (),
    ) -> Dispose:
        """The write an agent's disposition makes (checked; nothing changes yet)."""
        campaign, call = self.disposing(name, lead_id)
        if call is not None:
            attempts = call.outbound.lead.attempts
        return Dispose(
            campaign,
            lead_id,
            code,
            actor=name,
            attempt_id=call.outbound.lead.attempt_id if call is not None else None,
            attempts=attempts,
            at=now,
            callback_at=callback_at,
            callback_agent=name if code is Disposition.CALLBACK else None,
            note=note,
            tags=tags,
        )

    def disposed(self, write: Dispose, now: float) -> None:
        """The disposition is committed: the agent's wrap-up, if it closed one, is over."""
        _, call = self.disposing(write.actor, write.lead_id)
        if call is not None:
            self.timers.cancel(("wrapup", write.actor))
            self.after_call(self.agents[write.actor], now)

    def dispose(
        self,
        name: str,
        lead_id: int,
        code: Disposition,
        now: float,
        *,
        attempts: int,
        callback_at: float | None,
        note: str,
    ) -> None:
        """An agent's one keystroke where the caller commits effects in order (the
        simulator): the write first, then the agent's next state."""
        write = self.disposition(
            name, lead_id, code, now, attempts=attempts, callback_at=callback_at, note=note
        )
        self.emit(write)
        self.disposed(write, now)
