"""SDP offer/answer for one G.711 phone line (RFC 4566, RFC 3264, RFC 4733).

A phone line needs four things from a peer's SDP: where to send RTP, PCMU or
PCMA, which payload type carries RFC 4733 digits, and whether we are on hold.
Everything else is skipped rather than rejected, because carriers and PBXs add
lines we have no use for. Pure functions over bytes; every failure is an
SdpError, so a caller turns any unusable SDP into a 488 with one `except`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TypeAlias

from ccterm.sip.media import Law

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
# RFC 3264 §6.1: an answer's direction is the offer's seen from the other end.
_MIRROR = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}
EVENT_PT = 101  # the telephone-event payload type we offer (any dynamic one would do)
_STATIC = {Law.PCMU: "PCMU/8000", Law.PCMA: "PCMA/8000"}
# ASCII only (str.isdigit() takes "²", which int() refuses); 64 digits keeps int() cheap.
_DIGITS = re.compile(r"[0-9]{1,64}")
_Line: TypeAlias = tuple[str, str]  # (type letter, value) of one "x=value" line


class SdpError(ValueError):
    """Unusable SDP; the text says why ("no common codec" → caller answers 488)."""


@dataclass(frozen=True, slots=True)
class Description:
    """What a peer's SDP says about its first RTP/AVP audio stream."""

    address: str  # connection address (media-level c= overrides session-level)
    port: int  # 0 = stream rejected
    payloads: tuple[int, ...]  # m= line payload types in order of preference
    rtpmap: dict[int, str]  # pt -> "PCMU/8000" as sent; static 0/8 filled in when not mapped
    direction: str  # one of DIRECTIONS (media-level overrides session-level)
    version: int  # o= session version (a refresh repeats it, a change bumps it)
    # Every m= line as sent ("video 5002 RTP/AVP 96") and which one is the audio above:
    # RFC 3264 §6 wants an answer with the same m= lines, the unused ones at port 0.
    streams: tuple[str, ...] = ()
    index: int = 0

    @property
    def on_hold(self) -> bool:
        """The peer will not listen to us: sendonly/inactive, or RFC 2543's c=0.0.0.0."""
        return self.direction in ("sendonly", "inactive") or self.address == "0.0.0.0"


@dataclass(frozen=True, slots=True)
class Choice:
    law: Law  # the codec both sides use
    event_pt: int | None  # the peer's telephone-event payload type, if it has one


