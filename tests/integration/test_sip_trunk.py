"""The real SIP trunk (our SIP stack behind VoipTrunk) against sipp on 127.0.0.1."""

from __future__ import annotations

import asyncio
import math
import struct
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ccterm.config import TrunkConfig
from ccterm.sip import media
from ccterm.sip.trunk import (
    CallAnswered,
    CallEnded,
    CallRinging,
    DigitReceived,
    InboundCall,
    Outcome,
    TrunkEvent,
    TrunkState,
    TrunkStateChanged,
)
from ccterm.sip.voip import VoipTrunk
from tests.integration import sipprig
from tests.integration.sipprig import PASSWORD, USER, free_port, needs_sipp, sipp

pytestmark = [needs_sipp, pytest.mark.sip]


class Events:
    """What the trunk reported, in order, awaitable."""

    def __init__(self) -> None:
        self.seen: list[TrunkEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: TrunkEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    async def wait(self, check: Callable[[TrunkEvent], bool], within: float = 10.0) -> Any:
        async with asyncio.timeout(within):
            while True:
                for event in self.seen:
                    if check(event):
                        return event
                self._changed.clear()
                await self._changed.wait()

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind)]


def trunk_config(sipp_port: int, **overrides: Any) -> TrunkConfig:
    rtp = sipprig.free_media_port()
    base = TrunkConfig(
        kind="sip",
        host="127.0.0.1",
        port=sipp_port,
        username=USER,
        password=PASSWORD,
        local_ip="127.0.0.1",
        local_port=free_port(),
        rtp_ports=(rtp, rtp + 40),
        caller_id="+48221234567",
        expires=60,
    )
    return replace(base, **overrides)


@asynccontextmanager
async def running(
    config: TrunkConfig, guard: Callable[[str], str | None] | None = None
) -> AsyncIterator[tuple[VoipTrunk, Events]]:
    """The trunk, started; stopped (unregistering) while its peer still runs."""
    trunk = VoipTrunk(config, guard=guard)
    events = Events()
    trunk.set_listener(events)
    await trunk.start()
    try:
        yield trunk, events
    finally:
        await trunk.stop()


def is_up(event: TrunkEvent) -> bool:
    return isinstance(event, TrunkStateChanged) and event.state is TrunkState.UP


async def test_registers_with_a_digest_challenge(tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sipprig.final_answer()) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            up = await events.wait(is_up)
            assert trunk.state is TrunkState.UP and "60 s" in up.detail
        trace = peer.trace
    assert "401 Unauthorized" in trace and 'Authorization: Digest username="ccterm"' in trace
    assert PASSWORD not in trace  # digest, never the password
    assert "Expires: 0" in trace  # unregistered on stop


async def test_a_wrong_password_is_reported_and_retried(tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sipprig.final_answer()) as peer:
        async with running(trunk_config(peer.port, password="wrong")) as (trunk, events):
            failed = await events.wait(
                lambda e: isinstance(e, TrunkStateChanged) and e.state is TrunkState.FAILED
            )
            assert "refused our username or password" in failed.detail
            assert "retry in" in failed.detail and trunk.state is TrunkState.FAILED
            trunk.originate("c-0", "+48601234567", caller_id="", ring_timeout=20)
            ended = await events.wait(lambda e: isinstance(e, CallEnded))
            assert ended.outcome is Outcome.FAILED and "failed" in ended.cause


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (486, Outcome.BUSY),
        (603, Outcome.REJECTED),
        (480, Outcome.UNAVAILABLE),
        (404, Outcome.INVALID),
        (600, Outcome.BUSY),
        (484, Outcome.INVALID),
        (500, Outcome.FAILED),
    ],
)
async def test_a_final_answer_ends_with_its_outcome(
    tmp_path: Path, code: int, outcome: Outcome
) -> None:
    with sipp(tmp_path / "trunk", sipprig.final_answer(code)) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-1", "+48601234567", caller_id="+48221234567", ring_timeout=20)
            ended = await events.wait(lambda e: isinstance(e, CallEnded))
            assert (ended.call_id, ended.outcome, ended.code) == ("c-1", outcome, code)
            assert events.of(CallRinging) == [CallRinging("c-1")]
            assert not events.of(CallAnswered)
            await asyncio.sleep(0.3)
        trace = peer.trace
    assert "INVITE sip:+48601234567@127.0.0.1" in trace
    assert 'From: "+48221234567"' in trace and "P-Asserted-Identity: <sip:+48221234567@" in trace
    assert "ACK sip:" in trace  # the final answer was acknowledged


