"""`ccterm simulate` for `[inbound]`: a shift of the real ACD (ivr/queue.py) on a virtual clock.

Callers arrive as a Poisson stream, join the one queue all agents serve, and the
Acd decides who is answered and by whom (first come first served, the longest-idle
agent), exactly as live; this module only plays the world around it — arrivals,
talk, wrap-up, callers who give up — and counts. An agent takes a reserved caller
at once, so a reservation never runs out here. With exponential talk, no wrap-up
and no patience the figures must come out as Erlang C (Erlang A with patience):
the tests hold the simulator to it, and the output carries the model's figures.
"""

from __future__ import annotations

import functools
import json
import math
import random
from typing import IO, Any

from ccterm.clock import Cancellable, VirtualClock
from ccterm.dialer.scenario import Inbound, Scenario
from ccterm.ivr.erlang import erlang_a
from ccterm.ivr.queue import Acd, FreeAgent, QueueSpec

START = 1_767_603_600.0  # 2026-01-05 09:00 UTC, as the outbound simulator
QUEUE = "inbound"
GROUP = "sim"

METRIC_KEYS = (
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


class Callers:
    """An [inbound] scenario's random callers, drawn from one stream: the gap to the next
    arrival (Poisson), a talk time (exponential or lognormal) and a patience."""

    def __init__(self, spec: Inbound, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        sigma2 = math.log(1 + spec.talk_cv**2)
        self.mu, self.sigma = math.log(spec.talk_mean) - sigma2 / 2, math.sqrt(sigma2)

    def gap(self) -> float:
        return self.rng.expovariate(self.spec.calls_per_hour / 3600.0)

    def talk(self) -> float:
        if self.spec.talk_dist == "lognormal":
            return self.rng.lognormvariate(self.mu, self.sigma)
        return self.rng.expovariate(1.0 / self.spec.talk_mean)

    def patience(self) -> float | None:
        """Seconds before a waiting caller hangs up; None: they never do."""
        if self.spec.patience <= 0:
            return None
        return self.rng.expovariate(1.0 / self.spec.patience)


class InboundSimulation:
    """One run: build it, `run()` it, read the metrics."""

    def __init__(self, scenario: Scenario, seed: int, *, events: IO[str] | None = None) -> None:
        if scenario.inbound is None:
            raise ValueError("the scenario has no [inbound] section")
        self.scenario = scenario
        self.spec: Inbound = scenario.inbound
        self.rng = random.Random(seed)
        self.clock = VirtualClock(START)
        # No overflow, announcements or callback offers: the scenario does not describe them.
        queue = QueueSpec(QUEUE, frozenset({GROUP}), math.inf, "hangup", 0.0, 0.0)
        self.acd = Acd({QUEUE: queue})
        self.free: dict[str, FreeAgent] = {
            f"a{i}": FreeAgent(f"a{i}", frozenset({GROUP}), START) for i in range(scenario.agents)
        }
        self._events = events
        self._end = START + scenario.shift_seconds
        self._arrived: dict[str, float] = {}
        self._gives_up: dict[str, Cancellable] = {}
        self._next = 0
        self.offered = self.answered = self.abandoned = self.waited = self.within = 0
        self.wait_seconds = 0.0
        self.max_wait = 0.0
        self.busy_seconds = 0.0
        self.callers = Callers(self.spec, self.rng)

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self._schedule_arrival()
        self.clock.advance_to(self._end)
        return self.metrics()

    def _schedule_arrival(self) -> None:
        gap = self.callers.gap()
        if self.clock.now() + gap < self._end:
            self.clock.call_later(gap, self._arrive)

    def _arrive(self) -> None:
        now = self.clock.now()
        self._next += 1
        caller = f"c{self._next}"
        self.offered += 1
        self._arrived[caller] = now
        self.acd.join(caller, QUEUE, now)
        self._log("arrive", caller=caller)
        patience = self.callers.patience()
        if patience is not None:
            self._gives_up[caller] = self.clock.call_later(patience, lambda: self._give_up(caller))
        self._schedule_arrival()
        self._match()

    def _give_up(self, caller: str) -> None:
        self._gives_up.pop(caller, None)
        if self.acd.leave(caller) is not None:
            self.abandoned += 1
            self._arrived.pop(caller)
            self._log("abandon", caller=caller)

    def _match(self) -> None:
        """The Acd's choice, taken at once: each reserved agent answers the caller now."""
        if not (self.acd.waiting and self.free):
            return  # nobody to match: spares the Acd a sort on most events of a long shift
        now = self.clock.now()
        for reserve in self.acd.match(self.free.values(), now):
            self.acd.leave(reserve.caller)
            timer = self._gives_up.pop(reserve.caller, None)
            if timer is not None:
                timer.cancel()
            del self.free[reserve.agent]
            wait = now - self._arrived.pop(reserve.caller)
            self.answered += 1
            self.wait_seconds += wait
            self.max_wait = max(self.max_wait, wait)
            self.waited += wait > 0
            self.within += wait <= self.spec.service_level
            handle = self.callers.talk() + self.spec.wrapup
            self.busy_seconds += min(now + handle, self._end) - now
            self._log("answer", caller=reserve.caller, agent=reserve.agent, wait=round(wait, 3))
            self.clock.call_later(handle, functools.partial(self._free, reserve.agent))

    def _free(self, agent: str) -> None:
        """Talk and wrap-up over: the agent is free, idle since now."""
        self.free[agent] = FreeAgent(agent, frozenset({GROUP}), self.clock.now())
        self._log("free", agent=agent)
        self._match()

    def _log(self, event: str, **data: Any) -> None:
        if self._events is not None:
            record = {"t": round(self.clock.now() - START, 3), "event": event, **data}
            self._events.write(json.dumps(record) + "\n")

    # -- the figures ----------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        sc, spec = self.scenario, self.spec
        answered = self.answered
        out: dict[str, Any] = {
            "offered": self.offered,
            "answered": answered,
            "abandoned": self.abandoned,
            "still_waiting": len(self.acd.waiting),
            "p_wait": round(self.waited / answered, 6) if answered else 0.0,
            "asa": round(self.wait_seconds / answered, 3) if answered else 0.0,
            "service_level": round(self.within / answered, 6) if answered else 0.0,
            "abandon_rate": round(self.abandoned / self.offered, 6) if self.offered else 0.0,
            "occupancy": round(self.busy_seconds / (sc.agents * sc.shift_seconds), 6),
            "max_wait": round(self.max_wait, 3),
        }
        metrics = {key: out[key] for key in METRIC_KEYS}
        metrics["erlang"] = model(sc.agents, spec)
        return metrics


def model(agents: int, spec: Inbound) -> dict[str, Any]:
    """Erlang A's (Erlang C's without patience) figures for the scenario, on the same footing
    as the simulator's (over answered calls). Exact for exponential talk and no wrap-up;
    otherwise the usual staffing estimate, with talk + wrap-up as the handle time."""
    handle = spec.talk_mean + spec.wrapup
    load = spec.calls_per_hour * handle / 3600.0
    patience = spec.patience or math.inf
    exact = spec.talk_dist == "exponential" and spec.wrapup == 0
    try:
        a = erlang_a(agents, load, handle, patience, spec.service_level)
    except ValueError:  # far over load with very patient callers: the queue never settles
        return {"load_erlangs": round(load, 4), "exact": exact, "settled": False}
    return {
        "load_erlangs": round(load, 4),
        "exact": exact,
        "settled": math.isfinite(a.asa),  # False: over load and nobody gives up
        "p_wait": round(a.p_wait_answered, 6),
        "asa": round(a.asa, 3) if math.isfinite(a.asa) else None,
        "service_level": round(a.service_level, 6),
        "abandon_rate": round(a.p_abandon, 6),
        "occupancy": round(min(1.0, load * (1 - a.p_abandon) / agents), 6),
    }


def simulate_inbound(
    scenario: Scenario, seed: int, *, events: IO[str] | None = None
) -> dict[str, Any]:
    return InboundSimulation(scenario, seed, events=events).run()
