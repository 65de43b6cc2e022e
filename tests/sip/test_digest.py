"""Digest authentication: the RFCs' worked examples, hashes recomputed here, and garbage challenges."""

from __future__ import annotations

import hashlib
import random

import pytest

from ccterm.sip import digest
from ccterm.sip.digest import Challenge, DigestError


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_rfc2617_worked_example() -> None:
    challenge = digest.parse_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    assert challenge == Challenge(
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        algorithm="MD5",
        qop=("auth", "auth-int"),
        opaque="5ccc069c403ebaf9f0171e9517f40e41",
        stale=False,
    )
    value = digest.authorization(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle Of Life",
        cnonce="0a4f113b",
    )
    assert value == (
        'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, qop=auth, '
        'nc=00000001, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_worked_examples(algorithm: str, response: str) -> None:
    challenge = digest.parse_challenge(
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    value = digest.authorization(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle of Life",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert f'response="{response}", algorithm={algorithm}, qop=auth, nc=00000001, ' in value


def test_sipp_challenge_without_qop_is_answered_rfc2069_style() -> None:
    challenge = digest.parse_challenge(
        'Digest realm="ccterm.test", nonce="47ebe028cda119c35d4877b383027d28da013815"'
    )
    assert challenge == Challenge(
        "ccterm.test", "47ebe028cda119c35d4877b383027d28da013815", "MD5", (), None, False
    )
    value = digest.authorization(
        challenge,
        method="REGISTER",
        uri="sip:ccterm.test",
        username="1001",
        password="s3cret!",
        cnonce="unused",
    )
    ha1 = md5("1001:ccterm.test:s3cret!")
    expected = md5(
        f"{ha1}:47ebe028cda119c35d4877b383027d28da013815:{md5('REGISTER:sip:ccterm.test')}"
    )
    assert value == (
        'Digest username="1001", realm="ccterm.test", nonce="47ebe028cda119c35d4877b383027d28da013815", '
        f'uri="sip:ccterm.test", response="{expected}", algorithm=MD5'
    )


def test_md5_sess() -> None:
    challenge = digest.parse_challenge(
        'Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth"'
    )
    value = digest.authorization(
        challenge, method="INVITE", uri="sip:1@r", username="u", password="p", cnonce="c", nc=255
    )
    ha1 = md5(f"{md5('u:r:p')}:n:c")
    expected = md5(f"{ha1}:n:000000ff:c:auth:{md5('INVITE:sip:1@r')}")
    assert f'response="{expected}", algorithm=MD5-sess, qop=auth, nc=000000ff, cnonce="c"' in value
    # Without qop the server still needs the cnonce to check a -sess HA1.
    bare = digest.authorization(
        digest.parse_challenge('Digest realm="r", nonce="n", algorithm=MD5-sess'),
        method="INVITE",
        uri="sip:1@r",
        username="u",
        password="p",
        cnonce="c",
    )
    ha2 = md5("INVITE:sip:1@r")
    assert bare.endswith(f'response="{md5(f"{ha1}:n:{ha2}")}", algorithm=MD5-sess, cnonce="c"')


def test_sha256_and_sha256_sess() -> None:
    plain = digest.authorization(
        Challenge("r", "n", "SHA-256", ("auth",), None, False),
        method="REGISTER",
        uri="sip:r",
        username="u",
        password="p",
        cnonce="c",
    )
    expected = sha256(f"{sha256('u:r:p')}:n:00000001:c:auth:{sha256('REGISTER:sip:r')}")
    assert f'response="{expected}", algorithm=SHA-256,' in plain
    sess = digest.authorization(
        digest.parse_challenge('Digest realm="r",nonce="n",algorithm="sha-256-SESS",qop=auth'),
        method="REGISTER",
        uri="sip:r",
        username="u",
        password="p",
        cnonce="c",
    )
    ha1 = sha256(f"{sha256('u:r:p')}:n:c")
    ha2 = sha256("REGISTER:sip:r")
    assert f'response="{sha256(f"{ha1}:n:00000001:c:auth:{ha2}")}", algorithm=SHA-256-sess,' in sess


def test_parameters_in_any_order_and_case_tokens_and_escapes() -> None:
    challenge = digest.parse_challenge(
        'digest   STALE=TRUE,nonce=abc/def+==,  Algorithm=md5 ,domain="sip:x sip:y",,'
        ' opaque="", REALM="a \\"quoted\\" realm\\\\", qop=auth'
    )
    assert challenge == Challenge('a "quoted" realm\\', "abc/def+==", "MD5", ("auth",), "", True)
    value = digest.authorization(
        challenge, method="BYE", uri="sip:x", username='a"b', password="p", cnonce="c"
    )
    assert 'username="a\\"b", realm="a \\"quoted\\" realm\\\\", nonce="abc/def+==",' in value
    assert value.endswith('opaque=""')
    ha1 = md5('a"b:a "quoted" realm\\:p')  # the hash is over the unquoted values
    ha2 = md5("BYE:sip:x")
    assert f'response="{md5(f"{ha1}:abc/def+==:00000001:c:auth:{ha2}")}"' in value
    assert not digest.parse_challenge('Digest realm="r", nonce="n", stale=false').stale


@pytest.mark.parametrize(
    "value",
    [
        'Basic realm="ccterm.test"',
        "",
        "Digest",
        'Digestrealm="r", nonce="n"',
        'Digest realm="ccterm.test"',
        'Digest nonce="47ebe028"',
        'Digest realm="r, nonce="n"',
        'Digest realm="r", nonce="n',
        'Digest realm="r", nonce="n\\"',
        'Digest realm="r", nonce="n", algorithm=SHA-512',
        'Digest realm="r", nonce="n", algorithm=',
        'Digest realm="r", nonce="n", realm="s"',
        'Digest realm="r" nonce="n"',
        'Digest realm="r", nonce="n\r\nVia: x"',
        'Digest realm="r", nonce="n\x00"',
        'Digest realm="r", nonce',
        'Digest realm="r", =x, nonce="n"',
        'Digest realm="r", nonce="n", Digest realm="s", nonce="m"',
    ],
)
def test_garbage_challenges(value: str) -> None:
    with pytest.raises(DigestError):
        digest.parse_challenge(value)


@pytest.mark.parametrize(
    ("qop", "kwargs"),
    [
        (("auth-int",), {}),
        (("auth-int", "x"), {}),
        (("auth",), {"cnonce": ""}),
        (("auth",), {"nc": 0}),
        (("auth",), {"nc": 2**32}),
        (("auth",), {"method": "REG ISTER"}),
        (("auth",), {"uri": "sip:x\r\nVia: y"}),
        (("auth",), {"username": "\ud800"}),
        (("auth",), {"password": "\udfff"}),
    ],
)
def test_what_we_cannot_answer(qop: tuple[str, ...], kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "method": "REGISTER",
        "uri": "sip:r",
        "username": "u",
        "password": "p",
        "cnonce": "c",
    }
    args.update(kwargs)
    with pytest.raises(DigestError):
        digest.authorization(Challenge("r", "n", "MD5", qop, None, False), **args)  # type: ignore[arg-type]
    with pytest.raises(DigestError):
        digest.authorization(Challenge("r", "n", "MD4", (), None, False), **args)  # type: ignore[arg-type]


PIECES = [
    "Digest",
    "digest",
    "Basic",
    " ",
    "\t",
    ",",
    "=",
    '"',
    "\\",
    "realm",
    "nonce",
    "qop",
    "algorithm",
    "opaque",
    "stale",
    "auth",
    "auth-int",
    "MD5",
    "md5-sess",
    "SHA-256",
    "SHA-256-sess",
    "true",
    "x",
    "\r\n",
    "\x00",
    "é",
    "\ud800",
    "🎧",
    "'",
    ";",
    'realm="r"',
    'nonce="n"',
    'qop="auth,auth-int"',
]
VALID = 'Digest realm="ccterm.test", nonce="47ebe028", qop="auth", algorithm=MD5, opaque="o", stale=FALSE'
PASSWORD = "Pa55-wörd!"


def test_random_challenges_raise_only_digest_error_and_never_leak_the_password() -> None:
    rng = random.Random(2617)
    parsed = 0
    for i in range(3000):
        if i % 3 == 0:  # made of pieces of the grammar
            value = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 20)))
        elif i % 3 == 1:  # a valid challenge, cut and patched
            cut = rng.randrange(len(VALID) + 1)
            value = VALID[:cut] + rng.choice(PIECES) + VALID[cut + rng.randint(0, 5) :]
        else:
            value = "".join(
                chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x110000)]))
                for _ in range(rng.randint(0, 40))
            )
        try:
            challenge = digest.parse_challenge(value)
        except DigestError:
            continue
        parsed += 1
        try:
            header = digest.authorization(
                challenge,
                method="REGISTER",
                uri="sip:ccterm.test",
                username="1001",
                password=PASSWORD,
                cnonce="c",
            )
        except DigestError:
            continue
        assert PASSWORD not in header and "\r" not in header and "\n" not in header
        assert header.startswith('Digest username="1001", realm="')
    assert parsed > 300
