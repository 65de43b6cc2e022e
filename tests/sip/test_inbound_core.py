"""Transcripts of calls the trunk offers us, of registration and of what we refuse."""

from __future__ import annotations

from ccterm.sip.events import (
    Answered,
    Digit,
    Ended,
    MediaChanged,
    Offered,
    Registered,
    RegistrationFailed,
    Unregistered,
)
from ccterm.sip.message import Request, Response
from tests.sip.transcript import SDP, TRUNK, Rig, answer, incoming_invite, methods

MEDIA = ("10.0.0.1", 30002)


def offered(rig: Rig, **kwargs: str) -> str:
    sent = rig.deliver(incoming_invite(**kwargs))
    assert methods(sent) == ["100 INVITE", "180 INVITE"]
    [event] = rig.events()
    assert isinstance(event, Offered)
    assert (event.did, event.caller) == ("+48221110000", "+48601000111")
    return event.key


def ack_for(ok: Response, branch: str = "z9hG4bKack1") -> str:
    return (
        "ACK sip:ccterm@10.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.2:5060;branch={branch}\r\nMax-Forwards: 70\r\n"
        f"From: {ok.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
        f"Call-ID: {ok.call_id}\r\nCSeq: 10 ACK\r\nContent-Length: 0\r\n\r\n"
    )


def test_an_answer_is_resent_until_the_callers_ack() -> None:
    rig = Rig.make()
    key = offered(rig)
    assert rig.ua.answer(key, MEDIA, rig.now)
    [ok] = rig.collect()
    assert isinstance(ok, Response) and ok.status == 200 and ok.to.tag
    assert b"m=audio 30002 RTP/AVP 8 101" in ok.body  # the caller's PCMA, and its digits
    assert isinstance(rig.events()[0], Answered)
    assert methods(rig.advance(0.5)) == ["200 INVITE"]  # timer G
    assert methods(rig.advance(1.0)) == ["200 INVITE"]
    assert rig.deliver(ack_for(ok)) == []
    assert rig.advance(60) == []  # acknowledged: no more
    assert not rig.events()


def test_a_late_offer_is_answered_in_the_ack_and_only_then_is_the_call_up() -> None:
    """An INVITE without SDP (delayed offer): our 200 carries the offer and the caller's
    answer comes in the ACK. The call is up, with the caller's media, only then: before,
    the answer's media was never learnt and the caller heard silence for ever."""
    rig = Rig.make()
    key = offered(rig, body="")
    assert rig.ua.answer(key, MEDIA, rig.now)
    [ok] = rig.collect()
    assert isinstance(ok, Response) and b"m=audio 30002 RTP/AVP 0 8 101" in ok.body
    assert rig.events() == []  # no media to send to yet
    ack = ack_for(ok).replace(
        "Content-Length: 0\r\n\r\n",
        f"Content-Type: application/sdp\r\nContent-Length: {len(SDP)}\r\n\r\n{SDP}",
    )
    assert rig.deliver(ack) == []
    [up] = rig.events()
    assert isinstance(up, Answered) and up.remote is not None
    assert (up.remote.address, up.remote.port) == ("10.0.0.9", 40000)
    assert rig.advance(60) == []  # acknowledged: no more 200s


def test_a_late_offer_whose_ack_has_no_answer_is_ended_with_a_bye() -> None:
    rig = Rig.make()
    key = offered(rig, body="")
    rig.ua.answer(key, MEDIA, rig.now)
    [ok] = rig.collect()
    assert methods(rig.deliver(ack_for(ok))) == ["BYE"]
    assert rig.events() == [Ended(key, "error", None, "the caller's ACK had no SDP answer")]


def test_an_answer_never_acknowledged_is_ended_with_a_bye() -> None:
    rig = Rig.make()
    key = offered(rig)
    rig.ua.answer(key, MEDIA, rig.now)
    rig.events()
    sent = rig.advance(33)
    assert methods(sent)[-1] == "BYE"
    assert rig.events() == [Ended(key, "timeout", None, "the caller never acknowledged")]


