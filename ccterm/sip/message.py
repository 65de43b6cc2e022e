"""SIP messages: parse a datagram, read its fields, write one back (sans-io, RFC 3261 §7).

parse() is strict in the h11 manner: whatever it cannot be sure of is a ParseError, the
one exception it raises for any bytes. What it returns has the fields every layer
above relies on (Via, From, To, Call-ID, CSeq) already checked and parsed once, so
transactions and dialogs never meet a malformed message. The RFC 4475 torture tests
and a seeded mutator (tests/sip) hold it to that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar, cast

from ccterm.sip.fields import (
    HEADER_NAMES,
    HEADER_SPELLINGS,
    LIST_HEADERS,
    CSeq,
    NameAddr,
    ParseError,
    Via,
    is_token,
    parse_cseq,
    parse_name_addr,
    parse_number,
    parse_uri,
    parse_via,
    split_commas,
)

__all__ = ["Headers", "Message", "ParseError", "Request", "Response", "parse"]

MAX_DATAGRAM = 65536  # UDP's own limit; anything longer is not one of ours
MAX_LINE = 16384  # one header after unfolding: RFC 4475 longreq needs far less

_FOLD = "\t "  # a line starting with one continues the header above
_FOLDING = re.compile(r"(?:\n[ \t]+)+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CALL_ID = re.compile(r"[!-~]+")  # RFC word["@"word] widened to visible ASCII: carriers stray
_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
    r"[0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)

T = TypeVar("T")


def _name(name: str) -> tuple[str, str]:
    """(canonical spelling, lookup key) of a header name."""
    lower = name.lower()
    return HEADER_NAMES.get(lower) or (name, lower)


class Headers:
    """Header fields in order. Names are canonical: compact forms expanded (i→Call-ID, m→Contact,
    f→From, t→To, v→Via, l→Content-Length, c→Content-Type, k→Supported, s→Subject,
    e→Content-Encoding, x→Session-Expires, o→Event, u→Allow-Events, r→Refer-To, b→Referred-By)
    and known names in their standard spelling (Call-ID, CSeq, WWW-Authenticate, …); unknown
    names kept as sent. Lookups are case-insensitive and accept compact forms."""

    __slots__ = ("_items", "_keys", "_views")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = []
        self._keys: list[str] = []
        # Parsed views (Via, CSeq…) of these fields, dropped on any change.
        self._views: dict[str, object] = {}
        for name, value in items:
            self.add(name, value)

    @classmethod
    def _parsed(cls, items: list[tuple[str, str]], keys: list[str]) -> Headers:
        """The parser's trusted lists, taken as they are."""
        headers = cls()
        headers._items = items
        headers._keys = keys
        return headers

    def _all(self, key: str) -> list[str]:
        if key not in self._keys:  # the common case, at C speed
            return []
        return [item[1] for item, k in zip(self._items, self._keys, strict=True) if k == key]

    def get(self, name: str) -> str | None:
        """The first field of that name, whole."""
        key = _name(name)[1]
        for i, k in enumerate(self._keys):
            if k == key:
                return self._items[i][1]
        return None

    def values(self, name: str) -> list[str]:
        """Every value: list fields (Via, Contact, Route…) split at top-level commas."""
        key = _name(name)[1]
        fields = self._all(key)
        if key not in LIST_HEADERS:
            return fields
        if len(fields) == 1:
            return split_commas(fields[0])
        return [part for field in fields for part in split_commas(field)]

    def add(self, name: str, value: str) -> None:
        """Append a field (ValueError if it could not be written as one header line)."""
        canonical, key = _name(name)
        if key not in HEADER_NAMES and not is_token(name):
            raise ValueError(f"bad header name: {name!r}")
        if "\r" in value or "\n" in value:
            raise ValueError(f"line break in header {canonical}")
        self._items.append((canonical, value))
        self._keys.append(key)
        self._views.clear()

    def set(self, name: str, value: str) -> None:
        """Replace every field of that name by one, where the first was (else append)."""
        key = _name(name)[1]
        self.add(name, value)  # validates
        if self._keys.index(key) < len(self._keys) - 1:
            first = self._keys.index(key)
            self._items[first] = self._items.pop()
            self._keys.pop()
            self._drop(key, keep=first)

    def remove(self, name: str) -> None:
        self._drop(_name(name)[1])

    def _drop(self, key: str, keep: int = -1) -> None:
        kept = [i for i, k in enumerate(self._keys) if k != key or i == keep]
        self._items = [self._items[i] for i in kept]
        self._keys = [self._keys[i] for i in kept]
        self._views.clear()

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _name(name)[1] in self._keys

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._items == other._items

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def copy(self) -> Headers:
        headers = Headers._parsed(list(self._items), list(self._keys))
        headers._views = dict(self._views)  # the views are immutable
        return headers


def _one(values: list[str], name: str) -> str:
    if len(values) != 1:
        raise ParseError(f"{len(values)} {name} headers" if values else f"no {name}")
    return values[0]


