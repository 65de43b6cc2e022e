"""`ccterm simulate` for a blended scenario (`[inbound]` and outbound keys): the agents
dial for the campaign and take the queue's callers, on the live floor core.

Nothing here decides who takes whom: the daemon's FloorCore (daemon/floor/) does,
as live. The agents log in to the outbound campaign, and their group is the one group
of the one queue, so they are blended: a caller waiting in the queue is theirs as soon
as one frees (an answered outbound person in the safe harbor first), and while a caller
waits the pacer counts none of them, so no new line starts for them. This module adds
to the outbound simulator (simulate.py) the callers' side: Poisson arrivals on the
simulated trunk to one number whose route starts in the queue, picked up at once,
hold music until an agent takes them, talk drawn from `[inbound]`, callers who give up
after an exponential patience, and agents who end an inbound wrap-up after
`[inbound] wrapup` seconds. It prints the outbound figures, the inbound ones (as
inbound_sim.py defines them) and the agents' time across both.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import IO, Any

from ccterm.clock import Cancellable
from ccterm.daemon.floor.effects import (
    Answer,
    Bridge,
    Effect,
    InboundAnswered,
    InboundEnded,
    InboundQueued,
    MarkConnected,
    PlayPrompt,
    StopPrompt,
)
from ccterm.dialer.inbound_sim import Callers
from ccterm.dialer.pacing import Policy
from ccterm.dialer.scenario import Contact, Inbound, Scenario
from ccterm.dialer.simulate import CAMPAIGN, Simulation
from ccterm.inbound_plan import InboundPlan, InboundRoute, QueuePlan
from ccterm.ivr.queue import QueueSpec
from ccterm.sip.trunk import CallAnswered, CallEnded, InboundCall, TrunkEvent

QUEUE = "blend"
GROUP = "sim"  # the simulated agents' group (simulate.py logs them in with it)
DID = "+15550100"
BUSY = ("on_call", "wrapup")
NEVER = 1e12  # seconds: the trunk's own hang-up of a caller; the callers here decide

INBOUND_KEYS = (
    "offered",
    "answered",
    "abandoned",
    "still_waiting",
    "p_wait",
    "asa",
    "service_level",
    "abandon_rate",
    "occupancy",
    "max_wait",
)


def plan(spec: Inbound) -> InboundPlan:
    """One number straight into one queue the agents' group serves: no menu, announcement,
    callback offer or overflow (the scenario describes none)."""
    queue = QueueSpec(
        QUEUE,
        frozenset({GROUP}),
        max_wait=1e9,
        overflow="hangup",
        announce_every=0.0,
        callback_after=0.0,
    )
    route = InboundRoute(DID.lstrip("+"), "sim", f"queue:{QUEUE}")
    return InboundPlan((route,), {}, {QUEUE: QueuePlan(queue, service_level=spec.service_level)})


class BlendedSimulation(Simulation):
    """One blended run: build it, `run()` it, read the three sets of figures."""

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        contacts: Iterator[Contact],
        seed: int,
        *,
        events: IO[str] | None = None,
    ) -> None:
        if scenario.inbound is None:
            raise ValueError("the scenario has no [inbound] section")
        super().__init__(scenario, policy, contacts, events=events)
        self.spec: Inbound = scenario.inbound
        self.cap = policy.target if policy.kind == "predictive" else scenario.cap
        self.core.set_plan(plan(self.spec))  # the logged-in agents now serve the queue too
        self.callers = Callers(self.spec, random.Random(f"inbound:{seed}"))  # its own stream
        self._next = 0
        self._inbound: set[str] = set()  # call ids of the callers
        self._gives_up: dict[str, Cancellable] = {}
        self._prompts: dict[str, Cancellable] = {}  # call id -> a prompt's end
        self._state: dict[str, tuple[str, str, float]] = {}  # name -> status, direction, since
        self.time: dict[tuple[str, str], float] = {}  # (status, direction) -> agent-seconds
        self.took: dict[str, set[str]] = {}  # agent -> directions of the calls they took
        self.by_campaign_agents = 0  # callers answered by an agent logged in to the campaign
        self.offered = self.answered = self.abandoned = self.waited = self.within = 0
        self.wait_seconds = self.max_wait = 0.0

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        for name in self.core.agents:
            self._state[name] = ("ready", "", self.clock.now())
        self._schedule_arrival()
        return super().run()

    def _schedule_arrival(self) -> None:
        gap = self.callers.gap()
        if self.clock.now() + gap < self._end:
            self.clock.call_later(gap, self._arrive)

    def _arrive(self) -> None:
        """A caller dials the number (the trunk reports it to the floor)."""
        self._next += 1
        call_id = f"in{self._next}"
        self._inbound.add(call_id)
        self.offered += 1
        self._log("inbound_arrive", call=call_id)
        patience = self.callers.patience()
        if patience is not None:
            self._gives_up[call_id] = self.clock.call_later(
                patience, lambda: self._give_up(call_id)
            )
        self._schedule_arrival()
        self.trunk.offer(call_id, DID, f"+1555{self._next:07d}", hold=NEVER)

    def _give_up(self, call_id: str) -> None:
        """The caller's patience ran out before an agent took them: they hang up."""
        self._gives_up.pop(call_id, None)
        if not self._over:
            self.trunk.hangup(call_id)

    def _prompt_over(self, call_id: str, token: int) -> None:
        self._prompts.pop(call_id, None)
        if not self._over:
            self.core.prompt_done(call_id, token, self.clock.now())
            self._flush()

    def _ready(self, name: str) -> None:
        """The agent is done with an inbound call's wrap-up (nothing to dispose)."""
        if not self._over:
            self.core.ready(name, self.clock.now())
            self._flush()

    # -- the world: what the floor asks --------------------------------------------------

    def _execute(self, one: Effect) -> None:
        if isinstance(one, Answer):
            self.trunk.answer(one.call_id)  # CallAnswered at once
        elif isinstance(one, PlayPrompt):
            if not one.loop:  # a message ends (at once here); hold music plays until stopped
                token, call_id = one.token, one.call_id
                self._prompts[call_id] = self.clock.call_later(
                    0.0, lambda: self._prompt_over(call_id, token)
                )
        elif isinstance(one, StopPrompt):
            timer = self._prompts.pop(one.call_id, None)
            if timer is not None:
                timer.cancel()
        elif isinstance(one, Bridge) and one.call_id in self._inbound:
            call_id = one.call_id
            self.clock.call_later(self.callers.talk(), lambda: self.trunk.hangup(call_id))
        elif isinstance(one, InboundQueued):
            self._log("inbound_queued", call=one.call_id)
        elif isinstance(one, InboundAnswered):
            self._answered_in(one)
        elif isinstance(one, InboundEnded):
            if one.outcome == "abandoned":
                self.abandoned += 1
            self._log("inbound_end", call=one.call_id, outcome=one.outcome)
        else:
            if isinstance(one, MarkConnected):
                self.took.setdefault(one.agent, set()).add("outbound")
            super()._execute(one)

    def _answered_in(self, one: InboundAnswered) -> None:
        timer = self._gives_up.pop(one.call_id, None)
        if timer is not None:
            timer.cancel()
        call = self.core.calls[one.call_id]
        wait = one.at - (call.entered_at if call.entered_at is not None else one.at)
        self.answered += 1
        self.wait_seconds += wait
        self.max_wait = max(self.max_wait, wait)
        self.waited += wait > 0
        self.within += wait <= self.spec.service_level
        self.took.setdefault(one.agent, set()).add("inbound")
        if self.core.agents[one.agent].campaign == CAMPAIGN:
            self.by_campaign_agents += 1
        self._log("inbound_answer", call=one.call_id, agent=one.agent, wait=round(wait, 3))

    def _agent(self, data: dict[str, Any], now: float) -> None:
        """Count each agent's time by status and by the kind of call in hand."""
        name, status = data["name"], data["status"]
        call = data["call"]
        direction = call["direction"] if call is not None and status in BUSY else ""
        before = self._state.get(name)
        if before is not None and before[:2] != (status, direction):
            key = before[:2]
            self.time[key] = self.time.get(key, 0.0) + now - before[2]
        if before is None or before[:2] != (status, direction):
            self._state[name] = (status, direction, now)
        super()._agent(data, now)

    def _wrapup(self, name: str, call: dict[str, Any]) -> None:
        if call["direction"] != "inbound":
            super()._wrapup(name, call)
            return
        self._log("inbound_wrapup", call=call["id"], agent=name)
        self.clock.call_later(self.spec.wrapup, lambda: self._ready(name))

    # -- what the trunk reports ----------------------------------------------------------

    def _on_event(self, event: TrunkEvent) -> None:
        if self._over:
            return
        inbound = isinstance(event, InboundCall) or (
            isinstance(event, CallAnswered | CallEnded) and event.call_id in self._inbound
        )
        if not inbound:
            super()._on_event(event)
            return
        if isinstance(event, CallEnded):
            self._inbound.discard(event.call_id)
            timer = self._gives_up.pop(event.call_id, None)
            if timer is not None:
                timer.cancel()
        self._queued.append(event)
        self._flush()

    # -- the figures ----------------------------------------------------------------------

    def _finish(self) -> None:
        super()._finish()
        for name, (status, direction, since) in self._state.items():
            key = (status, direction)
            self.time[key] = self.time.get(key, 0.0) + self._end - since
            self._state[name] = (status, direction, self._end)

    def metrics(self) -> dict[str, Any]:
        return {
            "abandon_cap": self.cap,
            "outbound": super().metrics(),
            "inbound": self.inbound_metrics(),
            "blended": self.blended_metrics(),
        }

    def _share(self, seconds: float) -> float:
        return round(seconds / (self.scenario.agents * self.scenario.shift_seconds), 6)

    def _seconds(self, statuses: tuple[str, ...], direction: str) -> float:
        return sum(self.time.get((status, direction), 0.0) for status in statuses)

    def inbound_metrics(self) -> dict[str, Any]:
        """As inbound_sim.py: over answered calls; occupancy = (talk + wrap-up) / agent time."""
        answered = self.answered
        out: dict[str, Any] = {
            "offered": self.offered,
            "answered": answered,
            "abandoned": self.abandoned,
            "still_waiting": len(self.core.acd.waiting),
            "p_wait": round(self.waited / answered, 6) if answered else 0.0,
            "asa": round(self.wait_seconds / answered, 3) if answered else 0.0,
            "service_level": round(self.within / answered, 6) if answered else 0.0,
            "abandon_rate": round(self.abandoned / self.offered, 6) if self.offered else 0.0,
            "occupancy": self._share(self._seconds(BUSY, "inbound")),
            "max_wait": round(self.max_wait, 3),
        }
        return {key: out[key] for key in INBOUND_KEYS}

    def blended_metrics(self) -> dict[str, Any]:
        """The agents' time across both: talking (`occupancy`, as outbound counts it),
        talking or wrapping up (`busy`), and who took calls of both kinds."""
        talk_in = self._seconds(("on_call",), "inbound")
        talk_out = self._seconds(("on_call",), "outbound")
        busy = self._seconds(BUSY, "inbound") + self._seconds(("on_call", "wrapup"), "outbound")
        return {
            "occupancy": self._share(talk_in + talk_out),
            "busy": self._share(busy),
            "inbound_talk_share": round(talk_in / (talk_in + talk_out), 6)
            if talk_in + talk_out
            else 0.0,
            "agents_took_both": sum(1 for kinds in self.took.values() if len(kinds) == 2),
            "inbound_answered_by_campaign_agents": self.by_campaign_agents,
        }


def simulate_blended(
    scenario: Scenario,
    policy: Policy,
    contacts: Iterator[Contact],
    seed: int,
    *,
    events: IO[str] | None = None,
) -> dict[str, Any]:
    return BlendedSimulation(scenario, policy, contacts, seed, events=events).run()
