"""SIP transaction edge cases against sipp: 100rel, a 407 on INVITE, a session-refresh
re-INVITE, a silent callee among busy ones, forged BYEs, and garbage on the wire.

Each test runs our VoipTrunk against a sipp trunk on 127.0.0.1 (registering
first) and checks both what the trunk reported and what crossed the wire
(sipp's message trace).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ccterm.sip.trunk import CallAnswered, CallEnded, CallRinging, Outcome
from tests.integration import sippedge
from tests.integration.sippedge import Message, messages
from tests.integration.sipprig import PASSWORD, USER, needs_sipp, sipp
from tests.integration.test_sip_trunk import Events, echoed_tone, is_up, running, trunk_config

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


async def test_a_reliable_183_gets_its_prack_and_the_call_goes_on(tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sippedge.reliable_progress()) as peer:
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


# -- 2. a 407 on INVITE -------------------------------------------------------------------


def digest_ok(header: str, method: str) -> bool:
    """Whether a Digest Authorization value is right for USER/PASSWORD (RFC 2617)."""
    params = dict(re.findall(r'(\w+)=(?:"([^"]*)"|[^,\s]+)', header))
    values = {k: v for k, v in re.findall(r'(\w+)="?([^",]*)"?', header)}
    del params
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


async def test_a_407_on_invite_is_answered_once_with_proxy_credentials(tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sippedge.proxy_challenge(486)) as peer:
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
    acks = [m for m in sent if m.first_line.startswith("ACK ")]
    assert [cseq(a) for a in acks] == [1, 2]  # the 407 and the 486 were both acknowledged
    assert acks[0].header("Via") == first.header("Via")  # in the 407's own transaction
    codes = [m.first_line for m in theirs(trace) if not m.is_request and m.method == "INVITE"]
    assert "SIP/2.0 403 Forbidden" not in codes  # sipp's own check of the digest passed


# -- 3. a session-timer re-INVITE from the trunk ---------------------------------------------


async def test_a_session_refresh_from_the_trunk_is_answered_and_the_call_stays(
    tmp_path: Path,
) -> None:
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
