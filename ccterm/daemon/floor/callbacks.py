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
        self.agent_changed(agent)
        self.emit(CallbackDue(booked.id, agent.name, booked.e164, booked.queue))

    def callback_go(self, callback_id: int, agent_name: str, now: float) -> None:
        """Claimed: dial the customer, the agent hearing it ring."""
        booked = self.booked.pop(key(callback_id), None)
        entry = self.acd.leave(key(callback_id))
        agent = self.agents.get(agent_name)
        if booked is None or entry is None or agent is None:
            return
        kind = Inbound(
            "",
            booked.e164,
            e164=booked.e164,
            client=f"callback · {booked.queue}",
            language=booked.language,
        )
        call = Call(
            f"cb{callback_id}-{next(self._ids)}",
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
        log.info("callback %s: dialling %s for %s", callback_id, booked.e164, agent.name)
        self.emit(
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
        if agent is not None and agent.status is AgentStatus.DIALING and agent.call is None:
            self.set_status(agent, AgentStatus.READY, now)
        self.queue_changed(now)

    # -- the callback's own line ------------------------------------------------------------

    def callback_event(self, call: Call, answered: bool, ended: bool, now: float) -> None:
        agent = self.agents.get(call.agent or "")
        booked = self.callback_of.get(call.id)
        if answered and call.state in RINGING and agent is not None:
            call.answered_at = now
            if call.early:
                call.early = False
                self.emit(Ringback(agent.name, on=False))
            self.claim(call, agent, now)
            self.emit(Bridge(call.id, agent.name, None))  # recorded from here
            self.agent_changed(agent)
        elif ended:
            del self.calls[call.id]
            self.callback_of.pop(call.id, None)
            if call.early and agent is not None:
                self.emit(Ringback(agent.name, on=False))
            reached = call.state is CallState.CONNECTED
            if booked is not None:
                self.emit(CallbackResult(booked.id, reached, now))
            if reached and agent is not None and agent.call is call:
                call.state = CallState.ENDED
                self.start_wrapup(agent, call, now)
            elif agent is not None and agent.status is AgentStatus.DIALING:
                self.after_call(agent, now)
            self.wake()

    def callback_ringing(self, call: Call) -> None:
        call.state = CallState.RINGING
        if call.early and call.agent is not None:
            self.emit(Ringback(call.agent, on=True))
