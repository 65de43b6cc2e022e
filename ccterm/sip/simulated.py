"""A trunk that needs no network: seeded, realistic outcomes on any Scheduler.

It powers the demo, fast tests and `ccterm simulate`. With the same seed and
the same calls it plays out the same way, on asyncio's loop or on a VirtualClock.
It is never a substitute for the SIP tests, which run against sipp.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from ccterm.clock import Cancellable, Scheduler
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    DigitReceived,
    InboundCall,
    Listener,
    Outcome,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)


@dataclass(frozen=True, slots=True)
class SimProfile:
    """Odds and timings of what happens when a number is dialled."""

    p_human: float = 0.30
    p_machine: float = 0.15
    p_busy: float = 0.05
    p_invalid: float = 0.05
    answer_min: float = 4.0  # seconds of ringing before an answer
    answer_max: float = 20.0
    ringing_after: float = 1.0  # seconds until 180 Ringing
    busy_seconds: float = 5.0
    invalid_seconds: float = 2.0
    talk_mean: float = 120.0  # a person stays on the line, lognormal
    talk_cv: float = 0.8
    greeting_seconds: float = 30.0  # a machine's greeting and beep, then it records silence
    # inbound: callers arriving by themselves (Poisson) at these numbers, from these
    # numbers (or random ones), pressing one of `inbound_keys` a few seconds after the answer
    inbound_per_hour: float = 0.0
    inbound_dids: tuple[str, ...] = ()
    inbound_callers: tuple[str, ...] = ()
    inbound_keys: str = ""
    inbound_first: float = 0.0  # seconds until the first caller; 0 = drawn like the rest


@dataclass(frozen=True, slots=True)
class CallPlan:
    """What will happen to one dialled call: a planner decides, the trunk plays it out.

    `ring_s` is the ringing before an answer (for busy and invalid: until the
    network says so); `hold_s` how long whoever answered stays on the line;
    `amd_machine` the verdict answering-machine detection reports on the answer.
    """

    outcome: str  # human | machine | busy | invalid | no_answer
    ring_s: float
    hold_s: float
    amd_machine: bool = False


Planner = Callable[[str, float], CallPlan]  # (number, ring_timeout) -> plan


@dataclass
class _Call:
    call_id: str
    answered: bool = False
    timers: list[Cancellable] = field(default_factory=list)
    inbound: bool = False
    keys: str = ""  # an inbound caller's keys, pressed after the answer
    hold: float = 0.0  # an inbound caller stays this long after the answer


class SimulatedTrunk:
    def __init__(self, profile: SimProfile, scheduler: Scheduler, seed: int = 1) -> None:
        self.profile = profile
        self._scheduler = scheduler
        self._rng = random.Random(seed)
        self._listener: Listener | None = None
        self._state = TrunkState.DOWN
        self._calls: dict[str, _Call] = {}
        self.planner: Planner | None = None  # None: the profile's random odds
        self._callers = 0
        self._run = secrets.token_hex(3)  # caller ids stay unique across restarts
        self._arrival: Cancellable | None = None

    @property
    def state(self) -> TrunkState:
        return self._state

    @property
    def detail(self) -> str:
        return "simulated calls"

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def _emit(self, event: TrunkEvent) -> None:
        if self._listener is not None:
            self._listener(event)

    async def start(self) -> None:
        self.up()
        if self.profile.inbound_per_hour > 0 and self.profile.inbound_dids:
            self._next_caller(self.profile.inbound_first or None)

    def up(self) -> None:
        """Up at once: a simulated trunk has nothing to register with."""
        self._state = TrunkState.UP
        self._emit(TrunkStateChanged(TrunkState.UP, "simulated trunk"))

    async def stop(self) -> None:
        if self._arrival is not None:
            self._arrival.cancel()
            self._arrival = None
        for call_id in list(self._calls):
            self._end(call_id, Outcome.FAILED, 503, "trunk stopped")
        self._state = TrunkState.DOWN
        self._emit(TrunkStateChanged(TrunkState.DOWN, "stopped"))

    def _later(self, call: _Call, delay: float, action: object) -> None:
        call.timers.append(self._scheduler.call_later(delay, action))  # type: ignore[arg-type]

    def originate(
        self,
        call_id: str,
        number: str,
        *,
        caller_id: str,
        ring_timeout: float,
        check: bool = True,
    ) -> None:
        if call_id in self._calls:
            raise ValueError(f"call id {call_id} is already in use")
        call = self._calls[call_id] = _Call(call_id)
        plan = (self.planner or self._random_plan)(number, ring_timeout)
        if self._state is not TrunkState.UP:
            self._later(call, 0.0, lambda: self._end(call_id, Outcome.FAILED, 503, "trunk down"))
            return
        if plan.outcome == "invalid":
            self._later(call, plan.ring_s, lambda: self._end(call_id, Outcome.INVALID, 404))
            return
        if plan.outcome == "busy":
            self._later(call, plan.ring_s, lambda: self._end(call_id, Outcome.BUSY, 486))
            return
        ring_s = plan.ring_s
        self._later(
            call, min(self.profile.ringing_after, ring_s), lambda: self._emit(CallRinging(call_id))
        )
        if plan.outcome in ("human", "machine") and ring_s < ring_timeout:
            verdict, hold = plan.amd_machine, plan.hold_s
            self._later(call, ring_s, lambda: self._answer(call_id, verdict, hold))
        else:
            self._later(
                call,
                ring_timeout,
                lambda: self._end(call_id, Outcome.NO_ANSWER, 487, "ring timeout"),
            )

    def _random_plan(self, number: str, ring_timeout: float) -> CallPlan:
        """The profile's odds and timings, drawn from the trunk's seeded generator."""
        p, rng = self.profile, self._rng
        u = rng.random()
        ring_s = rng.uniform(p.answer_min, p.answer_max)
        sigma2 = math.log(1 + p.talk_cv**2)
        talk_s = rng.lognormvariate(math.log(p.talk_mean) - sigma2 / 2, math.sqrt(sigma2))
        human = p.p_human
        machine = human + p.p_machine
        busy = machine + p.p_busy
        invalid = busy + p.p_invalid
        if busy <= u < invalid:
            return CallPlan("invalid", p.invalid_seconds, 0.0)
        if machine <= u < busy:
            return CallPlan("busy", p.busy_seconds, 0.0)
        if u < human:
            return CallPlan("human", ring_s, talk_s)
        if u < machine:
            return CallPlan("machine", ring_s, p.greeting_seconds, amd_machine=True)
        return CallPlan("no_answer", ring_s, 0.0)

    def _answer(self, call_id: str, machine: bool, hold: float) -> None:
        call = self._calls.get(call_id)
        if call is None:
            return
        call.answered = True
        call.timers.clear()
        self._emit(CallAnswered(call_id, machine=machine))
        self._later(call, hold, lambda: self._end(call_id, Outcome.ANSWERED, 200, "remote hangup"))

    def _end(self, call_id: str, outcome: Outcome, code: int | None, cause: str = "") -> None:
        call = self._calls.pop(call_id, None)
        if call is None:
            return
        for timer in call.timers:
            timer.cancel()
        self._emit(CallEnded(call_id, outcome, code, cause))

    # -- inbound ---------------------------------------------------------------------------

    def offer(self, call_id: str, did: str, caller: str, *, keys: str = "", hold: float) -> None:
        """A caller dials `did`: an InboundCall now; once answered they press `keys`, one
        every half second from 3 s on, and hang up `hold` seconds after the answer."""
        if call_id in self._calls:
            raise ValueError(f"call id {call_id} is already in use")
        self._calls[call_id] = _Call(call_id, inbound=True, keys=keys, hold=hold)
        self._emit(InboundCall(call_id, did, caller))

    def answer(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        if call is None or not call.inbound or call.answered:
            return
        call.answered = True
        self._later(call, 0.0, lambda: self._emit(CallAnswered(call_id)))
        for i, digit in enumerate(call.keys):
            self._later(call, 3.0 + i * 0.5, lambda d=digit: self._emit(DigitReceived(call_id, d)))
        self._later(
            call, call.hold, lambda: self._end(call_id, Outcome.ANSWERED, 200, "remote hangup")
        )

    def press(self, call_id: str, digit: str) -> None:
        """The caller on `call_id` presses a key now (tests and the demo's script)."""
        if call_id in self._calls:
            self._emit(DigitReceived(call_id, digit))

    def _next_caller(self, delay: float | None = None) -> None:
        if delay is None:
            delay = self._rng.expovariate(self.profile.inbound_per_hour / 3600)
        self._arrival = self._scheduler.call_later(delay, self._caller)

    def _caller(self) -> None:
        """The next simulated caller (the demo's inbound traffic)."""
        p, rng = self.profile, self._rng
        self._callers += 1
        if p.inbound_callers:
            number = rng.choice(p.inbound_callers)
        else:
            number = f"+48{rng.choice('5678')}{rng.randrange(10**8):08d}"
        key = rng.choice(p.inbound_keys) if p.inbound_keys else ""
        sigma2 = math.log(1 + p.talk_cv**2)
        hold = 60 + rng.lognormvariate(math.log(p.talk_mean) - sigma2 / 2, math.sqrt(sigma2))
        if self._state is TrunkState.UP:
            self.offer(
                f"sim-in{self._run}-{self._callers}",
                rng.choice(p.inbound_dids),
                number,
                keys=key,
                hold=hold,
            )
        self._next_caller()

    def hangup(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        if call is None:
            return
        if call.answered:
            self._end(call_id, Outcome.ANSWERED, 200, "local hangup")
        else:
            self._end(call_id, Outcome.CANCELLED, 487, "cancelled")
