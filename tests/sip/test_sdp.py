"""SDP offer/answer: real peers' SDPs, our offers and answers, and garbage that must only ever be SdpError."""

from __future__ import annotations

import random
import re

import pytest

from ccterm.sip import sdp
from ccterm.sip.media import Law
from ccterm.sip.sdp import Choice, Description, SdpError


def crlf(text: str) -> bytes:
    return text.strip().replace("\n", "\r\n").encode() + b"\r\n"


SIPP = crlf("""
v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
""")

SIPP_PCAP = crlf("""
v=0
o=user1 53655765 2353687637 IN IP4 127.0.1.1
s=-
c=IN IP4 127.0.1.1
t=0 0
m=audio 6002 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-11,16
""")

ASTERISK = crlf("""
v=0
o=- 1583244346 1583244347 IN IP4 10.0.0.5
s=Asterisk
c=IN IP4 10.0.0.5
t=0 0
m=audio 14356 RTP/AVP 0 8 3 111 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:3 GSM/8000
a=rtpmap:111 G726-32/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
""")

# Session-level c=, a media-level c= that wins, bandwidth and vendor lines, PCMA first, pt 126 for digits.
CARRIER = crlf("""
v=0
o=Sonus_UAC 25346 12045 IN IP4 203.0.113.10
s=SIP Media Capabilities
c=IN IP4 203.0.113.10
t=0 0
a=X-vendor-thing:1
m=audio 22332 RTP/AVP 8 0 18 126
c=IN IP4 203.0.113.77
b=AS:64
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:126 telephone-event/8000
a=fmtp:126 0-15
a=sendrecv
a=maxptime:30
""")

# A softphone with video on: video first (its sendonly is the video's own), audio second
# with opus at 96 and two telephone-events, only the 8 kHz one usable with G.711. IPv6.
VIDEO_FIRST = crlf("""
v=0
o=alice 3724 3725 IN IP6 2001:db8::5
s=Talk
c=IN IP6 2001:db8::5
t=0 0
m=video 9078 RTP/AVP 96 97
a=rtpmap:96 VP8/90000
a=rtpmap:97 H264/90000
a=sendonly
m=audio 7078 RTP/AVP 96 8 0 101 102
a=rtpmap:96 opus/48000/2
a=rtpmap:101 telephone-event/48000
a=rtpmap:102 telephone-event/8000
""")

HOLD_SENDONLY = crlf("""
v=0
o=- 1583244346 1583244348 IN IP4 10.0.0.5
s=Asterisk
c=IN IP4 10.0.0.5
t=0 0
m=audio 14356 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendonly
""")

HOLD_ZEROS = crlf("""
v=0
o=old 1 2 IN IP4 192.0.2.9
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 30000 RTP/AVP 0
""")

CORPUS = [SIPP, SIPP_PCAP, ASTERISK, CARRIER, VIDEO_FIRST, HOLD_SENDONLY, HOLD_ZEROS]


def test_sipp() -> None:
    assert sdp.parse(SIPP) == Description(
        address="127.0.0.1",
        port=6000,
        payloads=(0,),
        rtpmap={0: "PCMU/8000"},
        direction="sendrecv",
        version=2353687637,
        streams=("audio 6000 RTP/AVP 0",),
        index=0,
    )
    assert sdp.choose(sdp.parse(SIPP)) == Choice(Law.PCMU, None)
    remote = sdp.parse(SIPP_PCAP)
    assert (remote.address, remote.port, remote.payloads) == ("127.0.1.1", 6002, (8, 101))
    assert sdp.choose(remote) == Choice(Law.PCMA, 101)


def test_asterisk() -> None:
    remote = sdp.parse(ASTERISK)
    assert remote.payloads == (0, 8, 3, 111, 101)
    assert remote.rtpmap[111] == "G726-32/8000"
    assert (remote.version, remote.direction, remote.on_hold) == (1583244347, "sendrecv", False)
    assert sdp.choose(remote) == Choice(Law.PCMU, 101)


