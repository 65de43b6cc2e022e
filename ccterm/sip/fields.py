"""The grammar of SIP header fields (RFC 3261 §25): names, URIs, name-addrs, Via, CSeq, params.

Each parser takes the text of one value and returns a frozen dataclass, or raises
ParseError: the only error type of the SIP parser (the h11 model), so a caller that
reads a field from the wire handles exactly one exception. Values are kept as sent
(escapes not decoded, quoted parameter values keep their quotes) so that a message
we relay or answer carries the peer's own bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "HEADER_NAMES",
    "HEADER_SPELLINGS",
    "LIST_HEADERS",
    "CSeq",
    "NameAddr",
    "Params",
    "ParseError",
    "Uri",
    "Via",
    "is_token",
    "parse_cseq",
    "parse_name_addr",
    "parse_number",
    "parse_params",
    "parse_uri",
    "parse_via",
    "split_commas",
]


class ParseError(ValueError):
    """Why a datagram is not a SIP message we accept (short text, for a log line)."""


Params = tuple[tuple[str, str | None], ...]

MAX_CSEQ = 2**31 - 1  # RFC 3261 §8.1.1.5: the sequence number is below 2**31

# Header names (RFC 3261 §7.3.3 and the IANA registry): the message keeps them canonical.
_KNOWN = (  # noqa: SIM905  # a list literal would take 70 lines
    "Accept Accept-Contact Accept-Encoding Accept-Language Alert-Info Allow Allow-Events "
    "Authentication-Info Authorization Call-ID Call-Info Contact Content-Disposition "
    "Content-Encoding Content-Language Content-Length Content-Type CSeq Date Diversion "
    "Error-Info Event Expires From History-Info Identity In-Reply-To Max-Forwards "
    "MIME-Version Min-Expires Min-SE Organization P-Asserted-Identity P-Preferred-Identity "
    "Path Priority Privacy Proxy-Authenticate Proxy-Authorization Proxy-Require RAck Reason "
    "Record-Route Refer-To Referred-By Reject-Contact Remote-Party-ID Replaces Reply-To "
    "Request-Disposition Require Retry-After Route RSeq Security-Client Security-Server "
    "Security-Verify Server Service-Route Session-Expires Subject Subscription-State "
    "Supported Timestamp To Unsupported User-Agent Via Warning WWW-Authenticate"
).split()
_COMPACT = {
    "i": "Call-ID", "m": "Contact", "f": "From", "t": "To", "v": "Via",
    "l": "Content-Length", "c": "Content-Type", "k": "Supported", "s": "Subject",
    "e": "Content-Encoding", "x": "Session-Expires", "o": "Event", "u": "Allow-Events",
    "r": "Refer-To", "b": "Referred-By", "a": "Accept-Contact", "j": "Reject-Contact",
    "d": "Request-Disposition", "y": "Identity",
}  # fmt: skip
# Any spelling, lower-cased (compact forms too) → (canonical name, lookup key).
HEADER_NAMES: dict[str, tuple[str, str]] = {n.lower(): (n, n.lower()) for n in _KNOWN}
HEADER_NAMES.update((c, (n, n.lower())) for c, n in _COMPACT.items())
# The usual spellings as sent, to skip lower() on the way in.
HEADER_SPELLINGS: dict[str, tuple[str, str]] = {
    spelling: info
    for lower, info in HEADER_NAMES.items()
    for spelling in (lower, info[0], lower.upper(), lower.title())
}
# Fields whose values are comma-separated lists (RFC 3261 §7.3.1); others stay whole.
LIST_HEADERS = frozenset(
    n.lower()
    for n in (  # noqa: SIM905
        "Accept Accept-Contact Accept-Encoding Accept-Language Alert-Info Allow Allow-Events "
        "Call-Info Contact Content-Encoding Content-Language Diversion Error-Info History-Info "
        "In-Reply-To P-Asserted-Identity P-Preferred-Identity Path Proxy-Require Reason "
        "Record-Route Reject-Contact Request-Disposition Require Route Security-Client "
        "Security-Server Security-Verify Service-Route Supported Unsupported Via Warning"
    ).split()
)

# RFC 3261 §25.1 character classes, as regex fragments.
_T = r"A-Za-z0-9.!%*_+`'~\-"  # token
_UNRESERVED = r"A-Za-z0-9\-_.!~*'()"
# Character runs, not (char|escape)+ alternations (several times faster); every '%' is
# then checked to start an escape (_BAD_ESCAPE).
# '#' is not legal unescaped in a user part, but carriers put it in dialled digits.
_USER = rf"[{_UNRESERVED}%&=+$,;?/#]+"
_PASSWORD = rf"[{_UNRESERVED}%&=+$,]*"
# Hostname or IPv4 (loosely: '_' appears in real host names), or an IPv6 reference.
_HOST = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-_.]+"
_PCHAR = rf"[{_UNRESERVED}%\[\]/:&+$]"
_HCHAR = rf"[{_UNRESERVED}%\[\]/?:+$=&]"
# qdtext excludes controls (LWS aside); quoted-pair escapes anything ASCII but CR and LF.
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x00-\x09\x0b\x0c\x0e-\x7f])*"'

_TOKEN = re.compile(rf"[{_T}]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Other schemes: scheme ":" then visible ASCII but '"', '<' and '>', kept opaque.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:[!#-;=?-~]+")
_SIP_URI = re.compile(
    rf"(?:(?P<user>{_USER})(?::{_PASSWORD})?@)?(?P<host>{_HOST})(?::(?P<port>[0-9]+))?"
    rf"(?P<params>(?:;{_PCHAR}+(?:={_PCHAR}+)?)*)(?:\?(?P<headers>{_HCHAR}+))?"
)
_PARAM = re.compile(rf"[ \t]*;[ \t]*([{_T}]+)(?:[ \t]*=[ \t]*([{_T}\[\]:]+|{_QUOTED}))?[ \t]*")
_NAME_ADDR = re.compile(rf"(?:({_QUOTED})|([{_T}]+(?:[ \t]+[{_T}]+)*))?[ \t]*<([^<>]*)>[ \t]*")
_QUOTED_PAIR = re.compile(r"\\([\x00-\x7f])")
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
_VIA = re.compile(
    rf"([{_T}]+)[ \t]*/[ \t]*([{_T}]+)[ \t]*/[ \t]*([{_T}]+)[ \t]+({_HOST})"
    rf"(?:[ \t]*:[ \t]*([0-9]+))?"
)
_CSEQ = re.compile(rf"[ \t]*([0-9]+)[ \t]+([{_T}]+)[ \t]*")


def is_token(text: str) -> bool:
    """RFC 3261 token: methods, header names, parameter names."""
    return _TOKEN.fullmatch(text) is not None


def parse_number(text: str, limit: int, what: str) -> int:
    """Digits only, at most `limit`; long digit strings never reach int() (3.11 caps it)."""
    if not text.isascii() or not text.isdigit():
        raise ParseError(f"{what} is not a number: {text[:40]!r}")
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(limit)) or int(digits) > limit:
        raise ParseError(f"{what} out of range: {text[:40]!r}")
    return int(digits)


def _port(text: str | None) -> int | None:
    return None if text is None else parse_number(text, 65535, "port")


def _find(params: Params, name: str) -> str | None:
    name = name.lower()
    for key, value in params:
        if key.lower() == name:
            return "" if value is None else value
    return None


def _format_params(params: Params) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)


def parse_params(text: str, pos: int = 0) -> Params:
    """`*( SEMI generic-param )` from `pos` to the end; LWS allowed around ';' and '='."""
    params: list[tuple[str, str | None]] = []
    end = len(text)
    while pos < end:
        m = _PARAM.match(text, pos)
        if m is None:
            raise ParseError(f"bad parameters: {text[pos : pos + 40]!r}")
        params.append((m.group(1), m.group(2)))
        pos = m.end()
    return tuple(params)


@dataclass(frozen=True, slots=True)
class Uri:
    """A URI as sent. sip/sips URIs are split into parts; other schemes stay opaque."""

    scheme: str
    user: str | None
    host: str
    port: int | None
    params: Params
    headers: str
    text: str

    def param(self, name: str) -> str | None:
        """The value of a uri-parameter: None if absent, "" if present without a value."""
        return _find(self.params, name)

    def __str__(self) -> str:
        return self.text


def parse_uri(text: str) -> Uri:
    """A sip/sips URI checked against RFC 3261 §19.1 (the password is kept only in `text`)."""
    colon = text.find(":")
    scheme = text[:colon].lower() if colon > 0 else ""
    if scheme != "sip" and scheme != "sips":
        if _ABSOLUTE_URI.fullmatch(text) is None:
            raise ParseError(f"bad URI: {text[:60]!r}")
        return Uri(scheme, None, "", None, (), "", text)
    u = _SIP_URI.fullmatch(text, colon + 1)
    if u is None or ("%" in text and _BAD_ESCAPE.search(text)):
        raise ParseError(f"bad SIP URI: {text[:60]!r}")
    user, host, port, raw, headers = u.groups()
    params: Params = ()
    if raw:
        params = tuple(
            (k, v) if sep else (k, None)
            for k, sep, v in (p.partition("=") for p in raw[1:].split(";"))
        )
    return Uri(scheme, user, host, _port(port), params, headers or "", text)


def _unquote(quoted: str) -> str:
    inner = quoted[1:-1]
    return _QUOTED_PAIR.sub(r"\1", inner) if "\\" in inner else inner


def _quote(display: str) -> str:
    """Always quoted: valid for any name, and read right by every peer.

    CR and LF cannot be written even escaped: a name set by code must not split the header.
    """
    display = display.replace("\r", " ").replace("\n", " ")
    return '"' + _NEEDS_ESCAPE.sub(lambda m: "\\" + m.group(), display) + '"'


@dataclass(frozen=True, slots=True)
class NameAddr:
    """From, To, Contact, Route…: display name, URI and header parameters (;tag=…)."""

    display: str
    uri: Uri
    params: Params

    @property
    def tag(self) -> str | None:
        return _find(self.params, "tag")

    def param(self, name: str) -> str | None:
        """A header parameter (quoted values keep their quotes): None if absent, "" if bare."""
        return _find(self.params, name)

    def with_tag(self, tag: str) -> NameAddr:
        """The same address with `tag` replacing any tag (a UAS tags its To)."""
        kept = tuple(p for p in self.params if p[0].lower() != "tag")
        return replace(self, params=(*kept, ("tag", tag)))

    def __str__(self) -> str:
        lead = f"{_quote(self.display)} " if self.display else ""
        return f"{lead}<{self.uri.text}>{_format_params(self.params)}"


def parse_name_addr(text: str) -> NameAddr:
    """name-addr or addr-spec with header params (RFC 3261 §20.10); "*" is the caller's case.

    In the addr-spec form everything after the first ';' is a header parameter, and a
    ',' or '?' makes the value ambiguous, so it is refused (RFC 4475 regbadct, badaspec).
    """
    s = text.strip(" \t")
    m = _NAME_ADDR.match(s)
    if m is not None:
        quoted, tokens, uri_text = m.groups()
        if quoted is not None:
            display = _unquote(quoted)
        elif tokens is not None:
            display = " ".join(tokens.split())
        else:
            display = ""
        uri = parse_uri(uri_text)
        return NameAddr(display, uri, parse_params(s, m.end()))
    semi = s.find(";")
    if s[:1] == '"' or s.find("<", 0, None if semi < 0 else semi) >= 0:
        raise ParseError(f"bad name-addr: {s[:60]!r}")  # RFC 4475 quotbal, baddn
    uri_text = s if semi < 0 else s[:semi].rstrip(" \t")
    if "," in uri_text or "?" in uri_text:
        raise ParseError(f"ambiguous address without <>: {s[:60]!r}")
    uri = parse_uri(uri_text)
    return NameAddr("", uri, () if semi < 0 else parse_params(s, semi))


@dataclass(frozen=True, slots=True)
class Via:
    """One via-parm: where a response to the request goes, and its transaction's branch."""

    protocol: str
    transport: str
    host: str
    port: int | None
    params: Params

    @property
    def branch(self) -> str | None:
        return _find(self.params, "branch")

    def param(self, name: str) -> str | None:
        return _find(self.params, name)

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        params = _format_params(self.params)
        return f"{self.protocol}/{self.transport} {self.host}{port}{params}"


