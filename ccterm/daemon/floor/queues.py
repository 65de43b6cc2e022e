"""Inbound queues on the floor: callers in line (the pure ACD, ccterm/ivr/queue.py), the
free agent who waited longest, hold music and announcements, overflow, blended agents.

A caller at the head goes to an agent at once: the agent's phone leg is up (the
floor never offers a call to an agent whose phone is down or who is on a call),
so the reservation and the bridge happen in the same step and cannot race. An
agent who serves a queue with a caller waiting counts in no outbound floor, so
pacing starts no new line for them (VICIdial's "inbound queue no dial").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ccterm.daemon.floor.base import log
from ccterm.daemon.floor.dialing import Dialing
from ccterm.daemon.floor.effects import (
    Bridge,
    Hangup,
    InboundAnswered,
    InboundQueued,
    Publish,
    QueueCallback,
    StopPrompt,
)
from ccterm.daemon.floor.legs import Leg
from ccterm.daemon.floor.state import Agent, Booked, Call, CallState, Inbound
from ccterm.inbound_plan import InboundPlan
from ccterm.ivr import queue as line
from ccterm.ivr.speech import say_position, say_wait
from ccterm.model import AgentStatus

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


HANDLE_GUESS = 180.0  # seconds per call for the expected wait, until calls are measured
CONFIRM_GRACE = 20.0  # a callback waits this long: the caller hears the confirmation first


class Queues(Dialing):
    plan: InboundPlan
    default_inbound: str
    zone: ZoneInfo | None
    legs: dict[str, Leg]
    acd: line.Acd

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = InboundPlan()
        self.default_inbound = ""
        self.scripts: dict[str, str] = {}
        self.zone = None
        self.legs = {}
        self.acd = line.Acd({})
        self.handled: list[float] = []  # recent inbound handle times, for the expected wait
        self.booked: dict[str, Booked] = {}  # callbacks in line, by ACD key (callbacks.py)
        self.callback_of: dict[str, Booked] = {}  # callbacks being dialled, by call id
        self.callback_hung_up: dict[str, str] = {}  # a callback call the agent ended

    # -- provided by inbound.py ---------------------------------------------------------------

    def play(self, call: Call, prompts: tuple[str, ...], *, then: str, loop: bool = False) -> None:
        raise NotImplementedError

    def go(self, call: Call, target: str, now: float) -> None:
        raise NotImplementedError

    def reserve_callback(self, entry: line.Reserve, agent: Agent, now: float) -> None:
        raise NotImplementedError

    # -- who serves what -------------------------------------------------------------------

    def queues_of(self, group: str) -> tuple[str, ...]:
        """The queues an agent of `group` takes calls from."""
        return tuple(sorted(n for n, q in self.plan.queues.items() if group in q.spec.groups))

    def held_for_inbound(self, agent: Agent) -> bool:
        """A caller waits in a queue this agent serves, or a callback holds the agent: no
        new outbound line for them."""
        return (
            any(
                (c.reserved is None and not c.callback and c.queue in agent.queues)
                or c.reserved == agent.name
                for c in self.acd.waiting.values()
            )
            or agent.callback is not None
        )

    def counted_in(self, agent: Agent, running: set[int]) -> int | None:
        if self.held_for_inbound(agent):
            return None
        return super().counted_in(agent, running)

    # -- in line ---------------------------------------------------------------------------

    def enqueue(self, call: Call, queue: str, now: float) -> None:
        leg = self.legs[call.id]
        leg.outcome = ""  # how this queue ends decides (an earlier overflow no longer does)
        leg.offered_callback = False  # this queue's own offer, if it makes one
        first = call.entered_at is None
        entry = self.acd.join(call.id, queue, now, entered_at=call.entered_at)
        call.entered_at = entry.entered_at
        call.queue = queue
        call.state = CallState.QUEUED
        leg.path.append(f"queue:{queue}")
        log.info("inbound call %s waits in %s (%s)", call.id, queue, "new" if first else "moved")
        self.emit(InboundQueued(call.id, queue, entry.entered_at, tuple(leg.path)))
        self.hold_music(call)
        self.match(now)
        self.queue_changed(now)

    def hold_music(self, call: Call) -> None:
        plan = self.plan.queues.get(call.queue or "")
        hold = plan.hold if plan is not None else ""
        self.play(call, (hold or "hold_music",), then="hold", loop=True)

    def queue_changed(self, now: float) -> None:
        """The line changed: the next overflow, announcement or offer is the next wake-up."""
        self.timers.cancel(("acd", ""))
        at = self.acd.next_wake()
        if at is not None:
            self.timers.set(("acd", ""), at)
        self.wake()  # blended agents: pacing looks again

    def acd_wake(self, now: float) -> None:
        said: dict[str, list[str]] = {}  # an announcement and an offer due together: one play
        for command in self.acd.wake(now):
            call = self.calls.get(command.caller)
            if call is None:
                continue
            match command:
                case line.Overflow(_, target):
                    self.legs[call.id].path.append(f"overflow:{target}")
                    log.info(
                        "inbound call %s: waited too long in %s, to %s", call.id, call.queue, target
                    )
                    self.emit(StopPrompt(call.id))
                    if not target.startswith("queue:"):
                        # the report counts it overflowed here, unless a message left in
                        # voicemail or a queue joined from a menu decides again
                        self.legs[call.id].outcome = "overflowed"
                    self.go(call, target, now)
                case line.Announce(_, position):
                    said.setdefault(call.id, []).extend(self.announcement(call, position))
                case line.OfferCallback():
                    if isinstance(call.kind, Inbound) and call.kind.e164 is not None:
                        self.legs[call.id].offered_callback = True  # (withheld: no number)
                        said.setdefault(call.id, []).append("callback_offer")
        for call_id, prompts in said.items():
            if self.calls[call_id].state is CallState.QUEUED:
                self.play(self.calls[call_id], tuple(prompts), then="hold")
        self.match(now)  # a callback whose retry time came may go now
        self.queue_changed(now)

    def announcement(self, call: Call, position: int) -> tuple[str, ...]:
        serving = sum(1 for a in self.agents.values() if call.queue in a.queues and a.clients)
        handle = sum(self.handled) / len(self.handled) if self.handled else HANDLE_GUESS
        wait = line.expected_wait(position, serving, handle)
        language = self.legs[call.id].language
        return (*say_position(position, language), *say_wait(wait, language))

    def callback_taken(self, call: Call, now: float) -> None:
        """The caller pressed 1: a confirmation, the hang-up; their place is kept in line."""
        leg = self.legs[call.id]
        leg.path.append("callback")
        leg.outcome, leg.hung_up_by = "callback", "caller"
        leg.offered_callback = False  # a second 1 books nothing more
        assert isinstance(call.kind, Inbound) and call.queue is not None
        call.state = CallState.IVR
        self.acd.leave(call.id)
        self.emit(
            QueueCallback(
                call.id,
                call.queue,
                call.kind.caller,
                call.entered_at or now,
                now,
                language=leg.language,
                not_before=now + CONFIRM_GRACE,
            )
        )
        self.play(call, ("callback_confirm", "goodbye"), then="hangup")
        self.queue_changed(now)

    # -- to an agent -----------------------------------------------------------------------

    def free_for_inbound(self, agents: list[Agent]) -> list[line.FreeAgent]:
        return [
            line.FreeAgent(a.name, frozenset({a.group}), a.idle_since)
            for a in agents
            if a.queues
            and a.call is None
            and a.callback is None
            and self.phone_up(a)
            and not a.pause_after_call
        ]

    def match(self, now: float | None, only: Agent | None = None) -> bool:
        """Callers at the head to the free agents who waited longest; True if `only` got one."""
        if now is None or not self.acd.waiting:
            return False
        if only is not None:
            free = self.free_for_inbound([only])
        else:
            ready = [a for a in self.agents.values() if a.status is AgentStatus.READY]
            free = self.free_for_inbound(ready)
        served = False
        for reserve in self.acd.match(free, now):
            call = self.calls.get(reserve.caller)
            agent = self.agents[reserve.agent]
            if reserve.callback:
                self.reserve_callback(reserve, agent, now)
                served = served or agent is only
                continue
            if call is None:
                self.acd.leave(reserve.caller)
                continue
            self.bridge_inbound(call, agent, now)
            served = served or agent is only
        if served or free:
            self.queue_changed(now)
        return served

    def bridge_inbound(self, call: Call, agent: Agent, now: float) -> None:
        self.acd.leave(call.id)
        self.legs[call.id].path.append(f"agent:{agent.name}")
        self.stop_prompt_for(call)
        self.claim(call, agent, now)
        log.info(
            "inbound call %s to %s after %.1f s in line",
            call.id,
            agent.name,
            now - (call.entered_at or now),
        )
        self.emit(
            Bridge(call.id, agent.name, None, tone=True),
            InboundAnswered(call.id, agent.name, now),
        )
        self.agent_changed(agent)

    def stop_prompt_for(self, call: Call) -> None:
        leg = self.legs[call.id]
        if leg.token:
            leg.token = 0
            self.emit(StopPrompt(call.id))

    def serve_waiting(self, agent: Agent, now: float) -> bool:
        """An agent became free: an answered outbound person first (their 2 s harbor is the
        law's), then the caller first in line in the agent's queues."""
        if super().serve_waiting(agent, now):
            return True
        return bool(agent.queues) and self.match(now, only=agent)

    def rematch(self, now: float) -> None:
        """After a reload: agents' queues may have changed; callers go to whoever is free."""
        for agent in self.agents.values():
            if agent.status is not AgentStatus.OFFLINE:
                self.agent_changed(agent)
        self.match(now)
        self.queue_changed(now)

    def agent_hangs_up(self, call: Call) -> None:
        if call.id in self.legs:
            self.legs[call.id].hung_up_by = "agent"

    # -- what supervisors and the monitor see ----------------------------------------------

    def queue_state(self, name: str, now: float) -> dict[str, Any]:
        """A queue now, as queue.state carries it (and the wallboard's snapshot)."""
        line = self.acd.in_line(name)
        free = sum(
            1
            for a in self.agents.values()
            if name in a.queues and a.status is AgentStatus.READY and a.call is None
        )
        return {
            "queue": name,
            "waiting": len([c for c in line if not c.callback]),
            "callbacks": len([c for c in line if c.callback]),
            "longest_wait": max((now - c.entered_at for c in line if not c.callback), default=0.0),
            "agents_free": free,
            "agents": sum(1 for a in self.agents.values() if name in a.queues and a.clients),
        }

    def publish_queues(self, now: float) -> None:
        for name in self.acd.queues:
            data = self.queue_state(name, now)
            self.emit(Publish("queue.state", data, groups=self.acd.queues[name].groups))

    def hangup_caller(self, call: Call) -> None:
        self.emit(Hangup(call.id))
