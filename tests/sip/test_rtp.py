"""The media loop with real UDP sockets on 127.0.0.1: relay, digits, and strangers dropped."""

from __future__ import annotations

import contextlib
import itertools
import socket
import time
from collections.abc import Iterator

import pytest

from ccterm.sip import media
from ccterm.sip.media import Law
from ccterm.sip.rtp import MediaEngine


def udp() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.05)
    return s


def port_of(s: socket.socket) -> int:
    return int(s.getsockname()[1])


def free_port() -> int:
    with udp() as s:
        return port_of(s)


@pytest.fixture
def engine() -> Iterator[MediaEngine]:
    e = MediaEngine()
    e.start()
    yield e
    e.stop()


def received(peer: socket.socket, seconds: float) -> list[media.RtpPacket]:
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            out.append(media.parse_rtp(peer.recv(2048)))
    return out


def test_a_bridge_relays_and_transcodes_and_drops_strangers(engine: MediaEngine) -> None:
    customer, agent, stranger = udp(), udp(), udp()
    leg_c, leg_a = free_port(), free_port()
    engine.add_leg("c", ("127.0.0.1", leg_c), ("127.0.0.1", port_of(customer)), Law.PCMA)
    engine.add_leg("a", ("127.0.0.1", leg_a), ("127.0.0.1", port_of(agent)), Law.PCMU)
    engine.connect("c", "a")
    engine.connect("a", "c")
    assert engine.sync()
    voice = media.encode(bytes(range(0, 256, 1)) * 1 + bytes(64), Law.PCMA)[:160]
    intruder = b"\x2a" * 160
    for n in range(25):  # half a second of the customer talking; a stranger shouting over it
        customer.sendto(media.pack_rtp(8, n, n * 160, 1, voice), ("127.0.0.1", leg_c))
        stranger.sendto(media.pack_rtp(8, n, n * 160, 2, intruder), ("127.0.0.1", leg_c))
        time.sleep(0.02)
    packets = received(agent, 0.3)
    payloads = {p.payload for p in packets}
    assert media.relay(voice, Law.PCMA, Law.PCMU) in payloads  # A-law in, μ-law out
    assert media.relay(intruder, Law.PCMA, Law.PCMU) not in payloads  # the kernel dropped it
    assert {p.payload_type for p in packets} == {0}
    seqs = [p.seq for p in packets]
    assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))
    for s in (customer, agent, stranger):
        s.close()


def test_digits_arrive_once_per_key_press(engine: MediaEngine) -> None:
    caller = udp()
    leg = free_port()
    digits: list[str] = []
    engine.add_leg(
        "in",
        ("127.0.0.1", leg),
        ("127.0.0.1", port_of(caller)),
        Law.PCMU,
        event_pt=101,
        on_digit=digits.append,
    )
    assert engine.sync()
    for n, digit in enumerate("12#"):
        for payload in media.dtmf_payloads(digit):
            caller.sendto(media.pack_rtp(101, n, 1000 * (n + 1), 7, payload), ("127.0.0.1", leg))
    deadline = time.monotonic() + 2
    while len(digits) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert digits == ["1", "2", "#"]
    caller.close()