def _call_id(values: list[str]) -> str:
    value = _one(values, "Call-ID")
    if _CALL_ID.fullmatch(value) is None:
        raise ParseError(f"bad Call-ID: {value[:60]!r}")
    return value


def _vias(values: list[str]) -> tuple[Via, ...]:
    if not values:
        raise ParseError("no Via")
    return tuple(parse_via(part) for value in values for part in split_commas(value))


def _cseq(values: list[str]) -> CSeq:
    return parse_cseq(_one(values, "CSeq"))


def _from(values: list[str]) -> NameAddr:
    return parse_name_addr(_one(values, "From"))


def _to(values: list[str]) -> NameAddr:
    return parse_name_addr(_one(values, "To"))


# The parsed views: header key → what parses that header's values (all fields of the name).
_VIEWS: dict[str, Callable[[list[str]], object]] = {
    "via": _vias,
    "call-id": _call_id,
    "from": _from,
    "to": _to,
    "cseq": _cseq,
}


def _view(headers: Headers, key: str, build: Callable[[list[str]], T]) -> T:
    views = headers._views
    if key in views:
        return cast(T, views[key])
    value = build(headers._all(key))
    views[key] = value
    return value


class _Views:
    """The parsed fields of a Request or a Response (ParseError when missing or bad)."""

    __slots__ = ()
    headers: Headers

    @property
    def call_id(self) -> str:
        return _view(self.headers, "call-id", _call_id)

    @property
    def cseq(self) -> CSeq:
        return _view(self.headers, "cseq", _cseq)

    @property
    def from_(self) -> NameAddr:
        return _view(self.headers, "from", _from)

    @property
    def to(self) -> NameAddr:
        return _view(self.headers, "to", _to)

    @property
    def vias(self) -> list[Via]:
        """Top first."""
        return list(_view(self.headers, "via", _vias))


def _encode(start_line: str, headers: Headers, body: bytes) -> bytes:
    if "\r" in start_line or "\n" in start_line:
        raise ValueError(f"line break in start line {start_line[:60]!r}")
    lines = [start_line]
    lines.extend(
        f"{name}: {value}"
        for (name, value), key in zip(headers._items, headers._keys, strict=True)
        if key != "content-length"
    )
    lines.append(f"Content-Length: {len(body)}\r\n\r\n")
    return "\r\n".join(lines).encode() + body


@dataclass(slots=True)
class Request(_Views):
    method: str
    uri: str
    headers: Headers
    body: bytes = b""

    def to_bytes(self) -> bytes:
        """The wire form; Content-Length is written from the body, replacing any."""
        return _encode(f"{self.method} {self.uri} SIP/2.0", self.headers, self.body)


@dataclass(slots=True)
class Response(_Views):
    status: int
    reason: str
    headers: Headers
    body: bytes = b""

    def to_bytes(self) -> bytes:
        """The wire form; Content-Length is written from the body, replacing any."""
        return _encode(f"SIP/2.0 {self.status:03d} {self.reason}", self.headers, self.body)


Message = Request | Response


def parse(data: bytes) -> Message:
    """One datagram → a Request or Response; ParseError, and nothing else, for any other bytes.

    Leading CRLFs are skipped; a datagram of nothing else is a keepalive (ParseError too:
    the caller drops it). Bytes after Content-Length are ignored (RFC 4475 dblreq).
    """
    if len(data) > MAX_DATAGRAM:
        raise ParseError("datagram over 64 KB")
    message = data.lstrip(b"\r\n")
    if not message:
        raise ParseError("keepalive" if data else "empty datagram")
    end, body_start = _head_end(message)
    try:
        head = message[:end].decode()
    except UnicodeDecodeError:
        raise ParseError("headers are not UTF-8") from None
    if "\r" in head:
        head = head.replace("\r\n", "\n")
        if "\r" in head:
            raise ParseError("CR inside a header line")
    first, _, fields = head.partition("\n")
    msg: Message
    if first.startswith("SIP/"):
        status, reason = _status_line(first)
        msg = Response(status, reason, _headers(fields))
    else:
        method, uri = _request_line(first)
        msg = Request(method, uri, _headers(fields))
    _check(msg)
    msg.body = _body(msg.headers, message[body_start:])
    return msg


def _head_end(message: bytes) -> tuple[int, int]:
    """Where the header section ends and the body starts: the first empty line (CRLF or LF)."""
    crlf = message.find(b"\n\r\n")
    lf = message.find(b"\n\n", 0, None if crlf < 0 else crlf + 1)
    if lf >= 0:
        end, body_start = lf, lf + 2
    elif crlf >= 0:
        end, body_start = crlf, crlf + 3
    else:
        raise ParseError("no blank line after the headers")
    if end and message[end - 1] == 13:  # the CR of the last header's CRLF
        end -= 1
    return end, body_start


