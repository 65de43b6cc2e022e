"""What calls and the registration need from the core that holds them (ua.py).

A Protocol, so the parts depend on this small surface and not on the user
agent itself: no import cycle, and a transcript could host a part alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ccterm.sip import digest
from ccterm.sip.dialog import Dialog
from ccterm.sip.events import SipEvent
from ccterm.sip.message import Request, Response
from ccterm.sip.transaction import Addr, ClientTransaction, ClientUser, Timers


@dataclass(frozen=True, slots=True)
class UaConfig:
    local: Addr  # where our SIP socket listens (what we put in Via and Contact)
    trunk: Addr  # the registrar / proxy every trunk request goes to
    domain: str  # the trunk's host as configured: the domain of our URIs
    username: str = ""
    password: str = field(default="", repr=False)
    expires: int = 300
    register: bool = True


class Party(Protocol):
    """A call, as the core files it: by our key and by its dialog."""

    key: str
    dialog: Dialog | None


class Host(Protocol):
    config: UaConfig
    domain: str
    contact: str
    timers: Timers
    token: Callable[[], str]

    def send(self, data: bytes, dest: Addr) -> None: ...

    def emit(self, event: SipEvent) -> None: ...

    def via(self) -> str: ...

    def start_client(
        self, request: Request, dest: Addr, user: ClientUser | None, now: float
    ) -> ClientTransaction: ...

    def bind_dialog(self, call: Party) -> None: ...

    def ended(self, call: Party) -> None: ...


def credentials(
    host: Host, response: Response, *, method: str, uri: str, tried: set[str]
) -> tuple[str, str] | None:
    """The header that answers a 401/407 challenge (Authorization or Proxy-Authorization),
    or None when it cannot be answered: not digest, or the same nonce again (the
    credentials are wrong). `tried` keeps the nonces answered for this request."""
    proxy = response.status == 407
    try:
        challenge = digest.parse_challenge(
            response.headers.get("Proxy-Authenticate" if proxy else "WWW-Authenticate") or ""
        )
    except digest.DigestError:
        return None
    if challenge.nonce in tried and not challenge.stale:
        return None
    tried.add(challenge.nonce)
    try:
        value = digest.authorization(
            challenge,
            method=method,
            uri=uri,
            username=host.config.username,
            password=host.config.password,
            cnonce=host.token()[:16],
        )
    except digest.DigestError:
        return None
    return ("Proxy-Authorization" if proxy else "Authorization"), value
