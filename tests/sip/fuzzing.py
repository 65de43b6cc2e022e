"""A seeded mutator of SIP datagrams, for fuzzing the parser and the layers above it.

`mutations(seed, count)` takes realistic messages of a call and a registration
(SAMPLES by name, CORPUS in order) and damages them the ways the wire does and
attackers do: truncation, flipped and inserted bytes, lost and doubled header lines,
lying Content-Lengths, 64 KB lines, non-UTF-8 hosts, out-of-range ports and CSeqs,
keepalives, swapped start lines. Some mutations keep the message valid but change what
a transaction or dialog sees (branch, tags, Call-ID, CSeq), so the same stream also
fuzzes the layers above the parser. Deterministic: one random.Random(seed) drives all.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

__all__ = ["CORPUS", "MUTATORS", "SAMPLES", "mutate", "mutations"]


def _message(start: str, headers: list[str], body: str = "") -> bytes:
    """A message with a correct Content-Length, as a peer would send it."""
    encoded = body.encode()
    lines = [start, *headers, f"Content-Length: {len(encoded)}", "", ""]
    return "\r\n".join(lines).encode() + encoded


_SDP_OFFER = (
    "v=0\r\no=carrier 53655765 2353687637 IN IP4 198.51.100.7\r\ns=-\r\n"
    "c=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
)
_SDP_ANSWER = (
    "v=0\r\no=ccterm 1 1 IN IP4 192.0.2.10\r\ns=ccterm\r\nc=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"
)
_INVITE_VIA = "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---7a3c;rport"
_FROM = 'From: "+1 555 0100" <sip:+15550100@198.51.100.7>;tag=as5e8d9c1'
_TO = "To: <sip:agent7@192.0.2.10>"
_TO_TAGGED = "To: <sip:agent7@192.0.2.10>;tag=cc7f31a2"
_CALL_ID = "Call-ID: 3c26700f7a9b45e1a3f0@198.51.100.7"

# Realistic messages by name (one inbound call, one registration, one challenged INVITE).
SAMPLES: dict[str, bytes] = {
    "invite": _message(  # INVITE with SDP from the carrier
        "INVITE sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            _INVITE_VIA,
            "Max-Forwards: 69",
            _FROM,
            _TO,
            _CALL_ID,
            "CSeq: 102 INVITE",
            "Contact: <sip:+15550100@198.51.100.7:5060;transport=udp>",
            "Record-Route: <sip:198.51.100.7;lr;ftag=as5e8d9c1>",
            "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, PRACK",
            "Supported: replaces, timer, 100rel",
            "P-Asserted-Identity: <sip:+15550100@carrier.example.net;user=phone>",
            "Session-Expires: 1800;refresher=uac",
            "Min-SE: 90",
            "Content-Type: application/sdp",
        ],
        _SDP_OFFER,
    ),
    "ringing": _message(  # 180 Ringing, reliable
        "SIP/2.0 180 Ringing",
        [
            _INVITE_VIA + ";received=198.51.100.7",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 102 INVITE",
            "Contact: <sip:agent7@192.0.2.10:5060>",
            "Require: 100rel",
            "RSeq: 1",
        ],
    ),
    "prack": _message(  # PRACK for the 180
        "PRACK sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---8b41;rport",
            "Max-Forwards: 70",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 103 PRACK",
            "RAck: 1 102 INVITE",
        ],
    ),
    "ok": _message(  # 200 OK with the SDP answer
        "SIP/2.0 200 OK",
        [
            _INVITE_VIA + ";received=198.51.100.7",
            "Record-Route: <sip:198.51.100.7;lr;ftag=as5e8d9c1>",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 102 INVITE",
            "Contact: <sip:agent7@192.0.2.10:5060>",
            "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK",
            "Supported: 100rel, timer",
            "Session-Expires: 1800;refresher=uac",
            "Content-Type: application/sdp",
        ],
        _SDP_ANSWER,
    ),
    "ack": _message(  # ACK for the 200
        "ACK sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---9c52;rport",
            "Max-Forwards: 70",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 102 ACK",
        ],
    ),
    "info": _message(  # INFO with a digit
        "INFO sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---ad63;rport",
            "Max-Forwards: 70",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 104 INFO",
            "Content-Type: application/dtmf-relay",
        ],
        "Signal=5\r\nDuration=160\r\n",
    ),
    "reinvite": _message(  # re-INVITE (session refresh, hold)
        "INVITE sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---be74;rport",
            "Max-Forwards: 70",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 105 INVITE",
            "Contact: <sip:+15550100@198.51.100.7:5060;transport=udp>",
            "Session-Expires: 1800;refresher=uac",
            "Content-Type: application/sdp",
        ],
        _SDP_OFFER.replace("a=sendrecv", "a=sendonly").replace("53655765 2353687637", "1 2"),
    ),
    "bye": _message(  # BYE from the carrier
        "BYE sip:agent7@192.0.2.10:5060 SIP/2.0",
        [
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---cf85;rport",
            "Max-Forwards: 70",
            _FROM,
            _TO_TAGGED,
            _CALL_ID,
            "CSeq: 106 BYE",
            'Reason: Q.850;cause=16;text="Normal call clearing"',
        ],
    ),
    "cancel": _message(  # CANCEL of the INVITE (same branch)
        "CANCEL sip:agent7@192.0.2.10:5060 SIP/2.0",
        [_INVITE_VIA, "Max-Forwards: 70", _FROM, _TO, _CALL_ID, "CSeq: 102 CANCEL"],
    ),
    "options": _message(  # OPTIONS keepalive ping from the carrier, in compact form
        "OPTIONS sip:192.0.2.10:5060 SIP/2.0",
        [
            "v: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-opt-77e1",
            "f: <sip:ping@carrier.example.net>;tag=op1",
            "t: <sip:192.0.2.10:5060>",
            "i: ping-77e1@198.51.100.7",
            "CSeq: 1 OPTIONS",
            "Max-Forwards: 70",
            "Accept: application/sdp",
        ],
    ),
    "register": _message(  # our REGISTER
        "REGISTER sip:carrier.example.net SIP/2.0",
        [
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.reg.4b1d;rport",
            "Max-Forwards: 70",
            "From: <sip:acct1001@carrier.example.net>;tag=r3g1",
            "To: <sip:acct1001@carrier.example.net>",
            "Call-ID: reg-5f0e2a@192.0.2.10",
            "CSeq: 7 REGISTER",
            "Contact: <sip:acct1001@192.0.2.10:5060>;expires=300",
            "Expires: 300",
        ],
    ),
    "unauthorized": _message(  # 401 challenge to the REGISTER
        "SIP/2.0 401 Unauthorized",
        [
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.reg.4b1d;rport=5060;received=203.0.113.9",
            "From: <sip:acct1001@carrier.example.net>;tag=r3g1",
            "To: <sip:acct1001@carrier.example.net>;tag=c4rr13r",
            "Call-ID: reg-5f0e2a@192.0.2.10",
            "CSeq: 7 REGISTER",
            'WWW-Authenticate: Digest realm="carrier.example.net", '
            'nonce="5f0e2a77c1b9d3e4", algorithm=MD5, qop="auth"',
            "Date: Tue, 03 Jun 2025 14:12:07 GMT",
        ],
    ),
    "proxy_auth": _message(  # 407 challenge to an outbound INVITE
        "SIP/2.0 407 Proxy Authentication Required",
        [
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.inv.91aa;rport=5060",
            'From: "Queue 4" <sip:acct1001@carrier.example.net>;tag=o9x2',
            "To: <sip:+15550123@carrier.example.net>;tag=p4x",
            "Call-ID: out-8812c3@192.0.2.10",
            "CSeq: 1 INVITE",
            'Proxy-Authenticate: Digest realm="carrier.example.net", nonce="a1b2c3", '
            'opaque="0f", algorithm=MD5, qop="auth"',
        ],
    ),
}
CORPUS: tuple[bytes, ...] = tuple(SAMPLES.values())

Mutator = Callable[[random.Random, bytes], bytes]


def _split(data: bytes) -> tuple[list[bytes], bytes | None]:
    """Start line and header lines, and the body (None when the blank line is gone)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n"), (body if sep else None)