async def test_ringing_forever_is_cancelled_at_the_ring_timeout(tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sipprig.ring_forever()) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            loop = asyncio.get_running_loop()
            began = loop.time()
            trunk.originate("c-2", "+48601234568", caller_id="", ring_timeout=15)
            await events.wait(lambda e: isinstance(e, CallRinging))
            ended = await events.wait(lambda e: isinstance(e, CallEnded), within=25)
            assert ended.outcome is Outcome.NO_ANSWER
            assert 15 <= loop.time() - began < 18
            await asyncio.sleep(0.5)
        trace = peer.trace
    assert "CANCEL sip:+48601234568@" in trace and "487 Request Terminated" in trace


async def test_a_toll_fraud_number_is_never_sent(tmp_path: Path) -> None:
    def guard(number: str) -> str | None:
        return "premium rate" if number.startswith("+48700") else None

    with sipp(tmp_path / "trunk", sipprig.final_answer()) as peer:
        async with running(trunk_config(peer.port), guard=guard) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-3", "+48700123456", caller_id="", ring_timeout=20)
            ended = await events.wait(lambda e: isinstance(e, CallEnded))
            assert ended.outcome is Outcome.FAILED and "premium rate" in ended.cause
            await asyncio.sleep(0.3)
        trace = peer.trace
    assert "INVITE sip:" not in trace


def tone(path: Path, hz: float, seconds: float) -> None:
    frames = int(media.RATE * seconds)
    samples = [int(8000 * math.sin(2 * math.pi * hz * n / media.RATE)) for n in range(frames)]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(media.RATE)
        wav.writeframes(struct.pack(f"<{frames}h", *samples))


def strongest(samples: list[int], candidates: list[float]) -> float:
    """The candidate frequency with the most energy (Goertzel)."""

    def power(hz: float) -> float:
        coeff = 2 * math.cos(2 * math.pi * hz / media.RATE)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + coeff * s1 - s2, s1
        return s1 * s1 + s2 * s2 - coeff * s1 * s2

    return max(candidates, key=power)


async def echoed_tone(trunk: VoipTrunk, call_id: str, tmp_path: Path) -> list[list[int]]:
    """Play 1.5 s of 1 kHz into the call and record what comes back; the loud 20 ms frames."""
    tone(tmp_path / "tone.wav", 1000, 1.5)
    trunk.record(f"r-{call_id}", tmp_path / f"{call_id}.wav", call_id, call_id)
    trunk.play(call_id, tmp_path / "tone.wav")
    await asyncio.sleep(2.0)
    trunk.stop_recording(f"r-{call_id}")
    await asyncio.sleep(0.3)  # the media loop closes the file
    with wave.open(str(tmp_path / f"{call_id}.wav")) as wav:
        raw = wav.readframes(wav.getnframes())
    left = list(struct.unpack(f"<{len(raw) // 2}h", raw))[0::2]
    frames = [left[i : i + 160] for i in range(0, len(left) - 160, 160)]
    return [f for f in frames if media.rms(struct.pack("<160h", *f)) > 2000]


