"""`ccterm simulate`: a shift of the live floor core and its pacer on a virtual clock.

The model is the one bench/scenarios/README.md defines: contacts dialled in list
order, each with pre-drawn numbers; outcomes from the odds in force when dialled.
There is no call flow here: the daemon's own FloorCore (daemon/floor/) decides
who takes whom, the safe harbor, abandons, wrap-up and every dial, exactly as
live. This module only plays the world around it — the simulated trunk (the
customers: ringing, answering, talking `talk_s`, then hanging up), the agents
(each disposes `wrap_s` after a call ends), the store (a lead per contact) — and
counts. The pacer sees only what the live floor gives it, never a pre-drawn number.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

from ccterm.clock import Alarm, VirtualClock
from ccterm.daemon.floor.base import Setup
from ccterm.daemon.floor.core import FloorCore
from ccterm.daemon.floor.effects import (
    Bridge,
    Effect,
    FinishAttempt,
    Hangup,
    MarkAbandoned,
    MarkConnected,
    Originate,
    Publish,
    Take,
)
from ccterm.daemon.floor.state import Lead
from ccterm.dialer.pacing import Policy
from ccterm.dialer.scenario import Contact, Scenario, ScenarioError
from ccterm.model import (
    Campaign,
    CampaignSettings,
    CampaignStatus,
    DialMode,
    Disposition,
)
from ccterm.sip.simulated import CallPlan, SimProfile, SimulatedTrunk
from ccterm.sip.trunk import CallAnswered, CallEnded, TrunkEvent

START = 1_767_603_600.0  # 2026-01-05 09:00 UTC: a Monday morning, for the events file
CAMPAIGN = 1
IDLE = ("ready", "dialing")

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


def _campaign(scenario: Scenario, policy: Policy) -> Campaign:
    mode = DialMode.PRECISE if policy.kind == "precise" else DialMode.PREDICTIVE
    settings = CampaignSettings(
        mode=mode,
        ring_timeout=round(scenario.ring_timeout),
        wrapup_seconds=0,  # the simulated agents dispose when their contact's wrap-up is over
        safe_harbor=scenario.safe_harbor,
        abandon_cap=policy.target if policy.kind == "predictive" else scenario.cap,
        cut_after=int(policy.drop),
    )
    return Campaign(
        CAMPAIGN, scenario.name, CampaignStatus.RUNNING, settings, START, None, START, START
    )


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
        self.clock = VirtualClock(START)
        self.trunk = SimulatedTrunk(SimProfile(ringing_after=1e9), self.clock)
        self.trunk.planner = self._plan
        self.trunk.set_listener(self._on_event)
        lines = scenario.max_lines or 1_000_000
        setup = Setup(
            audio=False,
            max_lines=lines,
            calls_per_second=1e9,
            amd_seconds=scenario.amd_detect_seconds,
            burst=float(lines),
            watch=False,
        )
        self.core = FloorCore(setup, START)
        self.core.policies[CAMPAIGN] = policy
        self.core.holds[CAMPAIGN] = scenario.message_seconds
        campaign = _campaign(scenario, policy)
        self.core.set_campaigns([campaign])
        for i in range(scenario.agents):
            self.core.login(f"a{i}", "sim", campaign, START, new_client=True)
        self._contacts = contacts
        self._events = events
        self._end = START + scenario.shift_seconds
        self._over = False
        self._alarm = Alarm(self.clock, self._wake)
        self._taken: dict[int, tuple[Contact, str]] = {}  # attempt -> contact, the truth
        self._calls: dict[str, int] = {}  # call id -> attempt
        self._call_ids: dict[int, str] = {}  # attempt -> call id
        self._answered: set[str] = set()
        self._cut: set[str] = set()  # hung up ringing by the pacer
        self._queued: deque[TrunkEvent] = deque()  # events that came during a batch
        self._flushing = False
        self._connected: dict[str, float] = {}  # call id -> connected at
        self._agents: dict[str, tuple[str, float]] = {}  # name -> (status, since)
        self._lines = 0
        self._lines_since = START
        self.counts = dict.fromkeys(METRIC_KEYS[9:], 0)
        self.talk_seconds = 0.0
        self.idle_seconds = 0.0
        self.line_seconds = 0.0
        self.peak_lines = 0

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        for name in self.core.agents:
            self._agents[name] = ("ready", START)
        self.core.drain()  # the log-ins' news: nobody listens
        self.trunk.up()
        self._flush()
        self.clock.advance_to(self._end)
        self._finish()
        return self.metrics()

    def _flush(self) -> None:
        """Execute what the floor asked, pacing when it wants, as the daemon's runner does:
        trunk events that come while a batch runs wait for it to end (the runner queues
        them), so the core never hears of a line in the middle of its own effects."""
        if self._flushing:
            return
        self._flushing = True
        core = self.core
        try:
            while not self._over:
                effects = core.drain()
                for one in effects:
                    self._execute(one)
                if core.out:
                    continue
                if self._queued:
                    core.trunk_event(self._queued.popleft(), self.clock.now())
                    continue
                if core.pace_wanted:
                    core.pace(self.clock.now())
                    if core.out:
                        continue
                break
        finally:
            self._flushing = False
        self._arm()

    def _arm(self) -> None:
        if not self._over:
            self._alarm.set(self.core.next_wake())

    def _wake(self) -> None:
        if self.clock.now() < self._end:
            self.core.wake_up(self.clock.now())
            self._flush()

    def _log(self, event: str, **data: Any) -> None:
        if self._events is not None:
            record = {"t": round(self.clock.now() - START, 3), "event": event, **data}
            self._events.write(json.dumps(record) + "\n")

    # -- the world: store, trunk and agents --------------------------------------------------

    def _execute(self, one: Effect) -> None:
        now = self.clock.now()
        if isinstance(one, Take):
            leads = [self._take() for _ in range(one.count)]
            self.core.taken(one.campaign_id, one.agent, one.mode, leads, one.count, now)
        elif isinstance(one, Originate):
            self._dial(one)
        elif isinstance(one, Hangup):
            call = self.core.calls.get(one.call_id)
            if call is not None and call.cut and one.call_id not in self._answered:
                self._cut.add(one.call_id)
                self._log("cut", call=one.call_id)
            self.trunk.hangup(one.call_id)
        elif isinstance(one, Bridge):  # the person talks, then hangs up
            contact = self._taken[self._calls[one.call_id]][0]
            call_id = one.call_id
            self.clock.call_later(contact.talk_s, lambda: self.trunk.hangup(call_id))
        elif isinstance(one, MarkConnected):
            self.counts["connects"] += 1
            call_id = self._call_of(one.attempt_id)
            self._connected[call_id] = one.at
            self._log("connect", call=call_id, agent=one.agent)
        elif isinstance(one, MarkAbandoned):
            self.counts["abandoned"] += 1
            self._log("abandon", call=self._call_of(one.attempt_id))
        elif isinstance(one, FinishAttempt):
            self._finished(one)
        elif isinstance(one, Publish) and one.name == "agent.changed":
            self._agent(one.data, now)

    def _take(self) -> Lead:
        try:
            contact = next(self._contacts)
        except StopIteration:
            raise ScenarioError(
                f"the contact file ran out after {self.counts['dials']} contacts,"
                f" {self.clock.now() - START:.0f} s into the shift",
                "give a longer file, or leave out --contacts to draw contacts from the seed",
            ) from None
        attempt = len(self._taken) + 1
        self._taken[attempt] = (contact, self._outcome(contact, self.clock.now()))
        return Lead(attempt, attempt, 1, str(attempt), "")

    def _dial(self, one: Originate) -> None:
        attempt = int(one.number)
        self._calls[one.call_id] = attempt
        self._call_ids[attempt] = one.call_id
        self.counts["dials"] += 1
        self._line(+1)
        self._log("dial", call=one.call_id, outcome=self._taken[attempt][1])
        self.trunk.originate(one.call_id, one.number, caller_id="", ring_timeout=one.ring_timeout)

    def _call_of(self, attempt: int) -> str:
        return self._call_ids[attempt]

    def _outcome(self, contact: Contact, now: float) -> str:
        odds = self.scenario.odds_at(now - START)
        u = contact.outcome_u
        total = 0.0
        for kind, p in (
            ("human", odds.p_human),
            ("machine", odds.p_machine),
            ("busy", odds.p_busy),
            ("invalid", odds.p_invalid),
        ):
            total += p
            if u < total:
                return kind
        return "no_answer"

    def _plan(self, number: str, ring_timeout: float) -> CallPlan:
        """What the simulated trunk plays for this contact: the pre-drawn truth."""
        sc = self.scenario
        contact, kind = self._taken[int(number)]
        if kind == "busy":
            return CallPlan("busy", sc.busy_seconds, 0.0)
        if kind == "invalid":
            return CallPlan("invalid", sc.invalid_seconds, 0.0)
        if kind == "machine":
            return CallPlan("machine", contact.ring_s, 1e9, amd_machine=True)
        if kind == "human":  # answering-machine detection may take them for a machine
            fp = contact.amd_u < sc.amd_false_positive
            return CallPlan("human", contact.ring_s, 1e9, amd_machine=fp)
        return CallPlan("no_answer", sc.ring_timeout, 0.0)

    def _agent(self, data: dict[str, Any], now: float) -> None:
        """An agent's state changed: count idle time; after a call, dispose in `wrap_s`."""
        name, status = data["name"], data["status"]
        before, since = self._agents.get(name, ("offline", now))
        if status == before:
            return
        if before in IDLE:
            self.idle_seconds += now - since
        self._agents[name] = (status, now)
        if status == "wrapup" and data["call"] is not None:
            self._wrapup(name, data["call"])
        elif status == "ready":
            self._log("idle", agent=name)

    def _wrapup(self, name: str, call: dict[str, Any]) -> None:
        """The agent's wrap-up began (`call` as the agent's screen has it): they dispose in
        the contact's `wrap_s`."""
        lead_id = call["lead_id"]
        self._log("wrapup", call=call["id"], agent=name)
        wrap = self._taken[lead_id][0].wrap_s
        self.clock.call_later(wrap, lambda: self._dispose(name, lead_id))

    def _dispose(self, name: str, lead_id: int) -> None:
        if self.clock.now() >= self._end:
            return
        now = self.clock.now()
        self.core.dispose(
            name, lead_id, Disposition.DONE, now, attempts=1, callback_at=None, note=""
        )
        self._flush()

    # -- what the trunk reports ----------------------------------------------------------

    def _on_event(self, event: TrunkEvent) -> None:
        if self._over:
            return
        if isinstance(event, CallAnswered):
            self._answered.add(event.call_id)
            kind = self._taken[self._calls[event.call_id]][1]
            if kind == "human":
                self.counts["human_answered"] += 1
            if event.machine:
                self.counts["machine" if kind == "machine" else "amd_false_positive"] += 1
                self._log("answer", call=event.call_id, amd="machine")
            else:
                self._log("answer", call=event.call_id)
        elif isinstance(event, CallEnded):
            self._line(-1)
            connected = self._connected.pop(event.call_id, None)
            if connected is not None:
                self.talk_seconds += self.clock.now() - connected
        self._queued.append(event)
        self._flush()

    def _finished(self, one: FinishAttempt) -> None:
        call_id = self._call_of(one.attempt_id)
        kind = self._taken[one.attempt_id][1]
        if call_id in self._answered:
            self._log("end", call=call_id)
            return
        cut_off = call_id in self._cut or kind in ("human", "machine")
        self.counts["no_answer" if cut_off else kind] += 1
        self._log("end", call=call_id, outcome=kind)

    def _line(self, delta: int) -> None:
        now = self.clock.now()
        self.line_seconds += self._lines * (now - self._lines_since)
        self._lines_since = now
        self._lines += delta
        self.peak_lines = max(self.peak_lines, self._lines)

    # -- the end of the shift --------------------------------------------------------------

    def _finish(self) -> None:
        now = self._end
        self._line(0)
        for connected in self._connected.values():
            self.talk_seconds += now - connected
        for status, since in self._agents.values():
            if status in IDLE:
                self.idle_seconds += now - since
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