def _join(lines: list[bytes], body: bytes | None) -> bytes:
    head = b"\r\n".join(lines)
    return head if body is None else head + b"\r\n\r\n" + body


def _name(line: bytes) -> bytes:
    return line.partition(b":")[0].strip().lower()


def _edit_header(data: bytes, names: tuple[bytes, ...], edit: Callable[[bytes], bytes]) -> bytes:
    """Apply `edit` to the value of the first header named one of `names` (if any)."""
    lines, body = _split(data)
    for i, line in enumerate(lines[1:], 1):
        if _name(line) in names:
            name, _, value = line.partition(b":")
            lines[i] = name + b":" + edit(value)
            break
    return _join(lines, body)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    extra = rng.choice((rng.randbytes(rng.randint(1, 8)), b":", b";", b",", b"\r\n", b" ", b'"'))
    return data[:at] + extra + data[at:]


def delete_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[at + rng.randint(1, 4) :]


def delete_header(rng: random.Random, data: bytes) -> bytes:
    lines, body = _split(data)
    if len(lines) > 1:
        del lines[rng.randrange(1, len(lines))]
    return _join(lines, body)


def duplicate_header(rng: random.Random, data: bytes) -> bytes:
    lines, body = _split(data)
    if len(lines) > 1:
        i = rng.randrange(1, len(lines))
        lines.insert(rng.randrange(1, len(lines) + 1), lines[i])
    return _join(lines, body)