def test_carrier_media_level_connection_wins_and_pcma_first_is_chosen() -> None:
    remote = sdp.parse(CARRIER)
    assert (remote.address, remote.port, remote.version) == ("203.0.113.77", 22332, 12045)
    assert sdp.choose(remote) == Choice(Law.PCMA, 126)


def test_video_first_then_audio() -> None:
    remote = sdp.parse(VIDEO_FIRST)
    assert (remote.address, remote.port, remote.index) == ("2001:db8::5", 7078, 1)
    assert remote.direction == "sendrecv"  # the video's sendonly is not the audio's
    assert remote.rtpmap == {
        96: "opus/48000/2",
        101: "telephone-event/48000",
        102: "telephone-event/8000",
        8: "PCMA/8000",
        0: "PCMU/8000",
    }
    assert sdp.choose(remote) == Choice(Law.PCMA, 102)


def test_bare_newlines_blank_lines_and_junk_lines_are_tolerated() -> None:
    body = b"\n" + ASTERISK.replace(b"\r\n", b"\n") + b"\nnot sdp at all\n\n"
    assert sdp.parse(body) == sdp.parse(ASTERISK)


def test_hold() -> None:
    sendonly = sdp.parse(HOLD_SENDONLY)
    assert (sendonly.direction, sendonly.on_hold, sendonly.version) == (
        "sendonly",
        True,
        1583244348,
    )
    zeros = sdp.parse(HOLD_ZEROS)
    assert (zeros.address, zeros.direction, zeros.on_hold) == ("0.0.0.0", "sendrecv", True)
    # Session-level inactive holds unless the stream says otherwise.
    inactive = SIPP.replace(b"t=0 0\r\n", b"t=0 0\r\na=inactive\r\n")
    assert sdp.parse(inactive).on_hold
    overridden = inactive + b"a=sendrecv\r\n"
    assert not sdp.parse(overridden).on_hold
    assert not sdp.parse(SIPP + b"a=recvonly\r\n").on_hold  # they only listen: we still send


def test_offer_is_exactly_the_documented_text() -> None:
    body = sdp.offer("192.0.2.1", 40000, session_id=7, version=3)
    assert body == (
        b"v=0\r\no=ccterm 7 3 IN IP4 192.0.2.1\r\ns=ccterm\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        b"m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    )


def test_offer_round_trip() -> None:
    mine = sdp.parse(sdp.offer("192.0.2.1", 40000, session_id=7, version=3, direction="sendonly"))
    assert (mine.address, mine.port, mine.payloads, mine.version) == (
        "192.0.2.1",
        40000,
        (0, 8, 101),
        3,
    )
    assert (mine.direction, mine.on_hold) == ("sendonly", True)
    assert sdp.choose(mine) == Choice(Law.PCMU, 101)
    v6 = sdp.offer("2001:db8::1", 40002, session_id=1, version=1)
    assert b"o=ccterm 1 1 IN IP6 2001:db8::1\r\n" in v6 and b"c=IN IP6 2001:db8::1\r\n" in v6
    assert sdp.parse(v6).address == "2001:db8::1"


@pytest.mark.parametrize(
    ("address", "port", "direction"),
    [
        ("example.com", 4000, "sendrecv"),
        ("192.0.2.1", 70000, "sendrecv"),
        ("192.0.2.1", -1, "sendrecv"),
        ("192.0.2.1", 4000, "SENDRECV"),
        ("192.0.2.1\r\nm=video", 4000, "sendrecv"),
        ("", 4000, "sendrecv"),
    ],
)
def test_offer_refuses_bad_arguments(address: str, port: int, direction: str) -> None:
    with pytest.raises(SdpError):
        sdp.offer(address, port, session_id=1, version=1, direction=direction)
    with pytest.raises(SdpError):
        sdp.offer("192.0.2.1", 4000, session_id=-1, version=1)


