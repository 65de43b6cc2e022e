"""HTTP digest authentication as SIP uses it (RFC 2617, RFC 3261 §22, RFC 7616).

A registrar or proxy answers 401/407 with a challenge; we retry with a hash of
the password over its nonce. Pure: the caller passes the client nonce and the
nonce count, so the same inputs give the same header and the RFCs' worked
examples are tests. We answer qop=auth and the older no-qop form (RFC 2069);
auth-int would need the body's hash and no SIP server we meet insists on it.
Every failure is a DigestError.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

_ALGORITHMS = {a.lower(): a for a in ("MD5", "MD5-sess", "SHA-256", "SHA-256-sess")}
_SCHEME = re.compile(r"[ \t]*Digest(?:[ \t]+|$)", re.IGNORECASE)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 7230 tchar
_BARE = re.compile(r'[^ \t,"]+')  # an unquoted value; looser than a token for sloppy servers
_GAP = re.compile(r"[ \t,]*")  # between parameters (empty list elements are allowed)
_SPACE = re.compile(r"[ \t]*")
# Values go back out inside a header: a CR or LF would start a new one.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class DigestError(ValueError):
    """A challenge we cannot answer (unknown algorithm, missing realm/nonce, malformed)."""


@dataclass(frozen=True, slots=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str  # "MD5" (the default), "MD5-sess", "SHA-256", "SHA-256-sess"
    qop: tuple[str, ...]  # offered qop values, lowercased, e.g. ("auth",); () when absent
    opaque: str | None
    stale: bool  # the nonce expired but the password was right: retry without asking anyone


def parse_challenge(header_value: str) -> Challenge:
    """A WWW-Authenticate / Proxy-Authenticate value; parameters in any order and case."""
    scheme = _SCHEME.match(header_value)
    if scheme is None:
        raise DigestError(f"not a Digest challenge: {header_value[:40]!r}")
    params = _params(header_value, scheme.end())
    realm, nonce = params.get("realm"), params.get("nonce")
    if realm is None or nonce is None:
        raise DigestError("challenge without realm or nonce")
    algorithm = _ALGORITHMS.get(params.get("algorithm", "MD5").lower())
    if algorithm is None:
        raise DigestError(f"unknown algorithm: {params['algorithm'][:20]!r}")
    qop = tuple(q.strip().lower() for q in params.get("qop", "").split(",") if q.strip())
    return Challenge(
        realm=realm,
        nonce=nonce,
        algorithm=algorithm,
        qop=qop,
        opaque=params.get("opaque"),
        stale=params.get("stale", "").lower() == "true",
    )


def authorization(
    challenge: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int = 1,
) -> str:
    """The Authorization / Proxy-Authorization value that answers `challenge`."""
    if "auth" in challenge.qop:
        qop = True
    elif challenge.qop:
        raise DigestError(f"no qop we do: {','.join(challenge.qop)[:40]!r}")
    else:
        qop = False
    algorithm = _ALGORITHMS.get(challenge.algorithm.lower())
    if algorithm is None:
        raise DigestError(f"unknown algorithm: {challenge.algorithm[:20]!r}")
    sess = algorithm.endswith("-sess")
    if not _TOKEN.fullmatch(method):
        raise DigestError(f"bad method: {method[:20]!r}")
    if (qop or sess) and not cnonce:
        raise DigestError("a cnonce is needed")
    if not 0 < nc <= 0xFFFFFFFF:
        raise DigestError(f"nonce count out of range: {nc}")
    h = _hasher(algorithm)
    ha1 = h(f"{username}:{challenge.realm}:{password}")
    if sess:
        ha1 = h(f"{ha1}:{challenge.nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop:
        response = h(f"{ha1}:{challenge.nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
    else:
        response = h(f"{ha1}:{challenge.nonce}:{ha2}")  # RFC 2069
    parts = [
        f"username={_quote(username)}",
        f"realm={_quote(challenge.realm)}",
        f"nonce={_quote(challenge.nonce)}",
        f"uri={_quote(uri)}",
        f'response="{response}"',
        f"algorithm={algorithm}",
    ]
    if qop:
        parts += ["qop=auth", f"nc={nc:08x}", f"cnonce={_quote(cnonce)}"]
    elif sess:  # RFC 2617 forgot this case; the server cannot check HA1 without it
        parts.append(f"cnonce={_quote(cnonce)}")
    if challenge.opaque is not None:
        parts.append(f"opaque={_quote(challenge.opaque)}")
    return "Digest " + ", ".join(parts)


def _params(text: str, pos: int) -> dict[str, str]:
    """`name=value, name="quoted \\"value\\""` from `pos` to the end, names lowercased."""
    params: dict[str, str] = {}
    end = len(text)
    while True:
        pos = _skip(_GAP, text, pos)
        if pos >= end:
            return params
        name = _TOKEN.match(text, pos)
        if name is None:
            raise DigestError(f"bad parameter at {text[pos : pos + 20]!r}")
        pos = _skip(_SPACE, text, name.end())
        if pos >= end or text[pos] != "=":
            raise DigestError(f"no value for {name.group()[:20]!r}")
        pos = _skip(_SPACE, text, pos + 1)
        if pos < end and text[pos] == '"':
            value, pos = _unquote(text, pos + 1)
        else:
            bare = _BARE.match(text, pos)
            if bare is None:
                raise DigestError(f"no value for {name.group()[:20]!r}")
            value, pos = bare.group(), bare.end()
        key = name.group().lower()
        if key in params:
            raise DigestError(f"{key[:20]!r} given twice")
        if _CONTROL.search(value):
            raise DigestError(f"control character in {key[:20]!r}")
        params[key] = value
        pos = _skip(_SPACE, text, pos)
        if pos < end and text[pos] != ",":
            raise DigestError(f"expected a comma at {text[pos : pos + 20]!r}")


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    return pos if match is None else match.end()


def _unquote(text: str, pos: int) -> tuple[str, int]:
    """The quoted-string starting after its opening quote, and the index past its close."""
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            pos += 1
            if pos == len(text):
                break
            char = text[pos]
        out.append(char)
        pos += 1
    raise DigestError("unbalanced quotes")


def _quote(value: str) -> str:
    if _CONTROL.search(value):
        raise DigestError("control character in a value")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hasher(algorithm: str) -> Callable[[str], str]:
    def h(text: str) -> str:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            raise DigestError("text that is not valid Unicode") from None
        if algorithm.startswith("MD5"):
            return hashlib.md5(data, usedforsecurity=False).hexdigest()
        return hashlib.sha256(data).hexdigest()

    return h