def content_length(rng: random.Random, data: bytes) -> bytes:
    """Huge, negative, non-numeric, too large or too small for the body, or a second one."""
    lines, body = _split(data)
    size = len(body or b"")
    value = rng.choice(
        (
            b"99999999999999999999999",
            b"4294967296",
            b"-1",
            b"-999",
            b"",
            b"12abc",
            b" 0 0",
            str(size + rng.randint(1, 500)).encode(),
            str(rng.randrange(size + 1)).encode(),
            b"0" * 30 + str(size).encode(),
        )
    )
    if rng.random() < 0.2:
        lines.append(b"l: " + value)
    else:
        lines = [
            b"Content-Length: " + value if _name(ln) in (b"content-length", b"l") else ln
            for ln in lines
        ]
    return _join(lines, body)


def long_line(rng: random.Random, data: bytes) -> bytes:
    """A line of 16 KB + 1, 40 KB or 64 KB: in a header value, a new header, or the start line."""
    size = rng.choice((16385, 40000, 65536))
    lines, body = _split(data)
    i = rng.randrange(len(lines))
    if i == 0 or rng.random() < 0.5:
        lines[i] += b"a" * size
    else:
        lines.insert(i, b"X-Long: " + b"x" * size)
    return _join(lines, body)


def non_utf8(rng: random.Random, data: bytes) -> bytes:
    """Bytes that are not UTF-8 in the Via host, another header, or the body."""
    junk = rng.choice((b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf8\x88\x80\x80\x80"))
    where = rng.random()
    if where < 0.4:
        return _edit_header(data, (b"via", b"v"), lambda v: v.replace(b" ", b" " + junk, 2))
    lines, body = _split(data)
    if where < 0.8 or body is None:
        i = rng.randrange(len(lines))
        at = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:at] + junk + lines[i][at:]
    else:
        body = body + junk  # a body is bytes: still a valid message if the length allows
    return _join(lines, body)


def bad_port(rng: random.Random, data: bytes) -> bytes:
    port = rng.choice((b"65536", b"99999", b"-1", b"", b"0", b"65535", b"123456", b"5o60"))
    names = rng.choice(((b"via", b"v"), (b"contact", b"m")))

    def edit(value: bytes) -> bytes:
        if b":5060" in value:
            return value.replace(b":5060", b":" + port, 1)
        return value.replace(b";", b":" + port + b";", 1)

    return _edit_header(data, names, edit)


def bad_cseq(rng: random.Random, data: bytes) -> bytes:
    number = rng.choice(
        (
            b"2147483648",
            b"2147483647",
            b"18446744073709551616",
            b"1" * 40,
            b"-1",
            b"abc",
            b"",
            b"0x10",
        )
    )

    def edit(value: bytes) -> bytes:
        parts = value.split()
        method = parts[-1] if parts else b"INVITE"
        return b" " + (rng.choice((number + b" " + method, number, method, b"1 " + b"FOO")))

    return _edit_header(data, (b"cseq",), edit)


def empty(rng: random.Random, data: bytes) -> bytes:
    return b""


def only_crlf(rng: random.Random, data: bytes) -> bytes:
    return b"\r\n" * rng.randint(1, 4)


def swap_start_line(rng: random.Random, data: bytes) -> bytes:
    """Another corpus message's start line: requests become responses and methods change."""
    lines, body = _split(data)
    lines[0] = rng.choice(CORPUS).partition(b"\r\n")[0]
    return _join(lines, body)


def change_ids(rng: random.Random, data: bytes) -> bytes:
    """Still valid, but another branch, tag, Call-ID or CSeq: fodder for transactions."""
    n = str(rng.randrange(1 << 20)).encode()
    edit = rng.choice(
        (
            ((b"via", b"v"), lambda v: v.replace(b"branch=z9hG4bK", b"branch=z9hG4bK" + n, 1)),
            ((b"via", b"v"), lambda v: v.replace(b"branch=z9hG4bK", b"x=", 1)),
            ((b"to", b"t"), lambda v: v.split(b";tag=")[0]),
            ((b"from", b"f"), lambda v: v.replace(b"tag=", b"tag=" + n, 1)),
            ((b"call-id", b"i"), lambda v: v + n),
            ((b"cseq",), lambda v: b" " + n + b" " + (v.split() or [b"INVITE"])[-1]),
        )
    )
    return _edit_header(data, edit[0], edit[1])


def reshape(rng: random.Random, data: bytes) -> bytes:
    """Still valid: bare LF, folded lines, leading CRLFs, odd header-name case, trailing bytes."""
    kind = rng.randrange(5)
    if kind == 0:
        return data.replace(b"\r\n", b"\n")
    if kind == 1:
        return data.replace(b";", b"\r\n ;", 1)
    if kind == 2:
        return b"\r\n" * rng.randint(1, 3) + data
    if kind == 3:
        return data.replace(b"\r\nVia:", b"\r\nvIA  :", 1).replace(b"\r\nCall-ID:", b"\r\ni:", 1)
    return data + rng.randbytes(rng.randint(1, 50))


def garbage(rng: random.Random, data: bytes) -> bytes:
    return rng.randbytes(rng.randint(1, 300))


MUTATORS: tuple[Mutator, ...] = (
    truncate,
    flip_bytes,
    insert_bytes,
    delete_bytes,
    delete_header,
    duplicate_header,
    content_length,
    long_line,
    non_utf8,
    bad_port,
    bad_cseq,
    empty,
    only_crlf,
    swap_start_line,
    change_ids,
    reshape,
    garbage,
)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three mutations of `data`."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(MUTATORS)(rng, data)
    return data


def mutations(seed: int, count: int) -> Iterator[bytes]:
    """`count` mutated datagrams from CORPUS; the same seed gives the same datagrams."""
    rng = random.Random(seed)
    for _ in range(count):
        yield mutate(rng, rng.choice(CORPUS))
