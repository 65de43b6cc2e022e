"""Dialogs (RFC 3261 §12) and the messages built from them and from requests, sans-io.

A dialog is what both ends agreed at the answer: Call-ID, the two tags, the
far end's target and route set, and the CSeq counters. In-dialog requests are
accepted only when Call-ID and both tags match (a forged BYE with a guessed
Call-ID and made-up tags ends nothing), and each new request of ours takes the
next CSeq.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from ccterm.sip.message import Headers, ParseError, Request, Response
from ccterm.sip.transaction import MAGIC, Addr

USER_AGENT = "ccterm"
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK"
SUPPORTED = "100rel, timer"
UNDERSTOOD = frozenset({"100rel", "timer"})  # Require values we can honour

Token = Callable[[], str]


def random_token() -> str:
    """128 random bits, hex: Call-IDs, tags and branches nobody can guess."""
    return secrets.token_hex(16)


def branch(token: Token) -> str:
    return MAGIC + token()


def hostport(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return shown if port is None else f"{shown}:{port}"


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # the From (ours) or To (theirs) header value without tag, as sent
    remote_uri: str
    remote_target: str  # the far end's Contact URI: in-dialog requests go there
    route_set: list[str] = field(default_factory=list)
    local_cseq: int = 1
    remote_cseq: int | None = None

    def matches(self, request: Request) -> bool:
        """Call-ID and both tags, as §12.2.2 asks: nothing else may touch the call."""
        try:
            return (
                request.call_id == self.call_id
                and request.to.tag == self.local_tag
                and request.from_.tag == self.remote_tag
            )
        except ParseError:  # pragma: no cover - parse() guarantees them
            return False

    def request(self, method: str, via: str, contact: str, cseq: int | None = None) -> Request:
        """A new request of ours in this dialog (BYE, re-INVITE, PRACK, ACK of a 2xx…)."""
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        headers = Headers()
        headers.add("Via", via)
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{self.local_uri};tag={self.local_tag}")
        headers.add("To", f"{self.remote_uri};tag={self.remote_tag}")
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{cseq} {method}")
        for route in self.route_set:
            headers.add("Route", route)
        if method not in ("ACK", "BYE", "CANCEL"):
            headers.add("Contact", contact)
        headers.add("User-Agent", USER_AGENT)
        return Request(method, self.remote_target, headers)


def uac_dialog(invite: Request, response: Response) -> Dialog:
    """The dialog our INVITE made with the answer (or reliable 1xx) that carried a To tag."""
    remote_target = _contact_uri(response) or invite.uri
    routes = list(reversed(response.headers.values("Record-Route")))
    return Dialog(
        call_id=invite.call_id,
        local_tag=invite.from_.tag or "",
        remote_tag=response.to.tag or "",
        local_uri=_without_tag(invite.headers.get("From") or ""),
        remote_uri=_without_tag(response.headers.get("To") or ""),
        remote_target=remote_target,
        route_set=routes,
        local_cseq=invite.cseq.number,
    )


def uas_dialog(invite: Request, local_tag: str) -> Dialog:
    """The dialog we make by answering an INVITE."""
    return Dialog(
        call_id=invite.call_id,
        local_tag=local_tag,
        remote_tag=invite.from_.tag or "",
        local_uri=_without_tag(invite.headers.get("To") or ""),
        remote_uri=_without_tag(invite.headers.get("From") or ""),
        remote_target=_contact_uri(invite) or invite.from_.uri.text,
        route_set=list(invite.headers.values("Record-Route")),
        local_cseq=0,
        remote_cseq=invite.cseq.number,
    )


def reply(
    request: Request,
    status: int,
    reason: str,
    *,
    to_tag: str | None = None,
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Response:
    """A response to `request` (§8.2.6): its Vias, From, Call-ID and CSeq; To with our tag."""
    headers = Headers()
    for via in request.headers.values("Via"):
        headers.add("Via", via)
    headers.add("From", request.headers.get("From") or "")
    to = request.headers.get("To") or ""
    if to_tag and request.to.tag is None:
        to = f"{to};tag={to_tag}"
    headers.add("To", to)
    headers.add("Call-ID", request.call_id)
    headers.add("CSeq", request.headers.get("CSeq") or "")
    if 100 < status < 300 and request.method in ("INVITE", "UPDATE", "PRACK"):
        for route in request.headers.values("Record-Route"):
            headers.add("Record-Route", route)
    for name, value in extra or ():
        headers.add(name, value)
    headers.add("User-Agent", USER_AGENT)
    return Response(status, reason, headers, body)


def new_via(local: Addr, token: Token) -> str:
    return f"SIP/2.0/UDP {hostport(*local)};branch={branch(token)};rport"


def _contact_uri(message: Request | Response) -> str | None:
    from ccterm.sip.fields import parse_name_addr  # the grammar, shared with the parser

    for value in message.headers.values("Contact"):
        if value.strip() == "*":
            return None
        try:
            return parse_name_addr(value).uri.text
        except ParseError:
            return None
    return None


def _without_tag(value: str) -> str:
    """A From/To value as sent, minus its tag parameter (the dialog keeps tags apart)."""
    head, sep, _ = value.partition(">")
    if sep:
        params = [p for p in value[len(head) + 1 :].split(";") if p.strip()]
        kept = [p for p in params if not p.strip().lower().startswith("tag=")]
        return head + ">" + "".join(";" + p for p in kept)
    parts = value.split(";")
    return ";".join(p for p in parts if not p.strip().lower().startswith("tag="))