def test_a_caller_who_gives_up_gets_487() -> None:
    rig = Rig.make()
    key = offered(rig)
    cancel = (
        incoming_invite()
        .replace("INVITE sip:", "CANCEL sip:", 1)
        .replace("CSeq: 10 INVITE", "CSeq: 10 CANCEL")
    )
    sent = rig.deliver(cancel)
    assert methods(sent) == ["200 CANCEL", "487 INVITE"]
    assert rig.events() == [Ended(key, "remote_cancel", 487, "the caller hung up")]
    assert rig.ua.answer(key, MEDIA, rig.now) is False


def test_a_retransmitted_invite_gets_the_last_answer_again() -> None:
    rig = Rig.make()
    offered(rig)
    assert methods(rig.deliver(incoming_invite())) == ["180 INVITE"]
    assert not rig.events()  # one call, not two


def test_a_refusal_is_resent_until_acked_then_absorbed() -> None:
    rig = Rig.make()
    key = offered(rig)
    rig.ua.reject(key, 486, rig.now)
    [busy] = rig.collect()
    assert isinstance(busy, Response) and busy.status == 486
    assert methods(rig.advance(0.5)) == ["486 INVITE"]
    ack = ack_for(busy, branch="z9hG4bKin1")  # the ACK of a non-2xx: the INVITE's branch
    assert rig.deliver(ack) == []
    assert rig.advance(10) == []


def test_hold_info_digits_and_bye_inside_the_dialog() -> None:
    rig = Rig.make()
    key = offered(rig)
    rig.ua.answer(key, MEDIA, rig.now)
    [ok] = rig.collect()
    rig.deliver(ack_for(ok))
    rig.events()

    def inside(method: str, cseq: int, body: str = "", kind: str = "") -> str:
        extra = f"Content-Type: {kind}\r\n" if kind else ""
        return (
            f"{method} sip:ccterm@10.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK{method}{cseq}\r\n"
            f"From: {ok.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
            f"Call-ID: {ok.call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            f"{extra}Content-Length: {len(body)}\r\n\r\n{body}"
        )

    hold = SDP.replace("a=fmtp:101 0-15\r\n", "a=fmtp:101 0-15\r\na=sendonly\r\n")
    [reply] = rig.deliver(inside("INVITE", 11, hold, "application/sdp"))
    assert isinstance(reply, Response) and reply.status == 200 and b"a=recvonly" in reply.body
    [changed] = rig.events()
    assert isinstance(changed, MediaChanged) and changed.remote.on_hold
    [reply] = rig.deliver(
        inside("INFO", 12, "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay")
    )
    assert isinstance(reply, Response) and reply.status == 200
    assert rig.events() == [Digit(key, "5")]
    [reply] = rig.deliver(inside("BYE", 13))
    assert isinstance(reply, Response) and reply.status == 200
    assert rig.events() == [Ended(key, "remote_bye", None, "the other side hung up")]


