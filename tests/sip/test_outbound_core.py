"""Transcripts of calls we place, through the sans-io core, on a clock the test moves."""

from __future__ import annotations

from ccterm.sip.events import Answered, Ended, Progress
from ccterm.sip.message import Request, parse
from tests.sip.transcript import SDP, TRUNK, Rig, answer, methods, request_in_dialog

MEDIA = ("10.0.0.1", 30000)


def dial(rig: Rig, key: str = "c1") -> Request:
    rig.ua.invite(key, "sip:+48601234567@trunk.test", TRUNK, MEDIA, "+48221234567", rig.now)
    [invite] = rig.collect()
    assert isinstance(invite, Request) and invite.method == "INVITE"
    return invite


def test_an_invite_is_sent_once_with_an_offer_and_unguessable_ids() -> None:
    rig = Rig.make()
    invite = dial(rig)
    assert invite.uri == "sip:+48601234567@trunk.test"
    assert (invite.headers.get("From") or "").startswith('"+48221234567" <sip:ccterm@trunk.test>')
    assert invite.headers.get("P-Asserted-Identity") == "<sip:+48221234567@trunk.test>"
    assert b"m=audio 30000 RTP/AVP 0 8 101" in invite.body
    assert invite.vias[0].branch.startswith("z9hG4bK")
    # 128 bits each: Call-ID, tag and branch (the rig's tokens are 32 hex digits)
    assert len(invite.call_id) == 32 and len(invite.from_.tag or "") == 32


def test_the_invite_is_resent_on_timer_a_until_a_provisional() -> None:
    rig = Rig.make()
    invite = dial(rig)
    assert methods(rig.advance(0.5)) == ["INVITE"]  # T1
    assert methods(rig.advance(1.0)) == ["INVITE"]  # 2*T1
    rig.deliver(answer(invite, 100, "Trying", tag=None))
    assert rig.advance(30) == []  # a 100 stops the retransmissions; B no longer applies
    assert not any(isinstance(e, Ended) for e in rig.events())


def test_silence_ends_the_invite_at_timer_b() -> None:
    rig = Rig.make()
    dial(rig)
    sent = rig.advance(31.9)
    assert methods(sent) == ["INVITE"] * 6  # at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s
    assert not rig.events()
    rig.advance(0.2)
    assert rig.events() == [Ended("c1", "timeout", None, "no answer from the far end")]


def test_ringing_then_answer_then_our_bye() -> None:
    rig = Rig.make()
    invite = dial(rig)
    rig.deliver(answer(invite, 100, "Trying", tag=None))
    rig.deliver(answer(invite, 180, "Ringing"))
    ok = answer(
        invite,
        200,
        "OK",
        extra="Contact: <sip:far@10.0.0.2:5080>\r\nContent-Type: application/sdp",
        body=SDP,
    )
    [ack] = rig.deliver(ok)
    assert ack.method == "ACK" and ack.uri == "sip:far@10.0.0.2:5080"
    assert ack.cseq.number == 1 and ack.to.tag == "far1"
    assert ack.vias[0].branch != invite.vias[0].branch  # the ACK of a 2xx is its own transaction
    events = rig.events()
    assert events[:3] == [Progress("c1", 100), Progress("c1", 180), Progress("c1", 200)]
    assert isinstance(events[3], Answered) and events[3].remote is not None
    assert events[3].remote.port == 40000
    # a retransmitted 200 gets the same ACK again, and no second answer
    assert methods(rig.deliver(ok)) == ["ACK"]
    assert not rig.events()
    rig.ua.hangup("c1", rig.now)
    [bye] = rig.collect()
    assert bye.method == "BYE" and bye.cseq.number == 2 and bye.to.tag == "far1"
    assert rig.events() == [Ended("c1", "local_bye", None, "we hung up")]
    rig.deliver(answer(bye, 200, "OK"))
    assert rig.advance(40) == []  # the BYE was answered: nothing more is sent


def test_a_busy_answer_is_acknowledged_on_the_invites_branch() -> None:
    rig = Rig.make()
    invite = dial(rig)
    busy = answer(invite, 486, "Busy Here")
    [ack] = rig.deliver(busy)
    assert ack.method == "ACK" and ack.vias[0].branch == invite.vias[0].branch
    assert ack.uri == invite.uri and ack.to.tag == "far1"
    assert rig.events() == [Progress("c1", 486), Ended("c1", "final", 486, "SIP 486 Busy Here")]
    assert methods(rig.deliver(busy)) == ["ACK"]  # its retransmission: ACK again, nothing else
    assert not rig.events()


