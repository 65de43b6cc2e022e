"""SIP transaction edge cases against sipp: 100rel, a 407 on INVITE, a session-refresh
re-INVITE, a silent callee among busy ones, forged BYEs, and garbage on the wire.

Each test runs our VoipTrunk against a sipp trunk on 127.0.0.1 (registering
first) and checks both what the trunk reported and what crossed the wire
(sipp's message trace).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from ccterm.sip.trunk import CallAnswered, CallEnded, CallRinging, Outcome, TrunkEvent
from ccterm.sip.voip import VoipTrunk
from tests.integration import sippedge, sipprig
from tests.integration.sippedge import Message, messages
from tests.integration.sipprig import PASSWORD, USER, needs_sipp, sipp
from tests.integration.test_sip_trunk import Events, echoed_tone, is_up, running, trunk_config
from tests.sip.fuzzing import mutations

pytestmark = [needs_sipp, pytest.mark.sip]


def ended(call_id: str) -> Callable[[object], bool]:
    return lambda e: isinstance(e, CallEnded) and e.call_id == call_id


def answered(call_id: str) -> Callable[[object], bool]:
    return lambda e: isinstance(e, CallAnswered) and e.call_id == call_id


async def until(check: Callable[[], bool], within: float = 10.0, what: str = "") -> None:
    """Poll `check` every 50 ms until it holds; AssertionError after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)


def ours(trace: str) -> list[Message]:
    """The messages sipp received: what we sent."""
    return [m for m in messages(trace) if not m.sent]


def theirs(trace: str) -> list[Message]:
    return [m for m in messages(trace) if m.sent]


def cseq(message: Message) -> int:
    return int((message.header("CSeq") or "0").split()[0])


# -- 1. a trunk that requires 100rel ------------------------------------------------------