def _request_line(line: str) -> tuple[str, str]:
    """`METHOD SP Request-URI SP SIP/2.0`, single spaces (RFC 4475 lwsstart, trws, lwsruri)."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise ParseError(f"bad request line: {line[:60]!r}")
    method, uri, version = parts
    if version != "SIP/2.0":
        raise ParseError(f"not SIP/2.0: {line[:60]!r}")
    if not is_token(method):
        raise ParseError(f"bad method: {method[:40]!r}")
    if len(uri) > MAX_LINE:
        raise ParseError("Request-URI too long")
    parsed = parse_uri(uri)
    if parsed.headers and parsed.scheme in ("sip", "sips"):
        raise ParseError("headers in the Request-URI")  # RFC 3261 §19.1.5, RFC 4475 escruri
    return method, uri


def _status_line(line: str) -> tuple[int, str]:
    """`SIP/2.0 SP 3DIGIT SP reason`; the reason may be empty, even without its space."""
    code = line[8:11]
    if not line.startswith("SIP/2.0 "):
        raise ParseError(f"not SIP/2.0: {line[:60]!r}")
    if not (len(code) == 3 and code.isascii() and code.isdigit() and "1" <= code[0] <= "6"):
        raise ParseError(f"bad status code: {line[:60]!r}")
    if len(line) > 11 and line[11] != " ":
        raise ParseError(f"bad status code: {line[:60]!r}")
    reason = line[12:]
    if len(reason) > MAX_LINE or _CONTROL.search(reason):
        raise ParseError("bad reason phrase")
    return int(code), reason


def _headers(text: str) -> Headers:
    """`name: value` lines; a line starting with SP or HT continues the one above (RFC 3261
    §7.3.1). One regex pass joins them: appending them one by one would be quadratic."""
    if not text:
        raise ParseError("no headers")
    if text[0] in _FOLD:
        raise ParseError("continuation line before any header")
    if "\n " in text or "\n\t" in text:
        text = _FOLDING.sub(" ", text)
    lines = text.split("\n")
    long_lines = len(text) > MAX_LINE  # else no line can be too long
    items: list[tuple[str, str]] = []
    keys: list[str] = []
    for line in lines:
        if long_lines and len(line) > MAX_LINE:
            raise ParseError("header line over 16 KB")
        raw, colon, value = line.partition(":")
        if not colon:
            raise ParseError(f"header line without a colon: {line[:40]!r}")
        known = HEADER_SPELLINGS.get(raw)
        if known is None:
            raw = raw.rstrip(" \t")
            lower = raw.lower()
            known = HEADER_NAMES.get(lower)
            if known is None:
                if not is_token(raw):
                    raise ParseError(f"bad header name: {raw[:40]!r}")
                known = (raw, lower)
        items.append((known[0], value.strip(" \t")))
        keys.append(known[1])
    return Headers._parsed(items, keys)


# Headers parse() checks, beyond the views.
_CHECKED = frozenset(("max-forwards", "expires", "contact", "route", "record-route", "date"))
_SCALARS = (("max-forwards", "Max-Forwards", 255), ("expires", "Expires", 2**32 - 1))


def _check(msg: Message) -> None:
    """The fields RFC 3261 §8.1.1 requires, and the scalar ones RFC 4475 tortures.

    One pass gathers the fields; the views are built here and cached in the headers.
    """
    headers = msg.headers
    fields: dict[str, list[str]] = {}
    for key, item in zip(headers._keys, headers._items, strict=True):
        if key in _VIEWS or key in _CHECKED:
            if key in fields:
                fields[key].append(item[1])
            else:
                fields[key] = [item[1]]
    views = headers._views
    for key, build in _VIEWS.items():
        views[key] = build(fields.get(key, []))
    cseq = cast(CSeq, views["cseq"])
    if isinstance(msg, Request) and cseq.method != msg.method:
        raise ParseError("CSeq method is not the request's")  # RFC 4475 mismatch01/02
    for key, name, limit in _SCALARS:
        if values := fields.get(key):
            parse_number(_one(values, name), limit, name)
    contacts = [part for value in fields.get("contact", ()) for part in split_commas(value)]
    if contacts != ["*"]:
        for contact in contacts:
            parse_name_addr(contact)  # "*" among others fails here, as it should
    for key in ("route", "record-route"):
        for value in fields.get(key, ()):
            for part in split_commas(value):
                parse_name_addr(part)
    for date in fields.get("date", ()):
        if _DATE.fullmatch(date) is None:
            raise ParseError(f"bad Date: {date[:40]!r}")  # RFC 4475 baddate


def _body(headers: Headers, rest: bytes) -> bytes:
    """Content-Length bytes of what follows the blank line; all of it when there is none."""
    lengths = headers._all("content-length")
    if not lengths:
        return bytes(rest)
    if len(lengths) > 1:
        raise ParseError("more than one Content-Length")  # RFC 4475 mcl01
    length = parse_number(lengths[0], MAX_DATAGRAM, "Content-Length")
    if length > len(rest):
        raise ParseError("Content-Length beyond the datagram")  # RFC 4475 clerr
    return bytes(rest[:length])
