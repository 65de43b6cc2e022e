"""Fuzzing parse(): only ParseError ever escapes, and whatever parses writes itself back.

A seeded mutator (tests/sip/fuzzing.py) damages realistic messages the ways the wire
and attackers do; hypothesis adds arbitrary bytes and generated valid requests.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccterm.sip.fields import CSeq, NameAddr, Via, parse_uri
from ccterm.sip.message import Headers, ParseError, Request, Response, parse
from tests.sip.fuzzing import CORPUS, mutations

MUTATIONS = 12_000
SEED = 20240611


def identity(msg: Request | Response) -> tuple[object, ...]:
    start: object = msg.method if isinstance(msg, Request) else msg.status
    return (start, msg.call_id, msg.cseq)


def check(data: bytes) -> bool:
    """parse() gives a message or ParseError; a message writes back to the same one."""
    try:
        msg = parse(data)
    except ParseError:
        return False
    again = parse(msg.to_bytes())
    assert identity(again) == identity(msg)
    assert (again.from_, again.to, again.vias, again.body) == (
        msg.from_,
        msg.to,
        msg.vias,
        msg.body,
    )
    return True


def test_corpus_parses() -> None:
    assert all(check(data) for data in CORPUS)


def test_mutator_is_deterministic() -> None:
    assert list(mutations(7, 200)) == list(mutations(7, 200))
    assert list(mutations(7, 200)) != list(mutations(8, 200))


def test_seeded_mutations_raise_only_parse_error() -> None:
    parsed = 0
    for i, data in enumerate(mutations(SEED, MUTATIONS)):
        try:
            parsed += check(data)
        except Exception as exc:  # name the datagram, to replay it
            pytest.fail(f"mutation {i} of seed {SEED}: {exc!r}\n{data[:400]!r}")
    # The mutator makes a mix: some damage leaves a valid message, most does not.
    assert MUTATIONS * 0.05 < parsed < MUTATIONS * 0.5


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


# SIP-shaped bytes: real start lines and header lines in any order, with junk among them.
LINES = sorted({line for data in CORPUS for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")})
JUNK = [
    b"",
    b" ",
    b"\t",
    b":",
    b";",
    b",",
    b"<",
    b">",
    b'"',
    b"\\",
    b"\xff",
    b"\r",
    b"\n",
    b"\x00",
    b"%",
    b"9" * 12,
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(LINES),
            st.builds(bytes.__add__, st.sampled_from(LINES), st.sampled_from(JUNK)),
        ),
        max_size=14,
    ),
    st.sampled_from([b"\r\n", b"\n", b"\r\n "]),
    st.binary(max_size=40),
)
def test_sip_shaped_bytes(lines: list[bytes], eol: bytes, body: bytes) -> None:
    check(eol.join(lines) + eol + eol + body)


TOKEN = string.ascii_letters + string.digits + "-.!%*_+`'~"
tokens = st.text(TOKEN, min_size=1, max_size=12)
hosts = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}", fullmatch=True),
    st.builds("{}.{}.{}.{}".format, *[st.integers(0, 255)] * 4),
    st.just("[2001:db8::1]"),
)
ports = st.one_of(st.none(), st.integers(0, 65535))
pchars = st.from_regex(r"[A-Za-z0-9\-_.!~*'()\[\]/:&+$]{1,10}", fullmatch=True)
users = st.from_regex(r"[A-Za-z0-9\-_.!~*'()&=+$,;?/]{1,12}", fullmatch=True)
displays = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=20)


@st.composite
def uris(draw: st.DrawFn) -> str:
    port = draw(ports)
    user = draw(st.one_of(st.none(), users))
    params = "".join(
        f";{k}" if v is None else f";{k}={v}"
        for k, v in draw(st.lists(st.tuples(pchars, st.one_of(st.none(), pchars)), max_size=3))
    )
    return f"sip:{'' if user is None else user + '@'}{draw(hosts)}{'' if port is None else f':{port}'}{params}"


@st.composite
def requests(draw: st.DrawFn) -> Request:
    method = draw(
        st.one_of(
            st.sampled_from(
                ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "PRACK", "REGISTER"]
            ),
            tokens,
        )
    )
    tag_params = st.one_of(st.just(()), st.builds(lambda t: (("tag", t),), tokens))
    from_ = NameAddr(draw(displays), parse_uri(draw(uris())), draw(tag_params))
    to = NameAddr(draw(displays), parse_uri(draw(uris())), draw(tag_params))
    vias = draw(
        st.lists(
            st.builds(
                Via,
                st.just("SIP/2.0"),
                st.sampled_from(["UDP", "TCP", "TLS", "WS"]),
                hosts,
                ports,
                st.builds(lambda b: (("branch", "z9hG4bK" + b),), tokens),
            ),
            min_size=1,
            max_size=3,
        )
    )
    headers = Headers()
    for via in vias:
        headers.add(draw(st.sampled_from(["Via", "v"])), str(via))
    headers.add(draw(st.sampled_from(["From", "f"])), str(from_))
    headers.add(draw(st.sampled_from(["To", "t"])), str(to))
    headers.add(
        draw(st.sampled_from(["Call-ID", "i"])), draw(st.from_regex(r"[!-~]{1,30}", fullmatch=True))
    )
    headers.add("CSeq", str(CSeq(draw(st.integers(0, 2**31 - 1)), method)))
    headers.add("Max-Forwards", str(draw(st.integers(0, 255))))
    for name, value in draw(
        st.lists(
            st.tuples(tokens, st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=30)),
            max_size=3,
        )
    ):
        if name.lower() not in {
            "via",
            "v",
            "from",
            "f",
            "to",
            "t",
            "call-id",
            "i",
            "cseq",
            "content-length",
            "l",
            "contact",
            "m",
            "route",
            "record-route",
            "max-forwards",
            "expires",
            "date",
        }:
            headers.add(name, value.strip(" \t"))
    return Request(method, draw(uris()), headers, draw(st.binary(max_size=200)))


@settings(max_examples=200, deadline=None)
@given(requests())
def test_generated_requests_round_trip(req: Request) -> None:
    msg = parse(req.to_bytes())
    assert isinstance(msg, Request)
    assert (msg.method, msg.uri, msg.body) == (req.method, req.uri, req.body)
    assert (msg.call_id, msg.cseq, msg.from_, msg.to, msg.vias) == (
        req.call_id,
        req.cseq,
        req.from_,
        req.to,
        req.vias,
    )
    assert msg.headers == Headers([*req.headers.items(), ("Content-Length", str(len(req.body)))])
    assert msg.to_bytes() == req.to_bytes()
