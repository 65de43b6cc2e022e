"""`ccterm simulate`: a shift of the real pacer on a virtual clock against the simulated trunk.

The model is the one bench/scenarios/README.md defines: contacts dialled in list order,
each with pre-drawn numbers; outcomes from the odds in force when dialled; a
person who answers takes the longest-idle agent, or waits up to the safe-harbor
time and is then abandoned (a recorded message holds the line); talk, then
wrap-up, then idle again. The pacer sees only what a live dialer would see:
who is idle, talking or in wrap-up since when, which lines ring since when,
and the outcomes of past calls — never a contact's pre-drawn numbers.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from ccterm.clock import VirtualClock
from ccterm.dialer.pacing import Floor, Pacer, Policy
from ccterm.dialer.scenario import Contact, Scenario, ScenarioError
from ccterm.sip.simulated import CallPlan, SimProfile, SimulatedTrunk
from ccterm.sip.trunk import CallAnswered, CallEnded, TrunkEvent, TrunkStateChanged

START = 1_767_603_600.0  # 2026-01-05 09:00 UTC: a Monday morning, for the events file
TICK = 1.0  # seconds between the pacer's clock-driven looks, as live

METRIC_KEYS = (
    "occupancy",
    "talk_min_per_agent_hour",
    "abandon_rate",
    "abandon_rate_ofcom",
    "mean_idle_wait_s",
    "contacts_per_agent_hour",
    "dials_per_hour",
    "peak_lines",
    "mean_lines",
    "dials",
    "human_answered",
    "connects",
    "abandoned",
    "amd_false_positive",
    "machine",
    "busy",
    "no_answer",
    "invalid",
)


@dataclass(slots=True)
class _Call:
    id: str
    contact: Contact
    dialed_at: float
    kind: str  # the truth: human | machine | busy | invalid | no_answer
    answered_at: float | None = None
    agent: _Agent | None = None
    waiting: bool = False
    abandoned: bool = False
    cut: bool = False  # hung up by the pacer while still ringing


@dataclass(slots=True, eq=False)
class _Agent:
    index: int
    state: str = "idle"  # idle | talk | wrap
    since: float = 0.0
    call: _Call | None = None


class Simulation:
    """One run: build it, `run()` it, read the metrics."""

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        contacts: Iterator[Contact],
        *,
        events: IO[str] | None = None,
    ) -> None:
        self.scenario = scenario
        self.policy = policy
        self.clock = VirtualClock(START)
        self.trunk = SimulatedTrunk(SimProfile(ringing_after=1e9), self.clock)
        self.trunk.planner = self._plan
        self.trunk.set_listener(self._on_event)
        self.pacer = Pacer(
            policy, ring_timeout=scenario.ring_timeout, safe_harbor=scenario.safe_harbor
        )
        self._contacts = contacts
        self._events = events
        self._end = START + scenario.shift_seconds
        self._over = False
        self._pacing = False
        self._again = False
        self._call_seq = 0
        self._plans: dict[str, CallPlan] = {}
        self.agents = [_Agent(i, since=START) for i in range(scenario.agents)]
        self._idle: deque[_Agent] = deque(self.agents)  # longest idle first
        self._talking: dict[_Agent, float] = {}
        self._wrapping: dict[_Agent, float] = {}
        self._ringing: dict[str, float] = {}
        self._waiting: deque[_Call] = deque()
        self._screening = 0  # answered lines AMD is judging
        self._calls: dict[str, _Call] = {}
        self._lines = 0
        self._lines_since = START
        self.counts = dict.fromkeys(METRIC_KEYS[9:], 0)
        self.talk_seconds = 0.0
        self.idle_seconds = 0.0
        self.line_seconds = 0.0
        self.peak_lines = 0

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.clock.call_later(0.0, self._start)
        self.clock.advance_to(self._end)
        self._finish()
        return self.metrics()

    def _start(self) -> None:
        self.trunk.up()
        if self.policy.kind in ("predictive", "precise"):
            self._tick()
        self._pace()

    def _tick(self) -> None:
        if self.clock.now() >= self._end:
            return
        self._pace()
        self.clock.call_later(TICK, self._tick)

    def _log(self, event: str, **data: Any) -> None:
        if self._events is not None:
            record = {"t": round(self.clock.now() - START, 3), "event": event, **data}
            self._events.write(json.dumps(record) + "\n")

    def _floor(self) -> Floor:
        n_human = self.counts["connects"] + self.counts["abandoned"]
        return Floor(
            now=self.clock.now(),
            idle=len(self._idle),
            talking=self._talking.values(),
            wrapping=self._wrapping.values(),
            ringing=self._ringing.values(),
            waiting=len(self._waiting),
            screening=self._screening,
            lines_in_use=self._lines,
            max_lines=self.scenario.max_lines,
            answered=n_human,
            abandoned=self.counts["abandoned"],
        )

    def _pace(self) -> None:
        if self._over or self.clock.now() >= self._end:
            return
        if self._pacing:  # a line cut while pacing ends at once: look again after
            self._again = True
            return
        self._pacing = True
        try:
            self._again = True
            while self._again:
                self._again = False
                decision = self.pacer.decide(self._floor())
                for _ in range(decision.dial):
                    self._dial()
                if decision.drop:
                    self._cut(decision.drop)
        finally:
            self._pacing = False

    def _cut(self, dialled_at: tuple[float, ...]) -> None:
        """Hang up the ringing lines the pacer gave up on, named by when each was dialled."""
        wanted = list(dialled_at)
        chosen = []
        for call_id, since in self._ringing.items():
            if since in wanted:
                wanted.remove(since)
                chosen.append(self._calls[call_id])
        for call in chosen:
            call.cut = True
            self._log("cut", call=call.id)
            self.trunk.hangup(call.id)

    # -- lines ----------------------------------------------------------------------------

    def _line(self, delta: int) -> None:
        now = self.clock.now()
        self.line_seconds += self._lines * (now - self._lines_since)
        self._lines_since = now
        self._lines += delta
        self.peak_lines = max(self.peak_lines, self._lines)

    def _dial(self) -> None:
        try:
            contact = next(self._contacts)
        except StopIteration:
            raise ScenarioError(
                f"the contact file ran out after {self.counts['dials']} contacts,"
                f" {self.clock.now() - START:.0f} s into the shift",
                "give a longer file, or leave out --contacts to draw contacts from the seed",
            ) from None
        now = self.clock.now()
        self._call_seq += 1
        call_id = f"s{self._call_seq}"
        kind = self._outcome(contact, now)
        call = _Call(call_id, contact, now, kind)
        self._calls[call_id] = call
        self._ringing[call_id] = now
        self.counts["dials"] += 1
        self._line(+1)
        sc = self.scenario
        if kind == "busy":
            plan = CallPlan("busy", sc.busy_seconds, 0.0)
        elif kind == "invalid":
            plan = CallPlan("invalid", sc.invalid_seconds, 0.0)
        elif kind == "human":
            plan = CallPlan("human", contact.ring_s, 1e9, amd_machine=False)
        elif kind == "machine":
            plan = CallPlan("machine", contact.ring_s, 1e9, amd_machine=True)
        else:
            plan = CallPlan("no_answer", sc.ring_timeout, 0.0)
        self._plans[call_id] = plan
        self._log("dial", call=call_id, outcome=kind)
        self.trunk.originate(call_id, call_id, caller_id="", ring_timeout=sc.ring_timeout)

    def _outcome(self, contact: Contact, now: float) -> str:
        odds = self.scenario.odds_at(now - START)
        u = contact.outcome_u
        total = odds.p_human
        if u < total:
            return "human"
        total += odds.p_machine
        if u < total:
            return "machine"
        total += odds.p_busy
        if u < total:
            return "busy"
        total += odds.p_invalid
        if u < total:
            return "invalid"
        return "no_answer"

    def _plan(self, number: str, ring_timeout: float) -> CallPlan:
        return self._plans.pop(number)

    # -- what the trunk reports ----------------------------------------------------------

    def _on_event(self, event: TrunkEvent) -> None:
        if self._over or isinstance(event, TrunkStateChanged):
            return
        if isinstance(event, CallAnswered):
            self._answered(self._calls[event.call_id], event.machine)
        elif isinstance(event, CallEnded):
            self._ended(self._calls.pop(event.call_id))

    def _answered(self, call: _Call, machine: bool) -> None:
        now = self.clock.now()
        call.answered_at = now
        del self._ringing[call.id]
        sc = self.scenario
        fp = call.kind == "human" and call.contact.amd_u < sc.amd_false_positive
        self.pacer.model.resolved(now - call.dialed_at, human=not (machine or fp))
        if call.kind == "human":
            self.counts["human_answered"] += 1
        if machine or fp:
            self.counts["machine" if machine else "amd_false_positive"] += 1
            self._log("answer", call=call.id, amd="machine")
            self._screening += 1
            self.clock.call_later(sc.amd_detect_seconds, lambda: self._screened(call))
            self._pace()
            return
        self._log("answer", call=call.id)
        if self._idle:
            self._connect(call, self._idle.popleft())
        else:
            call.waiting = True
            self._waiting.append(call)
            self.clock.call_later(sc.safe_harbor, lambda: self._harbor_over(call))
        self._pace()

    def _screened(self, call: _Call) -> None:
        """AMD has judged the line a machine: hang up."""
        self._screening -= 1
        self.trunk.hangup(call.id)

    def _harbor_over(self, call: _Call) -> None:
        if not call.waiting:
            return
        call.waiting = False
        call.abandoned = True
        self._waiting.remove(call)
        self.counts["abandoned"] += 1
        self._log("abandon", call=call.id)
        self.clock.call_later(self.scenario.message_seconds, lambda: self.trunk.hangup(call.id))
        self._pace()

    def _connect(self, call: _Call, agent: _Agent) -> None:
        now = self.clock.now()
        self.idle_seconds += now - agent.since
        agent.state, agent.since, agent.call = "talk", now, call
        call.agent = agent
        self._talking[agent] = now
        self.counts["connects"] += 1
        self._log("connect", call=call.id, agent=agent.index)
        talk = call.contact.talk_s
        self.clock.call_later(talk, lambda: self.trunk.hangup(call.id))

    def _ended(self, call: _Call) -> None:
        now = self.clock.now()
        self._line(-1)
        if call.id in self._ringing:
            del self._ringing[call.id]
            self.pacer.model.resolved(now - call.dialed_at, human=False, cut=call.cut)
            cut_off = call.cut or call.kind in ("human", "machine")
            self.counts["no_answer" if cut_off else call.kind] += 1
            self._log("end", call=call.id, outcome=call.kind)
            self._pace()
            return
        agent = call.agent
        if agent is None:  # AMD or abandon message over
            self._log("end", call=call.id)
            self._pace()
            return
        talk = now - agent.since
        self.talk_seconds += talk
        self.pacer.model.talked(talk)
        del self._talking[agent]
        agent.state, agent.since, agent.call = "wrap", now, None
        self._wrapping[agent] = now
        self._log("wrapup", call=call.id, agent=agent.index)
        wrap = call.contact.wrap_s
        self.clock.call_later(wrap, lambda: self._wrapped(agent))
        self._pace()

    def _wrapped(self, agent: _Agent) -> None:
        now = self.clock.now()
        self.pacer.model.wrapped(now - agent.since)
        del self._wrapping[agent]
        agent.state, agent.since = "idle", now
        self._log("idle", agent=agent.index)
        if self._waiting:
            call = self._waiting.popleft()
            call.waiting = False
            self._connect(call, agent)
        else:
            self._idle.append(agent)
        self._pace()

    # -- the end of the shift --------------------------------------------------------------

    def _finish(self) -> None:
        now = self._end
        self._line(0)
        for agent in self.agents:
            if agent.state == "talk":
                self.talk_seconds += now - agent.since
            elif agent.state == "idle":
                self.idle_seconds += now - agent.since
        self._over = True

    def metrics(self) -> dict[str, Any]:
        sc, c = self.scenario, self.counts
        agent_hours = sc.agents * sc.shift_hours
        occupancy = self.talk_seconds / (agent_hours * 3600.0)
        humans = c["connects"] + c["abandoned"]
        ofcom = humans + c["amd_false_positive"]
        out: dict[str, Any] = {
            "occupancy": round(occupancy, 6),
            "talk_min_per_agent_hour": round(60.0 * occupancy, 4),
            "abandon_rate": round(c["abandoned"] / humans, 6) if humans else 0.0,
            "abandon_rate_ofcom": (
                round((c["abandoned"] + c["amd_false_positive"]) / ofcom, 6) if ofcom else 0.0
            ),
            "mean_idle_wait_s": round(self.idle_seconds / c["connects"], 3)
            if c["connects"]
            else None,
            "contacts_per_agent_hour": round(c["connects"] / agent_hours, 4),
            "dials_per_hour": round(c["dials"] / sc.shift_hours, 2),
            "peak_lines": self.peak_lines,
            "mean_lines": round(self.line_seconds / sc.shift_seconds, 3),
        }
        out.update(c)
        return {key: out[key] for key in METRIC_KEYS}


def simulate(
    scenario: Scenario,
    policy: Policy,
    contacts: Iterator[Contact],
    *,
    events: IO[str] | None = None,
) -> dict[str, Any]:
    return Simulation(scenario, policy, contacts, events=events).run()
