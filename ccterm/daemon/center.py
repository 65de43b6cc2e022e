"""The daemon's live state: agents, calls, and the clock-driven work around them.

This is the one mutable core. Ops change it (log in, dial, dispose), the trunk
reports on calls (ringing, answered, ended), and a one-second tick runs the
clock's work: campaigns starting and ending, retries and callbacks coming due.
The automatic dialer (autodial.py) places lines from this state on every tick
and whenever something changed; a person who answers when no agent is free
waits in the safe harbor (harbor.py). Every write that matters is committed
through the store before the state here moves on and before any op replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccterm.clock import Clock
from ccterm.config import Config
from ccterm.daemon.audio import Audio
from ccterm.daemon.autodial import RINGING, AutoDialer
from ccterm.daemon.harbor import SafeHarbor
from ccterm.daemon.server import Identity, Server, Session, campaign_audience
from ccterm.dialer.dispositions import DispositionError, effect, for_outcome
from ccterm.dialer.hours import CallingHours
from ccterm.dialer.throttle import TokenBucket
from ccterm.errors import Conflict, NotFound, UsageError
from ccterm.model import AgentStatus, Campaign, CampaignStatus, Disposition, Role
from ccterm.sip.probe import probe_call
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    InboundCall,
    Trunk,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)
from ccterm.store import campaigns, dialing
from ccterm.store.db import Store
from ccterm.store.leads import promote_due

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
GONE_AFTER = 10.0  # seconds without a client before an agent counts as gone


async def nap(wake: asyncio.Event, seconds: float) -> None:
    """Sleep until `wake` is set or `seconds` pass, and never swallow a cancellation.

    asyncio.wait_for (3.11) returns the result when its inner wait finishes in the same
    turn as a cancel, so a loop around it would go on after being cancelled: the daemon
    then never stopped (seen when a hang-up woke the dialer as the daemon was stopping).
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()


@dataclass
class LiveCall:
    id: str
    campaign: Campaign
    taken: dialing.Taken
    mode: str
    agent: str | None  # reserved for, then connected to
    started_at: float
    # dialing -> ringing -> connected -> ended; an answer may also go to machine (hung
    # up), or to waiting (no agent free yet) and then connected or abandoned (message)
    state: str = "dialing"
    answered_at: float | None = None
    connected_at: float | None = None
    machine: bool = False
    resolved: bool = False  # the pacer knows how its ringing ended
    cut: bool = False  # hung up still ringing by the pacer: no agent would have been free
    timer: asyncio.TimerHandle | None = None  # the safe harbor's end, or the message's

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lead_id": self.taken.lead_id,
            "campaign_id": self.campaign.id,
            "name": self.taken.name,
            "e164": self.taken.e164,
            "state": self.state,
            "started_at": self.started_at,
            "answered_at": self.answered_at,
        }


@dataclass
class LiveAgent:
    name: str
    group: str
    status: AgentStatus = AgentStatus.OFFLINE
    campaign: Campaign | None = None
    since: float = 0.0
    pause_reason: str = ""
    call: LiveCall | None = None  # connected, or in wrap-up
    wrapup_until: float | None = None
    wrapup_since: float | None = None
    pause_after_call: bool = False
    sessions: set[Session] = field(default_factory=set)
    gone_timer: asyncio.TimerHandle | None = None
    wrapup_timer: asyncio.TimerHandle | None = None
    phone: str = "simulated"
    waiting_for_phone: bool = False

    def to_wire(self, ringing: list[LiveCall]) -> dict[str, Any]:
        """What the agent's screen shows; `ringing` are the lines dialling for this agent."""
        c = self.campaign
        call = self.call or (ringing[0] if ringing else None)
        return {
            "name": self.name,
            "group": self.group,
            "status": str(self.status),
            "since": self.since,
            "pause_reason": self.pause_reason,
            "pause_after_call": self.pause_after_call,
            "campaign": None
            if c is None
            else {
                "id": c.id,
                "name": c.name,
                "mode": str(c.settings.mode),
                "status": str(c.status),
            },
            "call": None if call is None else call.to_wire(),
            "wrapup_until": self.wrapup_until,
            "lines": len(ringing),
            "phone": self.phone,
            "connected": bool(self.sessions),
        }