def parse_via(text: str) -> Via:
    """One via-parm (callers split a field at commas): `SIP/2.0/UDP host[:port]*(;param)`."""
    s = text.strip(" \t")
    m = _VIA.match(s)
    if m is None:
        raise ParseError(f"bad Via: {s[:60]!r}")
    name, version, transport, host, port = m.groups()
    return Via(f"{name}/{version}", transport.upper(), host, _port(port), parse_params(s, m.end()))


@dataclass(frozen=True, slots=True)
class CSeq:
    """The request's sequence number and method: with the Call-ID it orders a dialog."""

    number: int
    method: str

    def __str__(self) -> str:
        return f"{self.number} {self.method}"


def parse_cseq(text: str) -> CSeq:
    m = _CSEQ.fullmatch(text)
    if m is None:
        raise ParseError(f"bad CSeq: {text[:60]!r}")
    return CSeq(parse_number(m.group(1), MAX_CSEQ, "CSeq"), m.group(2))


def split_commas(text: str) -> list[str]:
    """Elements of a list header, split at commas outside "quotes" and <brackets>.

    Elements are stripped; empty ones are kept (as "") so that a field parser can refuse
    them (RFC 4475 badinv01); an empty or blank field has no elements.
    """
    if "," not in text:
        s = text.strip(" \t")
        return [s] if s else []
    if '"' not in text and "<" not in text:
        return [part.strip(" \t") for part in text.split(",")]
    parts: list[str] = []
    start = 0
    quoted = angled = escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif quoted:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            angled = True
        elif ch == ">":
            angled = False
        elif ch == "," and not angled:
            parts.append(text[start:i].strip(" \t"))
            start = i + 1
    parts.append(text[start:].strip(" \t"))
    return parts