def test_cancel_waits_for_a_provisional_then_487_ends_it() -> None:
    rig = Rig.make()
    invite = dial(rig)
    rig.ua.hangup("c1", rig.now)
    assert rig.collect() == []  # no CANCEL before the far end has said anything (§9.1)
    [cancel] = rig.deliver(answer(invite, 180, "Ringing"))
    assert cancel.method == "CANCEL" and cancel.vias[0].branch == invite.vias[0].branch
    assert cancel.cseq.number == 1 and cancel.cseq.method == "CANCEL"
    assert cancel.to.tag is None  # the CANCEL's To is the INVITE's
    rig.deliver(answer(cancel, 200, "OK"))
    [ack] = rig.deliver(answer(invite, 487, "Request Terminated"))
    assert ack.method == "ACK"
    assert rig.events()[-1] == Ended("c1", "cancelled", 487, "SIP 487 Request Terminated")


def test_an_answer_that_crosses_our_cancel_is_acked_and_hung_up() -> None:
    rig = Rig.make()
    invite = dial(rig)
    rig.deliver(answer(invite, 180, "Ringing"))
    rig.ua.hangup("c1", rig.now)
    [cancel] = rig.collect()
    sent = rig.deliver(answer(invite, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    assert methods(sent) == ["ACK", "BYE"]
    events = rig.events()
    assert not any(isinstance(e, Answered) for e in events)
    assert events[-1] == Ended("c1", "cancelled", None, "answered as we cancelled: hung up")
    rig.deliver(answer(cancel, 481, "Call/Transaction Does Not Exist"))
    assert not rig.events()


def test_forked_answers_keep_one_dialog_and_hang_up_the_others() -> None:
    rig = Rig.make()
    invite = dial(rig)
    first = answer(invite, 200, "OK", tag="fork-a", body=SDP, extra="Content-Type: application/sdp")
    second = answer(
        invite, 200, "OK", tag="fork-b", body=SDP, extra="Content-Type: application/sdp"
    )
    assert methods(rig.deliver(first)) == ["ACK"]
    sent = rig.deliver(second)
    assert methods(sent) == ["ACK", "BYE"]
    assert all(m.to.tag == "fork-b" for m in sent)
    answered = [e for e in rig.events() if isinstance(e, Answered)]
    assert len(answered) == 1


def test_a_407_is_answered_once_with_credentials() -> None:
    rig = Rig.make()
    invite = dial(rig)
    challenge = 'Proxy-Authenticate: Digest realm="carrier", nonce="abc123", qop="auth"'
    sent = rig.deliver(answer(invite, 407, "Proxy Authentication Required", extra=challenge))
    assert methods(sent) == ["ACK", "INVITE"]
    again = sent[1]
    assert isinstance(again, Request)
    assert again.cseq.number == 2 and again.call_id == invite.call_id
    assert again.from_.tag == invite.from_.tag
    assert 'Digest username="ccterm", realm="carrier", nonce="abc123"' in (
        again.headers.get("Proxy-Authorization") or ""
    )
    assert "pw" not in again.to_bytes().decode()  # digest, never the password
    # the same challenge again means the credentials are wrong: the call fails with it
    sent = rig.deliver(answer(again, 407, "Proxy Authentication Required", extra=challenge))
    assert methods(sent) == ["ACK"]
    assert rig.events()[-1] == Ended("c1", "final", 407, "SIP 407 Proxy Authentication Required")


def test_a_reliable_provisional_gets_its_prack() -> None:
    rig = Rig.make()
    invite = dial(rig)
    assert "100rel" in (invite.headers.get("Supported") or "")
    reliable = answer(
        invite,
        183,
        "Session Progress",
        extra="Require: 100rel\r\nRSeq: 7\r\nContact: <sip:far@10.0.0.2:5060>",
    )
    [prack] = rig.deliver(reliable)
    assert prack.method == "PRACK" and prack.headers.get("RAck") == "7 1 INVITE"
    assert prack.cseq.number == 2 and prack.to.tag == "far1"
    assert rig.deliver(reliable) == []  # the same 1xx again: its PRACK is already on its way
    assert methods(rig.advance(0.5)) == ["PRACK"]  # the PRACK's own retransmission (timer E)
    rig.deliver(answer(prack, 200, "OK"))
    [ack] = rig.deliver(answer(invite, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    assert ack.method == "ACK"
    rig.ua.hangup("c1", rig.now)
    [bye] = rig.collect()
    assert bye.cseq.number == 3  # after the PRACK's CSeq


def test_a_forged_bye_ends_nothing() -> None:
    rig = Rig.make()
    invite = dial(rig)
    rig.deliver(answer(invite, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    rig.events()
    for tags in (("guess", None), ("far1", "made-up")):
        [refused] = rig.deliver(
            request_in_dialog("BYE", invite, cseq=5, their_tag=tags[0], our_tag=tags[1])
        )
        assert refused.status == 481
    [refused] = rig.deliver(request_in_dialog("BYE", invite, cseq=5, call_id="sha256-guess"))
    assert refused.status == 481
    assert not rig.events()  # the call goes on
    [ok] = rig.deliver(request_in_dialog("BYE", invite, cseq=6, branch="z9hG4bKreal"))
    assert ok.status == 200
    assert rig.events() == [Ended("c1", "remote_bye", None, "the other side hung up")]


def test_a_session_timer_the_trunk_asks_for_is_refreshed_by_us() -> None:
    rig = Rig.make()
    invite = dial(rig)
    timer = "Session-Expires: 120;refresher=uac\r\nRequire: timer\r\nContent-Type: application/sdp"
    rig.deliver(answer(invite, 200, "OK", body=SDP, extra=timer))
    rig.events()
    [refresh] = rig.advance(60)
    assert refresh.method == "INVITE" and refresh.cseq.number == 2 and refresh.to.tag == "far1"
    assert refresh.headers.get("Session-Expires") == "120;refresher=uac"
    [ack] = rig.deliver(answer(refresh, 200, "OK", body=SDP, extra=timer))
    assert ack.method == "ACK" and ack.cseq.number == 2
    assert not rig.events()


def test_calls_never_wait_on_each_other() -> None:
    """A silent callee holds nothing: the next INVITE leaves at once and completes."""
    rig = Rig.make()
    dial(rig, "silent")
    rig.advance(5)
    other = dial(rig, "c2")
    rig.deliver(answer(other, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    assert any(isinstance(e, Answered) and e.key == "c2" for e in rig.events())


def test_a_bye_nobody_answers_is_resent_on_timer_e_and_dropped_at_timer_f() -> None:
    rig = Rig.make()
    invite = dial(rig)
    rig.deliver(answer(invite, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    rig.ua.hangup("c1", rig.now)
    [bye] = rig.collect()
    assert bye.method == "BYE"
    stamps = []
    began = rig.now
    for _ in range(160):  # 40 s
        sent = rig.advance(0.25)
        stamps += [round(rig.now - began, 2) for m in sent if m.method == "BYE"]
    # T1 doubling, capped at T2 = 4 s; nothing after timer F (64*T1 = 32 s)
    assert stamps == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert not rig.ua.transactions or all(
        tx.method == "INVITE" for tx in rig.ua.transactions.values()
    )
    assert rig.events()[-1] == Ended("c1", "local_bye", None, "we hung up")  # only once


def test_the_real_ids_carry_128_random_bits_and_never_repeat() -> None:
    from ccterm.sip.ua import UaConfig, UserAgent

    ua = UserAgent(UaConfig(local=("10.0.0.1", 5060), trunk=TRUNK, domain="trunk.test"))
    seen: set[str] = set()
    for n in range(300):
        ua.invite(f"k{n}", "sip:+48601@trunk.test", TRUNK, MEDIA, "", 0.0)
    for data, _ in ua.drain()[0]:
        invite = parse(data)
        assert isinstance(invite, Request)
        ids = (invite.call_id, invite.from_.tag or "", (invite.vias[0].branch or "")[7:])
        for value in ids:
            assert len(value) == 32 and int(value, 16) >= 0  # 32 hex digits: 128 bits
        seen.update(ids)
    assert len(seen) == 900