def test_options_are_answered_and_leave_nothing_behind() -> None:
    rig = Rig.make()
    for n in range(500):
        options = (
            f"OPTIONS sip:ccterm@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK{n}\r\n"
            f"From: <sip:ping@carrier>;tag={n}\r\nTo: <sip:ccterm@10.0.0.1>\r\n"
            f"Call-ID: ping-{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
        [ok] = rig.deliver(options)
        assert isinstance(ok, Response) and ok.status == 200
    assert not rig.ua.transactions and rig.ua.next_wake() is None


def test_what_we_cannot_take_is_refused_with_the_rfcs_code() -> None:
    rig = Rig.make()
    odd_scheme = incoming_invite(call_id="x1", branch="z9hG4bKx1").replace(
        "INVITE sip:+48221110000@10.0.0.1:5060", "INVITE unknownscheme:+48221110000", 1
    )
    assert methods(rig.deliver(odd_scheme)) == ["416 INVITE"]
    extension = incoming_invite(call_id="x2", branch="z9hG4bKx2", extra="Require: nothing-we-know")
    [bad] = rig.deliver(extension)
    assert isinstance(bad, Response) and bad.status == 420
    assert bad.headers.get("Unsupported") == "nothing-we-know"
    assert not rig.events()


def test_registration_answers_the_challenge_and_refreshes_at_80_percent() -> None:
    rig = Rig.make(register=True)
    rig.ua.register(rig.now)
    [first] = rig.collect()
    assert isinstance(first, Request) and first.method == "REGISTER"
    assert first.headers.get("Expires") == "60"
    challenge = 'WWW-Authenticate: Digest realm="ccterm.test", nonce="n1"'
    [second] = rig.deliver(answer(first, 401, "Unauthorized", extra=challenge))
    assert isinstance(second, Request) and second.cseq.number == first.cseq.number + 1
    assert (second.headers.get("Authorization") or "").startswith('Digest username="ccterm"')
    rig.deliver(answer(second, 200, "OK", extra="Expires: 60"))
    assert rig.events() == [Registered(60)]
    assert rig.advance(47.9) == []
    [refresh] = rig.advance(0.2)
    assert isinstance(refresh, Request) and refresh.method == "REGISTER"  # at 48 s


def test_wrong_credentials_and_a_silent_registrar_are_reported_and_retried() -> None:
    rig = Rig.make(register=True, password="wrong")
    rig.ua.register(rig.now)
    [first] = rig.collect()
    challenge = 'WWW-Authenticate: Digest realm="ccterm.test", nonce="n1"'
    [second] = rig.deliver(answer(first, 401, "Unauthorized", extra=challenge))
    rig.deliver(answer(second, 401, "Unauthorized", extra=challenge))  # the same nonce again
    assert rig.events() == [
        RegistrationFailed("the trunk refused our username or password", 2.0, False)
    ]
    retried = rig.advance(2.0)
    assert [m.method for m in retried if isinstance(m, Request)] == ["REGISTER"]
    rig.advance(8.0)  # this time nobody answers
    [silent] = rig.events()
    assert silent == RegistrationFailed("the registrar did not answer", 4.0, True)


def test_unregistering_sends_expires_zero_with_credentials() -> None:
    rig = Rig.make(register=True)
    rig.ua.register(rig.now)
    [first] = rig.collect()
    rig.deliver(answer(first, 200, "OK", extra="Expires: 60"))
    rig.events()
    rig.ua.unregister(rig.now)
    [bye] = rig.collect()
    assert isinstance(bye, Request) and bye.headers.get("Expires") == "0"
    challenge = 'WWW-Authenticate: Digest realm="ccterm.test", nonce="n2"'
    [again] = rig.deliver(answer(bye, 401, "Unauthorized", extra=challenge))
    assert isinstance(again, Request) and again.headers.get("Expires") == "0"
    rig.deliver(answer(again, 200, "OK", extra="Expires: 0"))
    assert rig.events() == [Unregistered()]
    assert rig.advance(120) == []


def test_responses_and_acks_to_nothing_are_dropped() -> None:
    rig = Rig.make()
    stray = (
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKnothing\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: nope\r\nCSeq: 1 INVITE\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    assert rig.deliver(stray) == [] and rig.ua.counters.stray == 1
    assert rig.deliver(b"\x00\xff garbage") == [] and rig.ua.counters.malformed == 1
    assert TRUNK  # the rig's trunk address is where all of this came from


def test_a_late_copy_of_an_answered_invite_makes_no_second_call() -> None:
    rig = Rig.make()
    key = offered(rig)
    rig.ua.answer(key, MEDIA, rig.now)
    [ok] = rig.collect()
    assert isinstance(ok, Response)
    rig.deliver(ack_for(ok))
    rig.events()
    rig.advance(20)
    assert rig.deliver(incoming_invite()) == []  # still within 64*T1 of our 200: absorbed
    assert not rig.events()


def test_options_with_an_unknown_extension_or_scheme_are_refused_like_an_invite() -> None:
    """RFC 4475 bext01 and unkscm: 420 with Unsupported, and 416 — not 200."""
    from pathlib import Path

    here = Path(__file__).parent / "rfc4475"
    rig = Rig.make()
    [bext] = rig.deliver((here / "bext01.dat").read_bytes())
    assert isinstance(bext, Response) and bext.status == 420
    assert bext.headers.get("Unsupported") == "nothingSupportsThis, nothingSupportsThisEither"
    [unkscm] = rig.deliver((here / "unkscm.dat").read_bytes())
    assert isinstance(unkscm, Response) and unkscm.status == 416