@pytest.mark.parametrize(
    ("offer", "law", "event"),
    [
        (SIPP, Law.PCMU, None),
        (SIPP_PCAP, Law.PCMA, 101),
        (ASTERISK, Law.PCMU, 101),
        (CARRIER, Law.PCMA, 126),
    ],
)
def test_answer_has_the_one_codec_and_their_event_pt(
    offer: bytes, law: Law, event: int | None
) -> None:
    body, choice = sdp.answer(sdp.parse(offer), "198.51.100.4", 41000, session_id=9, version=1)
    assert choice == Choice(law, event)
    mine = sdp.parse(body)
    assert (mine.address, mine.port, mine.version) == ("198.51.100.4", 41000, 1)
    assert mine.payloads == ((law.value,) if event is None else (law.value, event))
    assert sdp.choose(mine) == choice  # what the offerer will conclude from our answer
    if event is not None:
        assert f"a=rtpmap:{event} telephone-event/8000\r\na=fmtp:{event} 0-16\r\n".encode() in body


def test_answer_keeps_the_offers_m_lines_and_rejects_video() -> None:
    body, choice = sdp.answer(sdp.parse(VIDEO_FIRST), "192.0.2.1", 41000, session_id=9, version=1)
    assert choice == Choice(Law.PCMA, 102)
    assert re.findall(rb"^m=.*$", body.replace(b"\r\n", b"\n"), re.M) == [
        b"m=video 0 RTP/AVP 96 97",
        b"m=audio 41000 RTP/AVP 8 102",
    ]
    mine = sdp.parse(body)
    assert (mine.index, mine.port, mine.payloads) == (1, 41000, (8, 102))


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        ("sendrecv", "sendrecv"),
        ("sendonly", "recvonly"),
        ("recvonly", "sendonly"),
        ("inactive", "inactive"),
    ],
)
def test_answer_mirrors_direction(theirs: str, ours: str) -> None:
    body, _ = sdp.answer(
        sdp.parse(SIPP + f"a={theirs}\r\n".encode()), "192.0.2.1", 4000, session_id=1, version=2
    )
    assert sdp.parse(body).direction == ours


def test_static_numbers_count_without_rtpmap_and_names_are_case_insensitive() -> None:
    bare = SIPP.replace(b"a=rtpmap:0 PCMU/8000\r\n", b"").replace(b"RTP/AVP 0", b"RTP/AVP 18 8 96")
    remote = sdp.parse(bare + b"a=rtpmap:96 Telephone-Event/8000\r\n")
    assert remote.rtpmap == {8: "PCMA/8000", 96: "Telephone-Event/8000"}
    assert sdp.choose(remote) == Choice(Law.PCMA, 96)
    lower = sdp.parse(SIPP.replace(b"PCMU/8000", b"pcmu/8000"))
    assert lower.rtpmap == {0: "pcmu/8000"} and sdp.choose(lower).law is Law.PCMU


@pytest.mark.parametrize(
    "media",
    [
        b"m=audio 5000 RTP/AVP 18 3\r\n",
        b"m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000\r\n",  # the media loop sends PCMU as 0
        b"m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/16000\r\n",
        b"m=audio 5000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n",
    ],
)
def test_no_common_codec(media: bytes) -> None:
    remote = sdp.parse(SIPP.split(b"m=")[0] + media)
    with pytest.raises(SdpError, match="no common codec"):
        sdp.choose(remote)
    with pytest.raises(SdpError, match="no common codec"):
        sdp.answer(remote, "192.0.2.1", 4000, session_id=1, version=1)