@pytest.mark.parametrize("law", [media.Law.PCMU, media.Law.PCMA])
async def test_answered_call_echoes_a_tone_back(tmp_path: Path, law: media.Law) -> None:
    keys = {"law": str(int(law)), "lawname": law.name}
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo(), echo=True, keys=keys) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-4", "+48601234569", caller_id="", ring_timeout=20)
            await events.wait(lambda e: isinstance(e, CallAnswered))
            loud = await echoed_tone(trunk, "c-4", tmp_path)
            trunk.hangup("c-4")
            ended = await events.wait(lambda e: isinstance(e, CallEnded))
            assert ended.outcome is Outcome.ANSWERED
            await asyncio.sleep(0.3)
        trace = peer.trace
    assert "BYE sip:" in trace
    assert len(loud) * 0.02 > 1.2, "the tone did not come back"
    assert strongest(loud[5] + loud[6], [400, 700, 1000, 1400, 2000]) == 1000


async def test_inbound_from_the_trunk_rings_and_digits_arrive(tmp_path: Path) -> None:
    config = trunk_config(free_port(), register=False)
    async with running(config) as (trunk, events):
        target = f"127.0.0.1:{config.local_port}"
        scenario = sipprig.caller_with_digits("123#")
        with sipp(tmp_path / "caller", scenario, target=target, service="+48221110000") as caller:
            offered = await events.wait(lambda e: isinstance(e, InboundCall))
            assert (offered.did, offered.caller) == ("+48221110000", "+48601000111")
            trunk.answer(offered.call_id)
            await events.wait(lambda e: isinstance(e, CallAnswered))
            await events.wait(lambda e: isinstance(e, CallEnded), within=15)
            assert [d.digit for d in events.of(DigitReceived)] == ["1", "2", "3", "#"]
            assert await asyncio.to_thread(caller.wait, 10) == 0


async def test_an_invite_from_another_address_creates_nothing(tmp_path: Path) -> None:
    config = trunk_config(free_port(), register=False)
    async with running(config) as (_trunk, events):
        target = f"127.0.0.1:{config.local_port}"
        scenario = sipprig.caller_with_digits("1")
        with sipp(tmp_path / "foreign", scenario, ip="127.0.0.2", target=target) as caller:
            await asyncio.sleep(3)
            assert caller.proc.poll() is None  # still waiting: nothing answered, not even 100
            assert not events.of(InboundCall)
            trace = caller.trace
    assert "INVITE sip:" in trace and "SIP/2.0 1" not in trace and "SIP/2.0 4" not in trace


async def test_a_call_held_90_seconds_does_not_drop(tmp_path: Path) -> None:
    """Past a registration refresh (granted 60 s, refreshed at 48 s), audio still flows."""
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo(), echo=True) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-90", "+48601234570", caller_id="", ring_timeout=20)
            await events.wait(lambda e: isinstance(e, CallAnswered))
            await asyncio.sleep(88)
            assert not events.of(CallEnded), "the call dropped while held"
            assert peer.proc.poll() is None
            loud = await echoed_tone(trunk, "c-90", tmp_path)
            trunk.hangup("c-90")
            ended = await events.wait(lambda e: isinstance(e, CallEnded))
            assert ended.outcome is Outcome.ANSWERED and ended.cause == "we hung up"
            await asyncio.sleep(0.3)
        trace = peer.trace
    # each REGISTER is challenged once: registering, the refresh during the call, unregistering
    assert trace.count("SIP/2.0 401 Unauthorized") >= 3
    assert "BYE sip:" in trace
    assert len(loud) * 0.02 > 1.2, "no echo after 90 s: the media path died"
    assert strongest(loud[5] + loud[6], [400, 700, 1000, 1400, 2000]) == 1000


async def test_an_answer_that_crosses_our_cancel_is_hung_up(tmp_path: Path) -> None:
    """The callee picks up as the ring timeout cancels: no answered call, and a BYE."""
    with sipp(tmp_path / "trunk", sipprig.answer_as_cancelled()) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-x", "+48601234571", caller_id="", ring_timeout=2)
            ended = await events.wait(lambda e: isinstance(e, CallEnded), within=10)
            assert ended.outcome is Outcome.NO_ANSWER
            await asyncio.sleep(1.5)
            assert not events.of(CallAnswered)
        trace = peer.trace
    assert "CANCEL sip:+48601234571@" in trace
    assert "ACK sip:" in trace and "BYE sip:" in trace, "the far end was left off-hook"