def parse(body: bytes) -> Description:
    """The first RTP/AVP audio stream of an SDP body; SdpError if there is none we can use."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SdpError("SDP is not UTF-8") from None
    session: list[_Line] = []
    sections: list[list[_Line]] = []
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if len(line) < 2 or line[1] != "=":
            continue  # blank or not SDP: skipped like any line we do not know
        if line[0] == "m":
            sections.append([])
        (sections[-1] if sections else session).append((line[0], line[2:]))

    streams: list[str] = []
    for section in sections:
        fields = section[0][1].split()
        if len(fields) < 4:
            raise SdpError(f"malformed m= line: {section[0][1][:60]!r}")
        streams.append(" ".join(fields))
    audio = [i for i, s in enumerate(streams) if s.split()[0].lower() == "audio"]
    if not audio:
        raise SdpError("no audio m= line")
    usable = [i for i in audio if streams[i].split()[2].upper() == "RTP/AVP"]
    if not usable:
        raise SdpError(f"audio is not plain RTP/AVP: {streams[audio[0]][:60]!r}")
    index = usable[0]
    lines = sections[index]

    fields = streams[index].split()
    port = _number(fields[1].split("/", 1)[0], "port", 65535)
    payloads = tuple(_number(f, "payload type", 127) for f in fields[3:])
    rtpmap: dict[int, str] = {}
    for kind, value in lines:
        if kind == "a" and value[:7].lower() == "rtpmap:":
            parts = value[7:].split(None, 1)
            if len(parts) == 2 and _DIGITS.fullmatch(parts[0]) and int(parts[0]) in payloads:
                rtpmap.setdefault(int(parts[0]), parts[1].strip())
    for law in Law:
        if law.value in payloads:
            rtpmap.setdefault(law.value, _STATIC[law])

    connection = _first(lines, "c") or _first(session, "c")
    if connection is None:
        raise SdpError("no c= line")
    origin = _first(session, "o")
    if origin is None:
        raise SdpError("no o= line")
    o_fields = origin.split()
    if len(o_fields) < 3:
        raise SdpError(f"malformed o= line: {origin[:60]!r}")
    return Description(
        address=_address(connection),
        port=port,
        payloads=payloads,
        rtpmap=rtpmap,
        direction=_direction(lines, _direction(session, "sendrecv")),
        version=_number(o_fields[2], "o= version"),
        streams=tuple(streams),
        index=index,
    )


def offer(
    address: str, port: int, *, session_id: int, version: int, direction: str = "sendrecv"
) -> bytes:
    """Our offer: PCMU, then PCMA, then RFC 4733 digits at pt 101."""
    return _render(
        address,
        port,
        session_id,
        version,
        direction,
        (Law.PCMU, Law.PCMA),
        EVENT_PT,
        (),
        0,
    )


def choose(remote: Description) -> Choice:
    """The peer's first G.711 payload and its telephone-event pt (for offers and answers alike).

    Only the static numbers 0 and 8 count: the media loop sends G.711 under those,
    so a dynamic pt that an rtpmap names PCMU is passed over rather than mislabelled.
    """
    law = next((Law(pt) for pt in remote.payloads if _is_law(pt, remote.rtpmap.get(pt))), None)
    if law is None:
        raise SdpError("no common codec")
    event = next(
        (
            pt
            for pt in remote.payloads
            if pt not in (0, 8) and _encoding(remote.rtpmap.get(pt)) == ("telephone-event", "8000")
        ),
        None,
    )
    return Choice(law, event)


def answer(
    remote: Description, address: str, port: int, *, session_id: int, version: int
) -> tuple[bytes, Choice]:
    """Our answer to an offer: its first G.711 codec, its digit pt, its direction mirrored."""
    choice = choose(remote)
    body = _render(
        address,
        port,
        session_id,
        version,
        _MIRROR.get(remote.direction, "sendrecv"),
        (choice.law,),
        choice.event_pt,
        remote.streams,
        remote.index,
    )
    return body, choice


def _render(
    address: str,
    port: int,
    session_id: int,
    version: int,
    direction: str,
    laws: tuple[Law, ...],
    event_pt: int | None,
    streams: tuple[str, ...],
    index: int,
) -> bytes:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise SdpError(f"not an IP address: {address[:60]!r}") from None
    if not 0 <= port <= 65535:
        raise SdpError(f"bad port: {port}")
    if session_id < 0 or version < 0:
        raise SdpError("session id and version must not be negative")
    if direction not in DIRECTIONS:
        raise SdpError(f"bad direction: {direction[:20]!r}")
    if event_pt is not None and not 0 <= event_pt <= 127:
        raise SdpError(f"bad payload type: {event_pt}")
    if streams and not 0 <= index < len(streams):
        raise SdpError(f"audio stream {index} of {len(streams)}")
    net = f"IN IP{ip.version} {ip}"
    pts = [law.value for law in laws] + ([] if event_pt is None else [event_pt])
    audio = [
        f"m=audio {port} RTP/AVP {' '.join(map(str, pts))}",
        *(f"a=rtpmap:{law.value} {_STATIC[law]}" for law in laws),
    ]
    if event_pt is not None:
        audio += [f"a=rtpmap:{event_pt} telephone-event/8000", f"a=fmtp:{event_pt} 0-16"]
    audio += ["a=ptime:20", f"a={direction}"]
    media: list[str] = []
    for i, stream in enumerate(streams):
        if i == index:
            media += audio
        else:  # a stream we do not take: same line at port 0 (RFC 3264 §6)
            fields = stream.split()
            if len(fields) < 4:
                raise SdpError(f"malformed m= line: {stream[:60]!r}")
            media.append(f"m={fields[0]} 0 {' '.join(fields[2:])}")
    if not streams:
        media = audio
    head = ["v=0", f"o=ccterm {session_id} {version} {net}", "s=ccterm", f"c={net}", "t=0 0"]
    return ("\r\n".join(head + media) + "\r\n").encode()


def _first(lines: list[_Line], kind: str) -> str | None:
    return next((value for k, value in lines if k == kind), None)


def _direction(lines: list[_Line], default: str) -> str:
    found = [v.strip().lower() for k, v in lines if k == "a" and v.strip().lower() in DIRECTIONS]
    return found[-1] if found else default


def _number(text: str, what: str, top: int | None = None) -> int:
    if not _DIGITS.fullmatch(text) or (top is not None and int(text) > top):
        raise SdpError(f"bad {what}: {text[:20]!r}")
    return int(text)


def _address(connection: str) -> str:
    """The address of a c= line ("IN IP4 192.0.2.1", "IN IP4 224.2.1.1/127")."""
    fields = connection.split()
    kinds = {"IP4": ipaddress.IPv4Address, "IP6": ipaddress.IPv6Address}
    if len(fields) != 3 or fields[0].upper() != "IN" or fields[1].upper() not in kinds:
        raise SdpError(f"malformed c= line: {connection[:60]!r}")
    text = fields[2].split("/", 1)[0]
    try:
        ip = kinds[fields[1].upper()](text)
    except ValueError:
        # An FQDN is legal SDP but would need a DNS lookup in the media path; no peer sends one.
        raise SdpError(f"c= address is not an IP address: {text[:60]!r}") from None
    return str(ip)


def _encoding(rtpmap: str | None) -> tuple[str, str]:
    """(lowercased name, clock rate) of an rtpmap value like "PCMU/8000" or "opus/48000/2"."""
    parts = (rtpmap or "").split("/")
    return parts[0].strip().lower(), parts[1].strip() if len(parts) > 1 else ""


def _is_law(pt: int, rtpmap: str | None) -> bool:
    if pt not in (0, 8):
        return False
    if rtpmap is None:
        return True
    channels = rtpmap.split("/")[2:]
    return _encoding(rtpmap) == (Law(pt).name.lower(), "8000") and channels in ([], ["1"])