def test_plain_rtp_is_taken_after_an_srtp_stream() -> None:
    head = SIPP.split(b"m=")[0]
    srtp = b"m=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"
    with pytest.raises(SdpError, match="RTP/AVP"):
        sdp.parse(head + srtp)
    both = sdp.parse(head + srtp + b"m=audio 5002 RTP/AVP 8\r\n")
    assert (both.port, both.index, both.payloads) == (5002, 1, (8,))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00garbage",
        SIPP[: SIPP.index(b"m=") + 8],  # truncated after "m=audio "
        SIPP[: SIPP.index(b"c=") + 9],  # truncated after "c=IN IP4 "
        SIPP.replace(b"6000", b"70000"),
        SIPP.replace(b"6000", b"-1"),
        SIPP.replace(b"RTP/AVP 0", b"RTP/AVP PCMU"),
        SIPP.replace(b"RTP/AVP 0", b"RTP/AVP 128"),
        SIPP.replace(b"RTP/AVP 0", b"RTP/AVP"),
        SIPP.replace(
            b"RTP/AVP 0", b"RTP/AVP \xc2\xb2"
        ),  # a superscript two is a digit to str.isdigit
        SIPP.replace(b"c=IN IP4 127.0.0.1\r\n", b""),
        SIPP.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP4 host.example.com"),
        SIPP.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP4"),
        SIPP.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP6 127.0.0.1"),
        SIPP.replace(b"o=user1 53655765 2353687637", b"o=user1 53655765 x"),
        SIPP.replace(b"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n", b""),
        SIPP.replace(b"m=audio", b"m=video"),
        SIPP.replace(b"\r\n", b"\r"),
    ],
)
def test_garbage_is_sdp_error(body: bytes) -> None:
    with pytest.raises(SdpError):
        sdp.parse(body)


def test_every_truncation_is_a_description_or_sdp_error() -> None:
    for body in CORPUS:
        for end in range(len(body)):
            try:
                sdp.parse(body[:end])
            except SdpError:
                continue
            assert end > body.index(b"m=audio") + len(b"m=audio 1 RTP/AVP ")


NASTY = [
    b"",
    b"0",
    b"-1",
    b"65536",
    b"99999999999999999999999",
    b"0.0.0.0",
    b"::",
    b"IP6",
    b"IP4",
    b"IN",
    b"/",
    b"/127",
    b"a=",
    b"m=audio 0 RTP/AVP 0",
    b"m=video 1 x",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x80\xa8",
    b"\x00",
    b"\r",
    b"\n",
    b" ",
    b"\t",
    b"rtpmap:",
    b"rtpmap:0",
    b"telephone-event/8000",
    b"PCMA/8000/2",
    b"sendonly",
    b"inactive",
    b"RTP/SAVP",
    b"\xef\xbc\x91",
    "٣".encode(),
]


def mutate(rng: random.Random, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data) + 1)
        op = rng.randrange(7)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            del data[pos : pos + rng.randint(1, 12)]
        elif op == 2:
            data[pos:pos] = rng.randbytes(rng.randint(1, 6))
        elif op == 3:
            data[pos:pos] = rng.choice(NASTY)
        elif op == 4:  # a number of the SDP replaced by a nasty token
            numbers = list(re.finditer(rb"[0-9]+", bytes(data)))
            if numbers:
                m = rng.choice(numbers)
                data[m.start() : m.end()] = rng.choice(NASTY)
        elif op == 5:  # a line repeated or moved
            lines = bytes(data).split(b"\r\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines.insert(j, lines[i] if rng.random() < 0.5 else lines.pop(i))
            data = bytearray(b"\r\n".join(lines))
        else:  # spliced with another peer's SDP
            other = rng.choice(CORPUS)
            data = data[:pos] + other[rng.randrange(len(other)) :]
    return bytes(data)


def test_fuzzed_sdps_raise_only_sdp_error() -> None:
    rng = random.Random(4566)
    parsed = answered = 0
    for _ in range(3000):
        body = (
            mutate(rng, rng.choice(CORPUS))
            if rng.random() < 0.95
            else rng.randbytes(rng.randint(0, 300))
        )
        try:
            remote = sdp.parse(body)
        except SdpError:
            continue
        parsed += 1
        assert 0 <= remote.port <= 65535 and all(0 <= pt <= 127 for pt in remote.payloads)
        assert remote.direction in sdp.DIRECTIONS
        try:
            mine, choice = sdp.answer(remote, "192.0.2.1", 4000, session_id=1, version=1)
        except SdpError:
            continue
        answered += 1
        again = sdp.parse(mine)  # whatever we send must be SDP we ourselves accept
        assert sdp.choose(again) == choice and len(again.streams) == len(remote.streams)
    assert parsed > 700 and answered > 600  # the mutations are not all rejected at the first line
