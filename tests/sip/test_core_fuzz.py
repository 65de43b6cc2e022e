"""Mutated datagrams through the whole core (parser, transactions, dialogs, calls): nothing
escapes, the calls in progress survive, and the core keeps answering."""

from __future__ import annotations

from ccterm.sip.events import Answered, Ended, Offered
from ccterm.sip.message import Request, Response
from tests.sip.fuzzing import mutations
from tests.sip.transcript import SDP, TRUNK, Rig, answer, incoming_invite, methods

MEDIA = ("10.0.0.1", 30000)


def busy_core() -> tuple[Rig, Request]:
    """A core with a registration, an answered outbound call, a ringing one and an inbound one."""
    rig = Rig.make(register=True)
    rig.ua.register(rig.now)
    [register] = rig.collect()
    rig.deliver(answer(register, 200, "OK", extra="Expires: 3600"))
    rig.ua.invite("up", "sip:+48601@trunk.test", TRUNK, MEDIA, "", rig.now)
    [invite] = rig.collect()
    rig.deliver(answer(invite, 200, "OK", body=SDP, extra="Content-Type: application/sdp"))
    rig.ua.invite("ringing", "sip:+48602@trunk.test", TRUNK, MEDIA, "", rig.now)
    [ringing] = rig.collect()
    rig.deliver(answer(ringing, 180, "Ringing", tag="r1"))
    rig.deliver(incoming_invite())
    events = rig.events()
    assert any(isinstance(e, Answered) for e in events)
    assert any(isinstance(e, Offered) for e in events)
    return rig, invite


def test_ten_thousand_mutated_datagrams_hurt_nothing() -> None:
    rig, invite = busy_core()
    for n, datagram in enumerate(mutations(seed=4475, count=10_000)):
        rig.ua.receive(datagram, TRUNK, rig.now)
        if n % 100 == 0:
            rig.advance(0.05)  # timers fire in between, as they would live
    rig.collect()
    counters = rig.ua.counters
    assert counters.received == 10_000 + 4
    assert counters.malformed > 1_000  # the mutator mostly breaks things…
    assert counters.malformed < 10_000  # …but not everything, or the rest was never tested
    # whatever the mutants ended (a mutated BYE may match a dialog), the core still works:
    rig.heard.clear()
    options = (
        "OPTIONS sip:ccterm@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKafter\r\n"
        "From: <sip:ping@carrier>;tag=a\r\nTo: <sip:ccterm@10.0.0.1>\r\nCall-ID: after\r\n"
        "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
    [ok] = rig.deliver(options)
    assert isinstance(ok, Response) and ok.status == 200
    rig.ua.invite("next", "sip:+48603@trunk.test", TRUNK, MEDIA, "", rig.now)
    [fresh] = rig.collect()
    rig.deliver(answer(fresh, 180, "Ringing", tag="n1"))
    assert methods(rig.deliver(answer(fresh, 486, "Busy Here", tag="n1"))) == ["ACK"]
    assert Ended("next", "final", 486, "SIP 486 Busy Here") in rig.events()
    assert invite.call_id  # the answered call was a real target for mutated in-dialog requests


def test_the_mutants_leave_no_state_behind() -> None:
    """Whatever the mutants opened is closed by its timers: memory does not grow with them."""
    rig = Rig.make()
    for datagram in mutations(seed=7, count=3_000):
        rig.ua.receive(datagram, TRUNK, rig.now)
        rig.advance(0.01)
    rig.advance(120)  # past every transaction timer and the no-ACK limit of offered calls
    for key in list(rig.ua.calls):
        rig.ua.hangup(key, rig.now)
    rig.advance(120)
    assert not rig.ua.transactions
    assert not rig.ua.calls and not rig.ua.dialogs
    assert rig.ua.next_wake() is None
