"""The simulated trunk on virtual time: seeded outcomes with realistic timings."""

from __future__ import annotations

import asyncio
from collections import Counter

from ccterm.clock import VirtualClock
from ccterm.sip.simulated import SimProfile, SimulatedTrunk
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    Outcome,
    TrunkEvent,
    TrunkState,
    outcome_for_code,
)


def run_calls(
    seed: int, n: int, ring_timeout: float = 25.0
) -> tuple[list[tuple[float, TrunkEvent]], VirtualClock]:
    clock = VirtualClock()
    trunk = SimulatedTrunk(SimProfile(), clock, seed=seed)
    log: list[tuple[float, TrunkEvent]] = []
    trunk.set_listener(lambda e: log.append((clock.now(), e)))
    asyncio.run(trunk.start())
    t0 = clock.now()
    for i in range(n):
        trunk.originate(
            f"c{i}", "+48601234567", caller_id="+48221234567", ring_timeout=ring_timeout
        )
    clock.advance(3600)
    return [(t - t0, e) for t, e in log], clock


def test_same_seed_same_story_other_seed_other_story() -> None:
    a, _ = run_calls(7, 200)
    b, _ = run_calls(7, 200)
    c, _ = run_calls(8, 200)
    assert a == b
    assert a != c


def test_outcome_mix_and_timings_are_realistic() -> None:
    log, _ = run_calls(1, 4000)
    ended = {e.call_id: (t, e) for t, e in log if isinstance(e, CallEnded)}
    answered = {e.call_id: (t, e) for t, e in log if isinstance(e, CallAnswered)}
    ringing = {e.call_id: t for t, e in log if isinstance(e, CallRinging)}
    assert len(ended) == 4000, "every call ends"
    mix = Counter(e.outcome for _, e in ended.values())
    p = SimProfile()
    human = sum(1 for _, e in answered.values() if not e.machine)
    machine = sum(1 for _, e in answered.values() if e.machine)
    # answers only happen inside the ring timeout: U(4, 20) s < 25 s, so all of them land
    assert abs(human / 4000 - p.p_human) < 0.03
    assert abs(machine / 4000 - p.p_machine) < 0.03
    assert abs(mix[Outcome.BUSY] / 4000 - p.p_busy) < 0.015
    assert abs(mix[Outcome.INVALID] / 4000 - p.p_invalid) < 0.015
    for call_id, (t, e) in ended.items():
        if e.outcome is Outcome.BUSY:
            assert e.code == 486 and t == p.busy_seconds
        elif e.outcome is Outcome.INVALID:
            assert e.code == 404 and t == p.invalid_seconds
        elif e.outcome is Outcome.NO_ANSWER:
            assert t == 25.0 and call_id in ringing and call_id not in answered
        else:
            assert e.outcome is Outcome.ANSWERED and call_id in answered
            assert p.answer_min <= answered[call_id][0] <= p.answer_max
            assert ringing[call_id] <= answered[call_id][0]


def test_short_ring_timeout_turns_late_answers_into_no_answer() -> None:
    log, _ = run_calls(3, 500, ring_timeout=15.0)
    for t, e in log:
        if isinstance(e, CallAnswered):
            assert t < 15.0


def test_hangup_cancels_a_ringing_call_and_ends_an_answered_one() -> None:
    clock = VirtualClock()
    trunk = SimulatedTrunk(
        SimProfile(p_human=1.0, p_machine=0, p_busy=0, p_invalid=0), clock, seed=1
    )
    events: list[TrunkEvent] = []
    trunk.set_listener(events.append)
    asyncio.run(trunk.start())
    trunk.originate("a", "+48601234567", caller_id="", ring_timeout=60)
    trunk.originate("b", "+48601234568", caller_id="", ring_timeout=60)
    clock.advance(2)
    trunk.hangup("a")
    assert CallEnded("a", Outcome.CANCELLED, 487, "cancelled") in events
    clock.advance(25)
    assert any(isinstance(e, CallAnswered) and e.call_id == "b" for e in events)
    trunk.hangup("b")
    assert CallEnded("b", Outcome.ANSWERED, 200, "local hangup") in events
    clock.advance(3600)
    assert sum(isinstance(e, CallEnded) for e in events) == 2, "no event after the end"
    assert trunk.active_calls == 0


def test_a_down_trunk_fails_calls() -> None:
    clock = VirtualClock()
    trunk = SimulatedTrunk(SimProfile(), clock)
    events: list[TrunkEvent] = []
    trunk.set_listener(events.append)
    assert trunk.state is TrunkState.DOWN
    trunk.originate("x", "+48601234567", caller_id="", ring_timeout=25)
    clock.advance(1)
    assert events == [CallEnded("x", Outcome.FAILED, 503, "trunk down")]


def test_sip_codes_map_to_outcomes() -> None:
    assert outcome_for_code(486) is Outcome.BUSY
    assert outcome_for_code(600) is Outcome.BUSY
    assert outcome_for_code(603) is Outcome.REJECTED
    assert outcome_for_code(480) is Outcome.UNAVAILABLE
    assert outcome_for_code(404) is Outcome.INVALID
    assert outcome_for_code(484) is Outcome.INVALID
    assert outcome_for_code(500) is Outcome.FAILED
