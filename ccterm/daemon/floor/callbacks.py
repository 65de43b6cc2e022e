"""Callbacks that keep a caller's place — pure. A caller who pressed the key (or left a
voicemail) stays in line as a callback entry at their first entry time. When it reaches
the head, the next free agent of the queue is reserved first and the runner checks the
number (do-not-call, calling hours) and claims the callback in the store (waiting ->
placing, one commit: never placed twice); only then does the floor dial the customer,
with the agent already listening (agent first: the customer never waits again).
"""

from __future__ import annotations

from ccterm.daemon.floor.base import log
from ccterm.daemon.floor.effects import (
    Bridge,
    CallbackDue,
    CallbackResult,
    Hangup,
    InboundAnswered,
    InboundArrived,
    InboundEnded,
    Originate,
    Ringback,
)
from ccterm.daemon.floor.queues import Queues
from ccterm.daemon.floor.state import RINGING, Agent, Booked, Call, CallState, Inbound
from ccterm.ivr import queue as line
from ccterm.model import AgentStatus

RING_SECONDS = 30.0  # a callback rings this long before it counts as not reached


def key(callback_id: int) -> str:
    return f"cb{callback_id}"


class Callbacks(Queues):
    def callback_waiting(
        self,
        booked: Booked,
        entered_at: float,
        now: float,
        *,
        not_before: float | None = None,
    ) -> None:
        """A callback takes (or keeps) its place in line: booked, loaded at start, or
        back after a try that did not reach the customer."""
        if booked.queue not in self.acd.queues:
            log.warning(
                "callback %s: no queue '%s' now; it waits for a reload", booked.id, booked.queue
            )
            return
        self.booked[key(booked.id)] = booked
        entry = self.acd.join(
            key(booked.id), booked.queue, now, entered_at=entered_at, callback=True
        )
        entry.not_before = not_before
        self.match(now)
        self.queue_changed(now)

    def callback_gone(self, callback_id: int, now: float) -> None:
        """Expired or closed in the store: out of line."""
        self.booked.pop(key(callback_id), None)
        if self.acd.leave(key(callback_id)) is not None:
            self.queue_changed(now)

    def reserve_callback(self, entry: line.Reserve, agent: Agent, now: float) -> None:
        """The callback reached the head: its agent is held (DIALING) while the runner
        checks the number and claims it."""
        booked = self.booked.get(entry.caller)
        if booked is None:
            self.acd.leave(entry.caller)
            return
        agent.status = AgentStatus.DIALING
        agent.since = now
        agent.callback = entry.caller  # held: no other call, inbound or out, takes them
        self.agent_changed(agent)
        self.emit(CallbackDue(booked.id, agent.name, booked.e164, booked.queue))

    def callback_go(self, callback_id: int, agent_name: str, now: float) -> None:
        """Claimed: dial the customer, the agent hearing it ring."""
        booked = self.booked.get(key(callback_id))
        entry = self.acd.waiting.get(key(callback_id))
        agent = self.agents.get(agent_name)
        if booked is None or entry is None or agent is None or agent.callback != entry.id:
            log.warning("callback %s: no longer held for %s; not dialled", callback_id, agent_name)
            self.callback_held(callback_id, agent_name, now, retry_at=now)
            return
        self.booked.pop(entry.id)
        self.acd.leave(entry.id)
        kind = Inbound(
            "",
            booked.e164,
            e164=booked.e164,
            client=f"callback · {booked.queue}",
            language=booked.language,
        )
        call = Call(
            f"cb{callback_id}-{self.setup.run}{next(self._ids)}",
            kind,
            "callback",
            now,
            agent=agent.name,
            queue=booked.queue,
            entered_at=entry.entered_at,
            early=True,
        )
        self.calls[call.id] = call
        self.callback_of[call.id] = booked
        agent.callback = call.id
        log.info("callback %s: dialling %s for %s", callback_id, booked.e164, agent.name)
        self.emit(
            InboundArrived(call.id, "", kind.client, booked.e164, now, e164=booked.e164),
            Originate(call.id, booked.e164, self.setup.caller_id, RING_SECONDS),
            Bridge(call.id, agent.name, None, early=True),
        )
        self.agent_changed(agent)
        self.queue_changed(now)

    def callback_held(
        self, callback_id: int, agent_name: str, now: float, *, retry_at: float | None
    ) -> None:
        """Not placed now (the number's hours, a claim lost, do-not-call): the agent is free
        again; the callback waits until `retry_at`, or (None) leaves the line."""
        entry = self.acd.waiting.get(key(callback_id))
        if entry is not None:
            self.acd.unreserve(entry.id)
            if retry_at is None:
                self.callback_gone(callback_id, now)
            else:
                entry.not_before = retry_at
        agent = self.agents.get(agent_name)
        if agent is not None and agent.callback == key(callback_id):
            agent.callback = None
            if agent.status is AgentStatus.DIALING and agent.call is None:
                self.set_status(agent, AgentStatus.READY, now)
        self.queue_changed(now)

    def callback_dropped(self, agent: Agent) -> None:
        """The agent will not take the callback held for them (a pause, they left): a call
        already ringing is hung up (not reached: the runner retries it), one only held
        goes back to its place in line."""
        held = agent.callback
        if held is None:
            return
        agent.callback = None
        call = self.calls.get(held)
        if call is not None:
            self.emit(Hangup(call.id))
        elif held in self.acd.waiting:
            self.acd.unreserve(held)

    # -- the callback's own line ------------------------------------------------------------

    def callback_event(self, call: Call, answered: bool, ended: bool, now: float) -> None:
        agent = self.agents.get(call.agent or "")
        booked = self.callback_of.get(call.id)
        mine = agent is not None and agent.callback == call.id
        if answered and call.state in RINGING:
            call.answered_at = now
            if agent is None or not mine:  # the agent let it go meanwhile: nobody to hear
                self.emit(Hangup(call.id))
                return
            if call.early:
                call.early = False
                self.emit(Ringback(agent.name, on=False))
            agent.callback = None
            self.claim(call, agent, now)
            self.emit(
                Bridge(call.id, agent.name, None),  # recorded from here
                InboundAnswered(call.id, agent.name, now),
            )
            self.agent_changed(agent)
        elif ended:
            del self.calls[call.id]
            self.callback_of.pop(call.id, None)
            if call.early and agent is not None:
                self.emit(Ringback(agent.name, on=False))
            reached = call.state is CallState.CONNECTED
            if booked is not None:
                self.emit(CallbackResult(booked.id, reached, now))
            path = ("callback", f"agent:{agent.name}") if agent is not None else ("callback",)
            outcome = "answered" if reached else "failed"
            self.emit(
                InboundEnded(
                    call.id, now, self.callback_hung_up.pop(call.id, "caller"), outcome, path
                )
            )
            if reached and agent is not None and agent.call is call:
                call.state = CallState.ENDED
                self.start_wrapup(agent, call, now)
            elif agent is not None and mine:
                agent.callback = None
                if agent.status is AgentStatus.DIALING:
                    self.after_call(agent, now)
            self.wake()

    def agent_hangs_up(self, call: Call) -> None:
        if call.mode == "callback":
            self.callback_hung_up[call.id] = "agent"
        super().agent_hangs_up(call)

    def callback_ringing(self, call: Call) -> None:
        call.state = CallState.RINGING
        if call.early and call.agent is not None:
            self.emit(Ringback(call.agent, on=True))