class Center:
    def __init__(
        self, store: Store, clock: Clock, server: Server, trunk: Trunk, config: Config
    ) -> None:
        self.store = store
        self.clock = clock
        self.server = server
        self.trunk = trunk
        self.config = config
        self.hours = CallingHours.of(config.dialer)
        self.agents: dict[str, LiveAgent] = {}
        self.calls: dict[str, LiveCall] = {}
        self._call_ids = itertools.count(1)
        self._trunk_events: asyncio.Queue[TrunkEvent] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.audio = Audio(self)
        self.probes: dict[str, asyncio.Queue[TrunkEvent]] = {}
        self.bucket = TokenBucket(config.trunk.calls_per_second)
        self.dialer = AutoDialer(self)
        self.harbor = SafeHarbor(self)
        self._clock_due = 0.0  # loop time of the next clock work
        self._connecting: dict[str, asyncio.Task[Any]] = {}  # agent -> a waiting call's connect

    async def load(self) -> None:
        """Before serving: what the database remembers (abandon windows, recent calls)."""
        await self.dialer.load()

    # -- plumbing --------------------------------------------------------------------------

    def session_count(self) -> int:
        return len(self.server.sessions)

    def online_users(self) -> set[str]:
        return {s.identity.user for s in self.server.sessions}

    def publish(
        self, name: str, data: dict[str, Any], audience: Callable[[Identity], bool] | None = None
    ) -> None:
        self.server.publish(name, data, audience)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    async def _settled(self, agent: LiveAgent) -> None:
        """Before an op that freed the agent replies: the waiting call it took is committed."""
        task = self._connecting.pop(agent.name, None)
        if task is not None:
            await asyncio.shield(task)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def wake(self) -> None:
        """Dial decisions now, not at the next tick (an agent just became free)."""
        self._wake.set()

    def ringing(self, agent: str) -> list[LiveCall]:
        """Calls dialling for this agent that no one has answered yet."""
        return [c for c in self.calls.values() if c.agent == agent and c.state in RINGING]

    def lines(self, agent: str) -> int:
        return len(self.ringing(agent))

    def wire(self, agent: LiveAgent) -> dict[str, Any]:
        return agent.to_wire(self.ringing(agent.name))

    def agent_changed(self, agent: LiveAgent) -> None:
        group = agent.group
        self.publish(
            "agent.changed",
            self.wire(agent),
            lambda who: (
                who.user == agent.name
                or who.role is Role.ADMIN
                or (who.role is Role.SUPERVISOR and who.group == group)
            ),
        )

    def lead_changed(self, campaign: Campaign, lead: dict[str, Any]) -> None:
        self.publish(
            "lead.changed", {"campaign_id": campaign.id, "lead": lead}, campaign_audience(campaign)
        )

    def set_status(self, agent: LiveAgent, status: AgentStatus, *, reason: str = "") -> None:
        if status is AgentStatus.READY and self._serve_waiting(agent):
            return
        agent.status = status
        agent.since = self.clock.now()
        agent.pause_reason = reason if status is AgentStatus.PAUSED else ""
        self.agent_changed(agent)
        if status is AgentStatus.READY:
            self.wake()

    # -- agents ----------------------------------------------------------------------------

    def agent(self, who: Identity) -> LiveAgent:
        live = self.agents.get(who.user)
        if live is None:
            live = self.agents[who.user] = LiveAgent(who.user, who.group)
            if self.config.trunk.kind != "sim":
                live.phone = "down"
        return live

    def snapshot(self, who: Identity) -> dict[str, Any] | None:
        live = self.agents.get(who.user)
        return None if live is None else self.wire(live)

    async def login(self, who: Identity, session: Session, campaign_name: str) -> dict[str, Any]:
        campaign = await campaigns.get(self.store, campaign_name)
        if not campaign.visible_to(who.role, who.user, who.group):
            raise NotFound(f"no campaign named '{campaign_name}'")
        agent = self.agent(who)
        if agent.gone_timer is not None:
            agent.gone_timer.cancel()
            agent.gone_timer = None
        if session not in agent.sessions:
            agent.sessions.add(session)
            session.on_close.append(lambda: self._session_closed(agent, session))
        busy = agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP, AgentStatus.DIALING)
        if busy and agent.campaign is not None and agent.campaign.id != campaign.id:
            raise Conflict(
                f"you are busy in '{agent.campaign.name}'", "finish the call first, then switch"
            )
        switched = agent.campaign is not None and agent.campaign.id != campaign.id
        agent.campaign = campaign
        if switched and agent.status is AgentStatus.PAUSED and not agent.waiting_for_phone:
            agent.pause_reason = ""  # why they paused was about the other campaign's work
        if agent.status is AgentStatus.OFFLINE:
            self.set_status(agent, AgentStatus.READY)  # logging in makes the agent available
            self.audio.call_phone(agent)  # ... once their phone answers, on a SIP trunk
            await self._settled(agent)
        else:
            self.agent_changed(agent)  # a reconnect: same state as before
        log.info("agent %s logged in to %s (%s)", agent.name, campaign.name, agent.status)
        return self.wire(agent)

    async def _session_closed(self, agent: LiveAgent, session: Session) -> None:
        agent.sessions.discard(session)
        if agent.sessions or agent.status is AgentStatus.OFFLINE:
            return
        loop = asyncio.get_running_loop()
        agent.gone_timer = loop.call_later(
            GONE_AFTER, lambda: self._spawn(self._gone(agent), f"gone-{agent.name}")
        )
        self.agent_changed(agent)

    async def _gone(self, agent: LiveAgent) -> None:
        """No client for GONE_AFTER seconds: logged out, but a customer on the line stays."""
        agent.gone_timer = None
        if agent.sessions:
            return
        log.info("agent %s is gone (%s)", agent.name, agent.status)
        for call in self.calls.values():
            if call.agent == agent.name and call.state != "connected":
                call.agent = None  # a ringing line is for whoever is free when it answers
        if agent.status is AgentStatus.ON_CALL:
            agent.pause_after_call = True  # the call goes on; wrap-up will close it
            self.agent_changed(agent)
            return
        if agent.status is AgentStatus.WRAPUP:
            await self._wrapup_default(agent)
            self._wrapup_over(agent)
            agent.call = None
            agent.wrapup_until = None
        agent.pause_after_call = False
        agent.campaign = None
        self.set_status(agent, AgentStatus.OFFLINE)
        self.audio.release_phone(agent.name)

    async def logout(self, who: Identity) -> dict[str, Any]:
        agent = self.agent(who)
        if agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP, AgentStatus.DIALING):
            raise Conflict("finish the call and its disposition first")
        agent.campaign = None
        self.set_status(agent, AgentStatus.OFFLINE)
        self.audio.release_phone(agent.name)
        return self.wire(agent)

    async def ready(self, who: Identity) -> dict[str, Any]:
        agent = self._logged_in(who)
        if agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP):
            agent.pause_after_call = False
            self.agent_changed(agent)
        elif agent.status is AgentStatus.PAUSED:
            if self.audio.enabled and not self.audio.phone_up(agent.name):
                raise Conflict(f"your phone is {agent.phone}", "press r to have it called")
            self.set_status(agent, AgentStatus.READY)
            await self._settled(agent)
        return self.wire(agent)

    def call_my_phone(self, who: Identity) -> dict[str, Any]:
        agent = self._logged_in(who)
        if not self.audio.enabled:
            raise Conflict("the simulated trunk has no phones to call")
        if self.audio.phone_up(agent.name):
            raise Conflict("your phone is connected already")
        self.audio.call_phone(agent)
        return self.wire(agent)

    def pause_for_phone(self, agent: LiveAgent, reason: str) -> None:
        """No phone leg: the agent cannot take a customer, so the dialer must not count them."""
        agent.waiting_for_phone = True
        if agent.status in (AgentStatus.READY, AgentStatus.PAUSED, AgentStatus.DIALING):
            if agent.status is AgentStatus.DIALING:
                for call in self.calls.values():
                    if call.agent == agent.name and call.state != "connected":
                        call.agent = None
            self.set_status(agent, AgentStatus.PAUSED, reason=reason)
        else:
            agent.pause_after_call = True
            agent.pause_reason = reason
            self.agent_changed(agent)

    def phone_ready(self, agent: LiveAgent) -> None:
        """The agent's phone answered: available, if it was only the phone we waited for."""
        if agent.waiting_for_phone and agent.status is AgentStatus.PAUSED:
            agent.waiting_for_phone = False
            self.set_status(agent, AgentStatus.READY)
        else:
            agent.waiting_for_phone = False
            self.agent_changed(agent)

    def pause(self, who: Identity, reason: str) -> dict[str, Any]:
        agent = self._logged_in(who)
        if agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP, AgentStatus.DIALING):
            agent.pause_after_call = True  # the call in hand finishes first
            agent.pause_reason = reason  # shown once the pause begins
            for call in self.calls.values():
                if call.agent == agent.name and call.state != "connected":
                    call.agent = None
            self.agent_changed(agent)
        elif agent.status is AgentStatus.READY:
            self.set_status(agent, AgentStatus.PAUSED, reason=reason)
        return self.wire(agent)

    def _logged_in(self, who: Identity) -> LiveAgent:
        agent = self.agents.get(who.user)
        if agent is None or agent.status is AgentStatus.OFFLINE or agent.campaign is None:
            raise Conflict("you are not logged in to a campaign", "log in first (agent.login)")
        return agent

    # -- calls -----------------------------------------------------------------------------

    async def current_campaign(self, agent: LiveAgent) -> Campaign:
        assert agent.campaign is not None
        campaign = await campaigns.get(self.store, agent.campaign.name)
        agent.campaign = campaign
        return campaign

    async def dial(self, who: Identity, lead_id: int) -> dict[str, Any]:
        """The agent's own choice of contact (preview): checked, recorded, dialled."""
        agent = self._logged_in(who)
        if agent.status in (AgentStatus.ON_CALL, AgentStatus.WRAPUP, AgentStatus.DIALING):
            raise Conflict("you are on a call already", "hang up (h) or dispose of it first")
        campaign = await self.current_campaign(agent)
        if campaign.status is not CampaignStatus.RUNNING:
            raise Conflict(f"'{campaign.name}' is {campaign.status}: it does not dial now")
        if self.trunk.state is not TrunkState.UP:
            raise Conflict(f"the trunk is {self.trunk.state}", "calls resume when it is up")
        try:
            taken = await dialing.take(
                self.store, campaign, lead_id, agent=agent.name, mode="manual", hours=self.hours
            )
        except dialing.NotDialable as refusal:
            raise Conflict(f"not dialled: {refusal.reason}") from None
        call = self.originate(campaign, taken, agent.name, "manual")
        self.bucket.take(self.clock.now())  # an agent's dial is never refused: on credit
        self.set_status(agent, AgentStatus.DIALING)
        return call.to_wire()

    def originate(
        self, campaign: Campaign, taken: dialing.Taken, agent: str | None, mode: str
    ) -> LiveCall:
        call_id = f"c{next(self._call_ids)}-{taken.attempt_id}"
        call = LiveCall(call_id, campaign, taken, mode, agent, self.clock.now())
        self.calls[call_id] = call
        caller_id = campaign.settings.caller_id or self.config.trunk.caller_id
        self.trunk.originate(
            call_id, taken.e164, caller_id=caller_id, ring_timeout=campaign.settings.ring_timeout
        )
        self.lead_changed(
            campaign, {"id": taken.lead_id, "state": "dialing", "attempts": taken.attempts}
        )
        return call

    def hangup(self, who: Identity) -> dict[str, Any]:
        agent = self._logged_in(who)
        mine = [c for c in self.calls.values() if c.agent == agent.name and c.state != "ended"]
        if not mine:
            raise Conflict("there is no call to hang up")
        for call in mine:
            self.trunk.hangup(call.id)
        return {"hung_up": [c.id for c in mine]}

    def on_trunk_event(self, event: TrunkEvent) -> None:
        """From the trunk, on the loop: queued, so one call's events are handled in order."""
        self._trunk_events.put_nowait(event)

    async def _handle_trunk_events(self) -> None:
        while True:
            event = await self._trunk_events.get()
            try:
                await self._handle(event)
            except Exception:
                log.exception("handling %r failed", event)

    async def _handle(self, event: TrunkEvent) -> None:
        if isinstance(event, TrunkStateChanged):
            log.info("trunk %s %s", event.state, event.detail)
            self.publish("trunk.state", {"state": str(event.state), "detail": event.detail})
            if event.state is TrunkState.UP:
                self.audio.recall_phones()
            return
        if isinstance(event, InboundCall):
            # No IVR or inbound queue yet: say busy at once rather than ring for ever.
            log.warning(
                "inbound call from %s to %s refused (busy): no inbound queue yet",
                event.caller or "unknown",
                event.did or "unknown",
            )
            self.trunk.hangup(event.call_id)
            return
        if self.audio.handles(event):
            await self.audio.on_event(event)
            return
        probe = self.probes.get(getattr(event, "call_id", ""))
        if probe is not None:
            probe.put_nowait(event)
            return
        call = self.calls.get(getattr(event, "call_id", ""))
        if call is None:
            return
        if isinstance(event, CallRinging):
            call.state = "ringing"
            self._call_changed(call)
        elif isinstance(event, CallAnswered):
            await self._answered(call, event.machine)
        elif isinstance(event, CallEnded):
            await self._ended(call, event)

    async def probe(self, number: str, ring_timeout: float) -> dict[str, Any]:
        """`ccterm trunk test` with the daemon running: one call through its trunk."""
        state = self.trunk.state
        detail = str(getattr(self.trunk, "detail", ""))
        result: dict[str, Any] = {"registered": state is TrunkState.UP, "trunk": detail}
        if state is not TrunkState.UP:
            return {**result, "outcome": None, "code": None, "ring_s": None, "answered_s": None}
        call_id = f"t{next(self._call_ids)}"
        queue: asyncio.Queue[TrunkEvent] = asyncio.Queue()
        self.probes[call_id] = queue
        try:
            call = await probe_call(
                self.trunk,
                queue,
                call_id,
                number,
                caller_id=self.config.trunk.caller_id,
                ring_timeout=ring_timeout,
            )
        finally:
            del self.probes[call_id]
        return {**result, **call}

    # -- what requests ask of the center (the ops see it through ops/base.py's Core) ------

    def group_of(self, agent: str) -> str | None:
        """The group of an agent the center holds (logged in, or lately), else None."""
        live = self.agents.get(agent)
        return None if live is None else live.group

    def working_on(self, campaign: Campaign) -> list[str]:
        """The names of the agents logged in to this campaign, sorted."""
        return sorted(
            a.name
            for a in self.agents.values()
            if a.status is not AgentStatus.OFFLINE
            and a.campaign is not None
            and a.campaign.id == campaign.id
        )

    def pacing(self, campaign: Campaign) -> dict[str, Any]:
        """The dialer's pacing of a campaign now and its abandon-rate windows."""
        return self.dialer.show(campaign)

    def monitor(self, supervisor: str, agent: str, mode: str) -> dict[str, Any]:
        """A supervisor listens to, whispers to or barges into an agent's calls."""
        return self.audio.monitor(supervisor, agent, mode)

    def stop_monitor(self, supervisor: str) -> dict[str, Any]:
        """The supervisor's listening phone leg hangs up."""
        return self.audio.stop_monitor(supervisor)

    def phone_leg(self, agent: str) -> str | None:
        """The leg of an agent's phone while it is up on the line, else None."""
        leg = self.audio.agent_legs.get(agent)
        return leg if leg is not None and self.audio.phone_up(agent) else None

    def answered(self, call_id: str) -> bool:
        """Whether a live call by this id has been answered."""
        call = self.calls.get(call_id)
        return call is not None and call.answered_at is not None

    def play(self, leg: str, path: Path, *, hang_up: bool) -> float:
        """Play a WAV file to a leg (a call or a phone); its length in seconds."""
        return self.audio.play(leg, path, hang_up=hang_up)

    def _call_changed(self, call: LiveCall) -> None:
        if call.agent and call.agent in self.agents:
            self.agent_changed(self.agents[call.agent])

    async def _answered(self, call: LiveCall, machine: bool) -> None:
        now = self.clock.now()
        call.answered_at = now
        self.dialer.resolved(call, human=not machine)
        self.wake()
        if machine:
            call.machine = True  # the dialer leaves no message yet: hang up, retry later
            call.state = "machine"
            await dialing.mark_answered(self.store, call.taken.attempt_id, now)
            self.trunk.hangup(call.id)
            return
        agent = self._agent_for(call)
        if agent is None:
            self.harbor.hold(call)  # from now on, an agent who frees takes this person
            await dialing.mark_answered(self.store, call.taken.attempt_id, now)
            return
        self._claim(call, agent)
        await self._connected(call, agent)  # answered and connected: one commit

    def _claim(self, call: LiveCall, agent: LiveAgent) -> None:
        """Give the call to the agent, in memory and at once, so nothing else takes either;
        events about it wait for the commit (_connected)."""
        now = self.clock.now()
        call.agent = agent.name
        call.state = "connected"
        call.connected_at = now
        agent.call = call
        agent.status = AgentStatus.ON_CALL
        agent.since = now
        agent.pause_reason = ""
        for other in self.calls.values():  # this agent's other lines now go to anyone free
            if other is not call and other.agent == agent.name and other.state in RINGING:
                other.agent = None

    async def _connected(self, call: LiveCall, agent: LiveAgent) -> None:
        """The claimed call reaches the agent: audio first (the person hears them at once),
        then the connect is committed, then the world is told."""
        assert call.connected_at is not None
        if call.state == "connected" and call.id in self.calls:  # not hung up meanwhile
            await self.audio.bridge(call, agent)
        await dialing.mark_connected(
            self.store,
            call.taken.attempt_id,
            call.connected_at,
            agent.name,
            answered_at=call.answered_at,
        )
        self.dialer.connected(call, call.connected_at)
        self.agent_changed(agent)

    def _serve_waiting(self, agent: LiveAgent) -> bool:
        """An agent became free: the person waiting longest in its campaign is theirs."""
        if self.audio.enabled and not self.audio.phone_up(agent.name):
            return False
        call = self.harbor.next_for(agent)
        if call is None:
            return False
        log.info("agent %s takes call %s, waiting since its answer", agent.name, call.id)
        self._claim(call, agent)
        task = self._spawn(self._connected(call, agent), f"connect-{call.id}")
        self._connecting[agent.name] = task
        task.add_done_callback(lambda _: self._connecting.pop(agent.name, None))
        self.wake()
        return True

    async def abandon(self, call: LiveCall) -> float:
        """No agent for the person who answered: committed, counted, told to the pacer."""
        call.state = "abandoned"
        now = self.clock.now()
        await dialing.mark_abandoned(self.store, call.taken.attempt_id, now)
        self.dialer.abandoned(call, now)
        self.wake()
        return now

    def _agent_for(self, call: LiveCall) -> LiveAgent | None:
        """The reserved agent if still free, else the longest-idle free agent of the campaign."""

        def free(a: LiveAgent) -> bool:
            return (
                a.status in (AgentStatus.READY, AgentStatus.DIALING)
                and a.call is None
                and a.campaign is not None
                and a.campaign.id == call.campaign.id
                and not a.pause_after_call
            )

        reserved = self.agents.get(call.agent or "")
        if reserved is not None and free(reserved):
            return reserved
        candidates = sorted((a for a in self.agents.values() if free(a)), key=lambda a: a.since)
        return candidates[0] if candidates else None

    async def _ended(self, call: LiveCall, event: CallEnded) -> None:
        now = self.clock.now()
        del self.calls[call.id]
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
        self.audio.unbridge(call)
        self.wake()
        if call.state in RINGING:
            self.dialer.resolved(call, human=False)
        elif call.state == "waiting":  # hung up before an agent was free: abandoned too
            await self.harbor.hung_up(call)
        await dialing.finish_attempt(
            self.store,
            call.taken.attempt_id,
            outcome=str(event.outcome),
            code=event.code,
            answered_at=call.answered_at,
            ended_at=now,
        )
        agent = self.agents.get(call.agent or "")
        if call.state == "connected" and agent is not None and agent.call is call:
            call.state = "ended"
            if call.connected_at is not None:
                self.dialer.talked(call, now - call.connected_at)
            await self._start_wrapup(agent, call)
            return
        if call.state == "abandoned":
            code = Disposition.ABANDONED
        else:
            code = for_outcome(event.outcome, machine=call.machine)
        await self._dispose(
            call.campaign,
            call.taken.lead_id,
            code,
            actor="dialer",
            attempt_id=call.taken.attempt_id,
            attempts=call.taken.attempts,
        )
        if (
            agent is not None
            and agent.status is AgentStatus.DIALING
            and self.lines(agent.name) == 0
        ):
            self._after_call(agent)

    def _wrapup_over(self, agent: LiveAgent) -> None:
        """Wrap-up ended (a disposition, its time ran out, the agent left): the pacer learns."""
        if agent.wrapup_since is not None and agent.call is not None:
            self.dialer.wrapped(agent.call.campaign, self.clock.now() - agent.wrapup_since)
        agent.wrapup_since = None

    def _after_call(self, agent: LiveAgent) -> None:
        self._wrapup_over(agent)
        agent.call = None
        agent.wrapup_until = None
        if not agent.sessions and agent.gone_timer is None:
            agent.campaign = None
            self.set_status(agent, AgentStatus.OFFLINE)
        elif agent.pause_after_call:
            agent.pause_after_call = False
            reason = agent.pause_reason
            if agent.waiting_for_phone:
                reason = f"your phone is {agent.phone}: press r to be called again"
            self.set_status(agent, AgentStatus.PAUSED, reason=reason)
        else:
            self.set_status(agent, AgentStatus.READY)

    async def _start_wrapup(self, agent: LiveAgent, call: LiveCall) -> None:
        seconds = call.campaign.settings.wrapup_seconds
        now = self.clock.now()
        agent.wrapup_since = now
        agent.wrapup_until = now + seconds if seconds else None
        if agent.wrapup_timer is not None:
            agent.wrapup_timer.cancel()
        if seconds:
            agent.wrapup_timer = asyncio.get_running_loop().call_later(
                seconds, lambda: self._spawn(self._wrapup_expired(agent, call), "wrapup")
            )
        self.set_status(agent, AgentStatus.WRAPUP)
        if not agent.sessions and agent.gone_timer is None:
            await self._wrapup_default(agent)  # the agent is gone: close it now
            self._after_call(agent)

    async def _wrapup_expired(self, agent: LiveAgent, call: LiveCall) -> None:
        if agent.status is not AgentStatus.WRAPUP or agent.call is not call:
            return
        code = await self._wrapup_default(agent)
        self._wrapup_over(agent)
        agent.call = None
        agent.wrapup_until = None
        agent.pause_after_call = False
        who = call.taken.name or call.taken.e164
        saved = "not disposed" if code is Disposition.NOT_DISPOSED else f"saved as {code}"
        self.set_status(agent, AgentStatus.PAUSED, reason=f"wrap-up ran out: {who} {saved}")

    async def _wrapup_default(self, agent: LiveAgent) -> Disposition | None:
        """A connected call its agent left undisposed: the campaign's wrap-up default, which
        never says the person was not reached (WRAPUP_DEFAULTS); a callback stays."""
        call = agent.call
        if call is None:
            return None
        if agent.wrapup_timer is not None:
            agent.wrapup_timer.cancel()
            agent.wrapup_timer = None
        code = Disposition(call.campaign.settings.wrapup_default)
        log.info(
            "agent %s: no disposition for lead %s, default %s", agent.name, call.taken.lead_id, code
        )
        booked = await dialing.callback_of(self.store, call.taken.lead_id)
        await self._dispose(
            call.campaign,
            call.taken.lead_id,
            code,
            actor=agent.name,
            attempt_id=call.taken.attempt_id,
            attempts=call.taken.attempts,
            callback_at=booked[0],
            callback_agent=booked[1],
        )
        return code

    async def _dispose(
        self,
        campaign: Campaign,
        lead_id: int,
        code: Disposition,
        *,
        actor: str,
        attempt_id: int | None,
        attempts: int,
        callback_at: float | None = None,
        callback_agent: str | None = None,
        note: str = "",
    ) -> dict[str, Any]:
        campaign = await campaigns.get(self.store, campaign.name)  # the settings of now
        update = effect(
            code,
            attempts=attempts,
            settings=campaign.settings,
            now=self.clock.now(),
            callback_at=callback_at,
            agent=callback_agent,
        )
        lead = await dialing.dispose(
            self.store,
            lead_id=lead_id,
            campaign=campaign,
            code=code,
            update=update,
            actor=actor,
            attempt_id=attempt_id,
            note=note,
        )
        self.lead_changed(campaign, lead)
        return lead

    async def dispose(
        self,
        who: Identity,
        lead_id: int,
        code: Disposition,
        *,
        callback_at: float | None,
        note: str,
    ) -> dict[str, Any]:
        """An agent's one keystroke: committed before this returns."""
        agent = self._logged_in(who)
        call = agent.call
        if (
            call is not None
            and call.taken.lead_id == lead_id
            and agent.status is AgentStatus.ON_CALL
        ):
            raise Conflict("the call is still on", "hang up first (h), then set the disposition")
        campaign = await self.current_campaign(agent)
        in_wrapup = (
            agent.status is AgentStatus.WRAPUP
            and call is not None
            and call.taken.lead_id == lead_id
        )
        if in_wrapup:
            assert call is not None
            attempt_id: int | None = call.taken.attempt_id
            attempts = call.taken.attempts
        else:
            if await dialing.lead_campaign(self.store, lead_id) != campaign.id:
                raise NotFound(f"no contact {lead_id} in '{campaign.name}'")
            if any(c.taken.lead_id == lead_id for c in self.calls.values()):
                raise Conflict("that contact is being dialled right now")
            attempt_id = None
            attempts = int(
                await self.store.scalar("SELECT attempts FROM leads WHERE id = ?", (lead_id,))
            )
        try:
            lead = await self._dispose(
                campaign,
                lead_id,
                code,
                actor=agent.name,
                attempt_id=attempt_id,
                attempts=attempts,
                callback_at=callback_at,
                callback_agent=agent.name if code is Disposition.CALLBACK else None,
                note=note,
            )
        except DispositionError as exc:
            raise UsageError(str(exc)) from None
        if in_wrapup:
            if agent.wrapup_timer is not None:
                agent.wrapup_timer.cancel()
                agent.wrapup_timer = None
            self._after_call(agent)
            await self._settled(agent)
        return lead

    async def book(
        self,
        campaign: Campaign,
        lead_id: int,
        *,
        at: float,
        agent: str | None,
        actor: str,
        attempts: int,
    ) -> dict[str, Any]:
        """A callback booked by a supervisor (or the demo)."""
        if any(c.taken.lead_id == lead_id for c in self.calls.values()):
            raise Conflict("that contact is being dialled right now")
        return await self._dispose(
            campaign,
            lead_id,
            Disposition.CALLBACK,
            actor=actor,
            attempt_id=None,
            attempts=attempts,
            callback_at=at,
            callback_agent=agent,
        )

    # -- the clock -------------------------------------------------------------------------

    async def tick(self) -> None:
        """One pass: the clock's work (at most once a second), then the dialer's."""
        loop = asyncio.get_running_loop()
        if loop.time() >= self._clock_due:
            self._clock_due = loop.time() + TICK_SECONDS
            await self._clock_work()
        await self.dialer.run_once()

    async def _clock_work(self) -> None:
        """Campaigns starting and ending, waiting leads coming due; each step commits on its own."""
        for campaign in await campaigns.apply_clock(self.store):
            log.info("campaign %s is now %s", campaign.name, campaign.status)
            self.publish("campaign.changed", campaign.to_wire(), campaign_audience(campaign))
            for agent in self.agents.values():
                if agent.campaign is not None and agent.campaign.id == campaign.id:
                    agent.campaign = campaign
                    self.agent_changed(agent)
        async with self.store.connection() as db:  # one UPDATE: atomic by itself
            await promote_due(db, self.clock.now())

    async def run(self) -> None:
        self._spawn(self._handle_trunk_events(), "trunk-events")
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()  # before the pass: a wake during it means another pass
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("clock tick failed; retrying")
            timeout = max(0.0, self._clock_due - loop.time())
            if self.dialer.retry_in is not None:  # held back by calls per second only
                timeout = min(timeout, self.dialer.retry_in)
            await nap(self._wake, max(0.01, timeout))

    async def close(self) -> None:
        for agent in self.agents.values():
            for timer in (agent.gone_timer, agent.wrapup_timer):
                if timer is not None:
                    timer.cancel()
        for call in self.calls.values():
            if call.timer is not None:
                call.timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
