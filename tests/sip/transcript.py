"""A far end for transcript tests of the SIP core: it reads what the core sent and writes
answers as text, the way a carrier or sipp would, with no help from the code under test."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ccterm.sip.events import SipEvent
from ccterm.sip.message import Message, Request, Response, parse
from ccterm.sip.ua import UaConfig, UserAgent

US = ("10.0.0.1", 5060)
TRUNK = ("10.0.0.2", 5060)

SDP = (
    "v=0\r\no=carrier 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
)


def counter_tokens() -> itertools.count[int]:
    return itertools.count(1)


@dataclass
class Rig:
    """The core under test, a clock we move, and everything it said."""

    ua: UserAgent
    now: float = 1000.0
    wire: list[tuple[Message, tuple[str, int]]] = field(default_factory=list)
    heard: list[SipEvent] = field(default_factory=list)

    @classmethod
    def make(cls, *, register: bool = False, password: str = "pw") -> Rig:
        numbers = itertools.count(1)
        config = UaConfig(
            local=US,
            trunk=TRUNK,
            domain="trunk.test",
            username="ccterm",
            password=password,
            expires=60,
            register=register,
        )
        return cls(UserAgent(config, token=lambda: f"{next(numbers):032x}"))

    def collect(self) -> list[Message]:
        """What the core sent since the last look (parsed), and what it reported."""
        out, events = self.ua.drain()
        self.heard.extend(events)
        fresh = [(parse(data), dest) for data, dest in out]
        self.wire.extend(fresh)
        return [m for m, _ in fresh]

    def events(self) -> list[SipEvent]:
        self.collect()
        heard, self.heard = self.heard, []
        return heard

    def advance(self, seconds: float) -> list[Message]:
        """Move the clock, firing due timers on the way, in order."""
        end = self.now + seconds
        while True:
            due = self.ua.next_wake()
            if due is None or due > end:
                break
            self.now = max(self.now, due)
            self.ua.tick(self.now)
        self.now = end
        return self.collect()

    def deliver(self, text: str | bytes, source: tuple[str, int] = TRUNK) -> list[Message]:
        data = text.encode() if isinstance(text, str) else text
        self.ua.receive(data, source, self.now)
        return self.collect()


def lines(message: Message, *names: str) -> str:
    out = []
    for name in names:
        for value in (
            message.headers.values(name) if name in ("Via",) else [message.headers.get(name) or ""]
        ):
            out.append(f"{name}: {value}")
    return "\r\n".join(out)


def answer(
    request: Message,
    code: int,
    reason: str = "",
    *,
    tag: str | None = "far1",
    extra: str = "",
    body: str = "",
) -> str:
    """The far end's response to one of our requests, as text."""
    assert isinstance(request, Request)
    to = request.headers.get("To") or ""
    if tag and ";tag=" not in to:
        to += f";tag={tag}"
    head = "\r\n".join(
        [f"SIP/2.0 {code} {reason or 'Whatever'}"]
        + [f"Via: {v}" for v in request.headers.values("Via")]
        + [
            f"From: {request.headers.get('From')}",
            f"To: {to}",
            f"Call-ID: {request.call_id}",
            f"CSeq: {request.headers.get('CSeq')}",
        ]
        + ([extra] if extra else [])
        + [f"Content-Length: {len(body.encode())}"]
    )
    return head + "\r\n\r\n" + body


def request_in_dialog(
    method: str,
    answered: Message,
    *,
    cseq: int,
    their_tag: str = "far1",
    our_tag: str | None = None,
    call_id: str | None = None,
    extra: str = "",
    body: str = "",
    branch: str = "z9hG4bKfar",
) -> str:
    """A request from the far end inside the dialog an INVITE of ours made."""
    assert isinstance(answered, Request)
    ours = our_tag if our_tag is not None else answered.from_.tag
    head = "\r\n".join(
        [
            f"{method} sip:ccterm@10.0.0.1:5060 SIP/2.0",
            f"Via: SIP/2.0/UDP 10.0.0.2:5060;branch={branch}",
            "Max-Forwards: 70",
            f"From: <{answered.uri}>;tag={their_tag}",
            f"To: <sip:ccterm@trunk.test>;tag={ours}",
            f"Call-ID: {call_id or answered.call_id}",
            f"CSeq: {cseq} {method}",
            "Contact: <sip:far@10.0.0.2:5060>",
        ]
        + ([extra] if extra else [])
        + [f"Content-Length: {len(body.encode())}"]
    )
    return head + "\r\n\r\n" + body


def incoming_invite(
    *, call_id: str = "in-call-1", branch: str = "z9hG4bKin1", body: str = SDP, extra: str = ""
) -> str:
    head = "\r\n".join(
        [
            "INVITE sip:+48221110000@10.0.0.1:5060 SIP/2.0",
            f"Via: SIP/2.0/UDP 10.0.0.2:5060;branch={branch}",
            "Max-Forwards: 69",
            'From: "Caller" <sip:+48601000111@10.0.0.2>;tag=caller1',
            "To: <sip:+48221110000@10.0.0.1>",
            f"Call-ID: {call_id}",
            "CSeq: 10 INVITE",
            "Contact: <sip:+48601000111@10.0.0.2:5060>",
            "Content-Type: application/sdp",
        ]
        + ([extra] if extra else [])
        + [f"Content-Length: {len(body.encode())}"]
    )
    return head + "\r\n\r\n" + body


def is_response(message: Message, code: int) -> bool:
    return isinstance(message, Response) and message.status == code


def methods(messages: list[Message]) -> list[str]:
    return [m.method if isinstance(m, Request) else f"{m.status} {m.cseq.method}" for m in messages]