@pytest.mark.parametrize("resend", [False, True], ids=["once", "retransmitted"])
async def test_a_reliable_183_gets_its_prack_and_the_call_goes_on(
    tmp_path: Path, resend: bool
) -> None:
    """RFC 3262: a 183 with Require: 100rel and RSeq gets one PRACK (RAck: RSeq, the INVITE's
    CSeq), even when the 183 comes again; it rings; the call is answered, ACKed and hung up."""
    with sipp(tmp_path / "trunk", sippedge.reliable_progress(resend_183=resend)) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-rel", "+48601234580", caller_id="", ring_timeout=20)
            await events.wait(answered("c-rel"))
            assert events.of(CallRinging) == [CallRinging("c-rel")]  # the 183 rang
            await asyncio.sleep(0.3)
            trunk.hangup("c-rel")
            end = await events.wait(ended("c-rel"))
            assert (end.outcome, end.cause) == (Outcome.ANSWERED, "we hung up")
            assert 183 in end.responses and 200 in end.responses
            await until(lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE")
        trace = peer.trace
    sent = ours(trace)
    invites = [m for m in sent if m.first_line.startswith("INVITE ")]
    pracks = [m for m in sent if m.first_line.startswith("PRACK ")]
    assert len(invites) == 1 and len(pracks) == 1, [m.first_line for m in sent]
    invite, prack = invites[0], pracks[0]
    assert prack.header("RAck") == f"1 {cseq(invite)} INVITE"  # RSeq, the INVITE's CSeq
    assert prack.header("Call-ID") == invite.header("Call-ID")
    assert "tag=" in (prack.header("To") or "")  # sent in the early dialog
    assert cseq(prack) > cseq(invite)
    methods = [m.first_line.split()[0] for m in sent if m.is_request]
    assert methods.count("ACK") == 1 and methods.count("BYE") == 1
    assert methods.index("PRACK") < methods.index("ACK") < methods.index("BYE")
    progress = [m for m in theirs(trace) if m.first_line.startswith("SIP/2.0 183")]
    assert len(progress) == (2 if resend else 1)  # and still one PRACK


async def test_the_answer_in_a_reliable_183_carries_the_audio(tmp_path: Path) -> None:
    """RFC 3262 §5 / RFC 3264: the offer in our INVITE is answered in the reliable 183; the
    200 OK then has no SDP (the offer/answer is done). Audio must flow to that answer."""
    scenario = sippedge.reliable_progress(answer_in_183=True)
    with sipp(tmp_path / "trunk", scenario, echo=True) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-early", "+48601234586", caller_id="", ring_timeout=20)
            await events.wait(answered("c-early"))
            loud = await echoed_tone(trunk, "c-early", tmp_path)
            trunk.hangup("c-early")
            end = await events.wait(ended("c-early"))
            assert end.outcome is Outcome.ANSWERED
            await until(lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE")
        trace = peer.trace
    assert [m.first_line.split()[0] for m in ours(trace)].count("PRACK") == 1
    assert len(loud) * 0.02 > 1.2, "no audio: the SDP answer in the reliable 183 was ignored"


# -- 2. a 407 on INVITE -------------------------------------------------------------------


def digest_ok(header: str, method: str) -> bool:
    """Whether a Digest Authorization value is right for USER/PASSWORD (RFC 2617)."""
    values = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
    ha1 = md5(f"{USER}:{values['realm']}:{PASSWORD}")
    ha2 = md5(f"{method}:{values['uri']}")
    if "qop" in values:
        expected = md5(
            f"{ha1}:{values['nonce']}:{values['nc']}:{values['cnonce']}:{values['qop']}:{ha2}"
        )
    else:
        expected = md5(f"{ha1}:{values['nonce']}:{ha2}")
    return values.get("response") == expected


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@pytest.mark.parametrize("qop", [False, True], ids=["rfc2069", "qop-auth"])
async def test_a_407_on_invite_is_answered_once_with_proxy_credentials(
    tmp_path: Path, qop: bool
) -> None:
    """RFC 3261 §22.3: the 407 is ACKed in its own transaction; the INVITE goes again with
    Proxy-Authorization, CSeq + 1, the same Call-ID and From tag; what follows counts."""
    with sipp(tmp_path / "trunk", sippedge.proxy_challenge(486, qop=qop)) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-407", "+48601234581", caller_id="", ring_timeout=20)
            end = await events.wait(ended("c-407"))
            assert (end.outcome, end.code) == (Outcome.BUSY, 486), end
            assert events.of(CallRinging) == [CallRinging("c-407")]
            assert not events.of(CallAnswered)
            await asyncio.sleep(0.3)
        trace = peer.trace
    assert PASSWORD not in trace
    sent = ours(trace)
    invites = [m for m in sent if m.first_line.startswith("INVITE ")]
    assert len(invites) == 2, [m.first_line for m in sent]
    first, second = invites
    assert cseq(first) == 1 and second.header("CSeq") == "2 INVITE"
    assert first.header("Proxy-Authorization") is None
    assert second.header("Call-ID") == first.header("Call-ID")
    assert second.header("Via") != first.header("Via")  # a new transaction: a new branch
    credentials = second.header("Proxy-Authorization") or ""
    assert credentials.startswith("Digest ") and f'realm="{sippedge.REALM}"' in credentials
    assert f'nonce="{sippedge.NONCE}"' in credentials and f'username="{USER}"' in credentials
    assert digest_ok(credentials, "INVITE")
    assert f'uri="{first.first_line.split()[1]}"' in credentials  # the Request-URI
    if qop:
        assert "qop=auth" in credentials and 'opaque="c0ffee"' in credentials
    assert tag(second.header("From")) == tag(first.header("From")) != ""  # RFC 3261 §22.2
    assert tag(second.header("To")) == ""  # a new INVITE, outside any dialog
    acks = [m for m in sent if m.first_line.startswith("ACK ")]
    assert [cseq(a) for a in acks] == [1, 2]  # the 407 and the 486 were both acknowledged
    assert acks[0].header("Via") == first.header("Via")  # in the 407's own transaction
    codes = [m.first_line for m in theirs(trace) if not m.is_request and m.method == "INVITE"]
    assert "SIP/2.0 403 Forbidden" not in codes  # sipp's own check of the digest passed


# -- 3. a session-timer re-INVITE from the trunk ---------------------------------------------


async def test_a_session_refresh_from_the_trunk_is_answered_and_the_call_stays(
    tmp_path: Path,
) -> None:
    """RFC 4028: the trunk answers with Session-Expires (refresher=uas) and refreshes with a
    re-INVITE of its own; our 200 carries SDP and Session-Expires; audio goes on."""
    with sipp(tmp_path / "trunk", sippedge.refreshing_answer(), echo=True) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-se", "+48601234582", caller_id="", ring_timeout=20)
            await events.wait(answered("c-se"))

            def refreshed() -> bool:
                return any(m.first_line.startswith("ACK ") for m in theirs(peer.trace))

            await until(refreshed, 8, "sipp's ACK of our answer to its re-INVITE")
            loud = await echoed_tone(trunk, "c-se", tmp_path)
            assert not events.of(CallEnded), "the call ended after the session refresh"
            trunk.hangup("c-se")
            end = await events.wait(ended("c-se"))
            assert (end.outcome, end.cause) == (Outcome.ANSWERED, "we hung up")
            await until(lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE")
        trace = peer.trace
    sent = ours(trace)
    reinvite = next(m for m in theirs(trace) if m.first_line.startswith("INVITE "))
    answers = [m for m in sent if not m.is_request and m.method == "INVITE"]
    assert [m.first_line for m in answers][-1] == "SIP/2.0 200 OK", answers
    ok = answers[-1]
    assert ok.header("CSeq") == "2 INVITE" and ok.header("Call-ID") == reinvite.header("Call-ID")
    assert (ok.header("Content-Type") or "").startswith("application/sdp")
    assert "m=audio " in ok.body and "c=IN IP4 127.0.0.1" in ok.body
    assert re.fullmatch(r"90;\s*refresher=uas", ok.header("Session-Expires") or ""), ok.text
    assert ok.header("Contact")
    # the dialog's tags, reversed: the re-INVITE came from the far end
    invite = next(m for m in sent if m.first_line.startswith("INVITE "))
    assert ok.header("To") == reinvite.header("To") and ok.header("From") == reinvite.header("From")
    assert tag(reinvite.header("To")) == tag(invite.header("From"))
    bye = next(m for m in sent if m.first_line.startswith("BYE "))
    assert cseq(bye) == 2  # our own CSeq space: the INVITE was 1
    assert len(loud) * 0.02 > 1.2, "the tone did not come back after the refresh"


def tag(value: str | None) -> str:
    found = re.search(r";\s*tag=([^;\s]+)", value or "")
    return found.group(1) if found else ""


async def test_a_reinvite_that_moves_media_and_switches_codec_is_followed(
    tmp_path: Path,
) -> None:
    """The carrier re-anchors the call: new media address, PCMA only. Our answer picks PCMA;
    our RTP must then go to the new address as PCMA (payload type 8)."""
    with udp("127.0.0.1") as sink:
        keys = {"rtpsink": str(sink.getsockname()[1])}
        scenario = sippedge.refreshing_answer(reoffer=sippedge.PCMA_ELSEWHERE)
        with sipp(tmp_path / "trunk", scenario, echo=True, keys=keys) as peer:
            async with running(trunk_config(peer.port)) as (trunk, events):
                await events.wait(is_up)
                trunk.originate("c-move", "+48601234587", caller_id="", ring_timeout=20)
                await events.wait(answered("c-move"))

                def reinvited() -> bool:
                    return any(m.first_line.startswith("ACK ") for m in theirs(peer.trace))

                await until(reinvited, 8, "sipp's ACK of our answer to its re-INVITE")
                await read_for(sink, 0.3)  # what was in flight as it moved
                packets = await read_for(sink, 0.5)
                trunk.hangup("c-move")
                end = await events.wait(ended("c-move"))
                assert end.outcome is Outcome.ANSWERED
                await until(
                    lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE"
                )
            trace = peer.trace
    ok = next(m for m in ours(trace) if m.first_line == "SIP/2.0 200 OK" and cseq(m) == 2)
    assert re.search(r"^m=audio \d+ RTP/AVP 8 101$", ok.body, re.MULTILINE), ok.body
    assert len(packets) > 10, "no RTP at the new media address"
    types = {p[1] & 0x7F for p in packets}
    assert types == {8}, f"we agreed to PCMA (8) but send payload types {types}"


async def test_our_sdp_version_moves_when_our_sdp_changes(tmp_path: Path) -> None:
    """RFC 3264 §8: "If the version in the origin line does not increment, the SDP MUST be
    identical to the SDP with that version number." """
    with sipp(tmp_path / "trunk", sippedge.refreshing_answer()) as peer:
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-ver", "+48601234588", caller_id="", ring_timeout=20)
            await events.wait(answered("c-ver"))

            def reinvited() -> bool:
                return any(m.first_line.startswith("ACK ") for m in theirs(peer.trace))

            await until(reinvited, 8, "sipp's ACK of our answer to its re-INVITE")
            trunk.hangup("c-ver")
            await events.wait(ended("c-ver"))
            await until(lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE")
        trace = peer.trace
    sent = ours(trace)
    offer = next(m for m in sent if m.first_line.startswith("INVITE ")).body
    answer = next(m for m in sent if m.first_line == "SIP/2.0 200 OK" and cseq(m) == 2).body

    def version(body: str) -> int:
        found = re.search(r"^o=\S+ \d+ (\d+) ", body, re.MULTILINE)
        assert found, body
        return int(found.group(1))

    assert answer == offer or version(answer) == version(offer) + 1, (offer, answer)


# -- 4. a silent callee does not hold up the others ------------------------------------------


def stamp(trunk: VoipTrunk, events: Events) -> dict[tuple[type, str], float]:
    """From now on, when each kind of event first came for each call (loop time)."""
    loop = asyncio.get_running_loop()
    at: dict[tuple[type, str], float] = {}

    def listener(event: TrunkEvent) -> None:
        at.setdefault((type(event), getattr(event, "call_id", "")), loop.time())
        events(event)

    trunk.set_listener(listener)
    return at


@pytest.mark.slow
async def test_a_silent_trunk_does_not_delay_calls_to_other_peers(tmp_path: Path) -> None:
    """Three INVITEs to a trunk that says nothing for 10 s (not even 100 Trying), then five to
    a desk phone that is busy at once: each of the five rings and ends within 2 s."""
    silent, normal = [f"c-silent-{n}" for n in range(3)], [f"c-busy-{n}" for n in range(5)]
    with (
        sipp(tmp_path / "trunk", sippedge.silent_then_busy()) as peer,
        sipp(tmp_path / "desk", sippedge.busy_at_once()) as desk,
    ):
        async with running(trunk_config(peer.port)) as (trunk, events):
            await events.wait(is_up)
            at = stamp(trunk, events)
            loop = asyncio.get_running_loop()
            began: dict[str, float] = {}
            for n, call_id in enumerate(silent):
                began[call_id] = loop.time()
                trunk.originate(call_id, f"+4860123459{n}", caller_id="", ring_timeout=30)
            await asyncio.sleep(0.2)  # the silent INVITEs are out; sipp holds them
            for call_id in normal:
                began[call_id] = loop.time()
                trunk.originate(
                    call_id, f"sip:desk@127.0.0.1:{desk.port}", caller_id="", ring_timeout=30
                )
            for call_id in normal:
                end = await events.wait(ended(call_id), within=5)
                assert (end.outcome, end.code) == (Outcome.BUSY, 486), end
            for call_id in normal:
                rang = at[(CallRinging, call_id)] - began[call_id]
                over = at[(CallEnded, call_id)] - began[call_id]
                assert rang < over < 2.0, (call_id, rang, over)
            assert not [e for e in events.of(CallEnded) if e.call_id in silent]
            assert not [e for e in events.of(CallRinging) if e.call_id in silent]
            for call_id in silent:
                end = await events.wait(ended(call_id), within=sippedge.SILENT_MS / 1000 + 8)
                assert (end.outcome, end.code) == (Outcome.BUSY, 486), end
                assert end.responses == (100, 180, 486)
                took = at[(CallEnded, call_id)] - began[call_id]
                assert sippedge.SILENT_MS / 1000 - 0.2 <= took < sippedge.SILENT_MS / 1000 + 5
                assert at[(CallRinging, call_id)] - began[call_id] >= 9.8
            await asyncio.sleep(0.3)
        trace, desk_trace = peer.trace, desk.trace
    # the silent trunk saw each INVITE retransmitted (timer A) and never a CANCEL
    invites = [m for m in ours(trace) if m.first_line.startswith("INVITE ")]
    assert len({m.header("Call-ID") for m in invites}) == 3 and len(invites) > 3
    assert not [m for m in ours(trace) if m.first_line.startswith("CANCEL ")]
    desk_invites = [m for m in ours(desk_trace) if m.first_line.startswith("INVITE ")]
    assert len({m.header("Call-ID") for m in desk_invites}) == 5


# -- 5. forged BYEs ---------------------------------------------------------------------------


def forged_bye(target: str, call_id: str, from_tag: str | None, to_tag: str | None) -> bytes:
    """A BYE as an attacker on the trunk's address would send it; its branch is its Call-ID."""
    branch = secrets.token_hex(8)
    from_ = "<sip:+48601234583@127.0.0.1>" + (f";tag={from_tag}" if from_tag else "")
    to = "<sip:ccterm@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    return (
        f"BYE {target} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK{branch}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: {from_}\r\n"
        f"To: {to}\r\n"
        f"Call-ID: {call_id}\r\n"
        "CSeq: 7 BYE\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def read_all(sock: socket.socket, quiet: float) -> list[bytes]:
    """Every datagram waiting on `sock` until none came for `quiet` seconds."""
    loop = asyncio.get_running_loop()
    got: list[bytes] = []
    while True:
        try:
            async with asyncio.timeout(quiet):
                data, _ = await loop.sock_recvfrom(sock, 70000)
        except TimeoutError:
            return got
        got.append(data)


async def read_for(sock: socket.socket, seconds: float) -> list[bytes]:
    """Every datagram that reaches `sock` in the next `seconds` (a stream that never pauses)."""
    loop = asyncio.get_running_loop()
    got: list[bytes] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                data, _ = await loop.sock_recvfrom(sock, 70000)
                got.append(data)
    return got


def branch_of(message: bytes) -> bytes:
    found = re.search(rb"branch=(\w+)", message)
    assert found is not None, message[:200]
    return found.group(1)


def udp(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


async def test_forged_byes_from_the_trunk_address_end_nothing(tmp_path: Path) -> None:
    """RFC 3261 §12.2.2: an in-dialog request that matches no dialog (Call-ID and both tags)
    gets 481 and touches nothing, even from the trunk's own address."""
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo(), echo=True) as peer:
        config = trunk_config(peer.port)
        async with running(config) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-forge", "+48601234583", caller_id="", ring_timeout=20)
            await events.wait(answered("c-forge"))
            invite = next(m for m in ours(peer.trace) if m.first_line.startswith("INVITE "))
            ok = next(m for m in theirs(peer.trace) if m.first_line == "SIP/2.0 200 OK")
            call_id, ours_tag, theirs_tag = (
                invite.header("Call-ID") or "",
                tag(invite.header("From")),
                tag(ok.header("To")),
            )
            target = f"sip:ccterm@127.0.0.1:{config.local_port}"
            forged = [
                forged_bye(
                    target, secrets.token_hex(16), secrets.token_hex(8), secrets.token_hex(8)
                )
                for _ in range(40)
            ]
            forged += [
                forged_bye(target, call_id, "wrong" + theirs_tag, ours_tag),  # From tag wrong
                forged_bye(target, call_id, theirs_tag, "wrong" + ours_tag),  # To tag wrong
                forged_bye(target, call_id, ours_tag, theirs_tag),  # the tags swapped
                forged_bye(target, call_id, theirs_tag, None),  # no To tag
                forged_bye(target, call_id, None, ours_tag),  # no From tag
            ]
            before = trunk.health()
            with udp("127.0.0.1") as attacker:
                loop = asyncio.get_running_loop()
                for datagram in forged:
                    await loop.sock_sendto(attacker, datagram, ("127.0.0.1", config.local_port))
                answers = await read_all(attacker, 1.0)
            assert len(answers) == len(forged), [a[:40] for a in answers]
            assert all(a.startswith(b"SIP/2.0 481 ") for a in answers), [a[:40] for a in answers]
            assert sorted(map(branch_of, answers)) == sorted(map(branch_of, forged))  # one each
            await asyncio.sleep(0.3)
            assert not events.of(CallEnded), "a forged BYE ended the call"
            # each with a To tag matched no dialog; the one without is refused outside any
            assert trunk.health()["no_dialog"] - before["no_dialog"] == len(forged) - 1
            loud = await echoed_tone(trunk, "c-forge", tmp_path)
            trunk.hangup("c-forge")
            end = await events.wait(ended("c-forge"))
            assert (end.outcome, end.cause) == (Outcome.ANSWERED, "we hung up")
            await until(lambda: "BYE" in [m.method for m in theirs(peer.trace)], 5, "200 to BYE")
        trace = peer.trace
    assert len(loud) * 0.02 > 1.2, "the tone did not come back after the forged BYEs"
    byes = [m for m in ours(trace) if m.first_line.startswith("BYE ")]
    assert len(byes) == 1 and tag(byes[0].header("From")) == ours_tag
    assert not [m for m in ours(trace) if m.first_line.startswith("SIP/2.0 481")]


# -- 6. garbage from the trunk's address and from a stranger -----------------------------------

RFC4475 = Path(__file__).resolve().parent.parent / "sip" / "rfc4475"
MAX_UDP = 65507  # the largest IPv4 UDP payload: longer mutations cannot be sent at all


async def test_garbage_from_the_trunk_and_a_stranger_hurts_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """RFC 4475's torture messages and 2,000 mutated datagrams, from the trunk's address and
    from 127.0.0.2: the stranger hears nothing, the live call and the next one are fine."""
    caplog.set_level(logging.WARNING)
    torture = [p.read_bytes() for p in sorted(RFC4475.glob("*.dat"))]
    fuzzed = [d for d in mutations(seed=3261, count=2000) if len(d) <= MAX_UDP]
    garbage = torture + fuzzed
    assert len(torture) >= 40 and len(fuzzed) > 1900
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo()) as peer:
        config = trunk_config(peer.port)
        async with running(config) as (trunk, events):
            await events.wait(is_up)
            trunk.originate("c-live", "+48601234584", caller_id="", ring_timeout=20)
            await events.wait(answered("c-live"))
            before = trunk.health()
            dest = ("127.0.0.1", config.local_port)
            loop = asyncio.get_running_loop()

            def taken() -> int:
                """Datagrams the trunk has read: delivered, dropped as a stranger's, or limited."""
                now = trunk.health()
                return sum(
                    now[k] - before[k] for k in ("received", "from_strangers", "flood_dropped")
                )

            with udp("127.0.0.1") as insider, udp("127.0.0.2") as stranger:
                for n, datagram in enumerate(garbage):
                    await loop.sock_sendto(insider, datagram, dest)
                    await loop.sock_sendto(stranger, datagram, dest)
                    # in step with the trunk's reading: a full socket buffer would drop some
                    deadline = loop.time() + 5
                    while taken() < 2 * (n + 1):
                        assert loop.time() < deadline, f"the trunk did not read datagram pair {n}"
                        await asyncio.sleep(0)
                await asyncio.sleep(0.5)
                try:
                    leaked = stranger.recvfrom(70000)
                except BlockingIOError:
                    leaked = None
                assert leaked is None, f"the stranger was answered: {leaked!r:.200}"
                replies = await read_all(insider, 0.5)
            assert any(r.startswith(b"SIP/2.0 ") for r in replies)  # the trunk's address is heard
            health = trunk.health()
            assert health["from_strangers"] - before["from_strangers"] == len(garbage), health
            assert health["registration"] == "up" and health["socket_errors"] == 0, health
            assert health["malformed"] - before["malformed"] > 100, health
            assert health["received"] - before["received"] > len(garbage) // 2, health
            assert not [e for e in events.of(CallEnded) if e.call_id == "c-live"]
            trunk.hangup("c-live")
            end = await events.wait(ended("c-live"))
            assert (end.outcome, end.cause) == (Outcome.ANSWERED, "we hung up")

            trunk.originate("c-after", "+48601234585", caller_id="", ring_timeout=20)
            await events.wait(lambda e: isinstance(e, CallRinging) and e.call_id == "c-after")
            await events.wait(answered("c-after"))
            trunk.hangup("c-after")
            end = await events.wait(ended("c-after"))
            assert (end.outcome, end.code, end.cause) == (Outcome.ANSWERED, 200, "we hung up")
            await until(
                lambda: [m.method for m in theirs(peer.trace)].count("BYE") >= 2, 5, "200s to BYEs"
            )
        trace = peer.trace
    byes = [m for m in ours(trace) if m.first_line.startswith("BYE ")]
    assert len(byes) == 2
    # asyncio logs an exception escaping datagram_received ("Exception in callback") at ERROR
    errors = [
        r
        for r in caplog.records
        if r.name.startswith(("ccterm", "asyncio")) and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() for r in errors]
