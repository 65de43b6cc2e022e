"""The SIP user agent of one trunk account, sans-io: datagrams and `now` in; datagrams,
timers and events out.

The shell (transport.py, voip.py) feeds `receive()` with what passed the trunk
screen, calls `tick()` when `next_wake()` comes, carries out commands, and
drains `outbox` and `events`. Nothing here reads a clock, opens a socket or
starts a thread, so transcripts and fuzzing drive it directly.

What cannot hurt us: a datagram that does not parse is counted and dropped;
a response that matches no transaction is dropped; an in-dialog request that
does not match a dialog's Call-ID and both tags gets 481 and touches nothing;
OPTIONS and every refusal are answered statelessly, so a flood of them keeps
no state. Each call has its own transactions: no call waits on another.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from ccterm.sip.calls import Call
from ccterm.sip.dialog import (
    ALLOW,
    SUPPORTED,
    UNDERSTOOD,
    hostport,
    new_via,
    random_token,
    reply,
)
from ccterm.sip.events import SipEvent
from ccterm.sip.host import Party
from ccterm.sip.host import UaConfig as UaConfig  # the core's settings, shown here too
from ccterm.sip.incall import InboundCall
from ccterm.sip.message import ParseError, Request, Response, parse
from ccterm.sip.outcall import OutboundCall
from ccterm.sip.register import Registration
from ccterm.sip.transaction import (
    Addr,
    ClientTransaction,
    ClientUser,
    ServerTransaction,
    State,
    Timers,
    client_key,
    server_key,
)

SCHEMES = ("sip", "sips", "tel")
MAX_CALLS = 4096  # concurrent calls the core will hold; beyond, new INVITEs get 503


@dataclass(slots=True)
class Counters:
    """What the health report shows: how much came in and what was refused."""

    received: int = 0
    malformed: int = 0
    stray: int = 0  # responses to nothing we sent, ACKs to nothing
    no_dialog: int = 0  # in-dialog requests that matched no dialog (481)
    refused: int = 0  # other requests we refused (405, 416, 420, 503…)


class _Nobody:
    """The user of a transaction whose outcome nobody waits for (CANCEL, a fork's BYE)."""

    def on_response(self, tx: ClientTransaction, response: Response, now: float) -> None:
        pass

    def on_timeout(self, tx: ClientTransaction, now: float) -> None:
        pass


class UserAgent:
    def __init__(self, config: UaConfig, token: Callable[[], str] = random_token) -> None:
        self.config = config
        self.token = token
        self.domain = config.domain
        self.timers = Timers()
        self.outbox: list[tuple[bytes, Addr]] = []
        self.events: list[SipEvent] = []
        self.counters = Counters()
        self.transactions: dict[tuple[str, ...], ClientTransaction | ServerTransaction] = {}
        self.calls: dict[str, Call] = {}  # by our key
        self.dialogs: dict[str, Call] = {}  # by SIP Call-ID
        self.registration = Registration(self) if config.register else None
        self.contact = f"<sip:{config.username or 'ccterm'}@{hostport(*config.local)}>"
        self._inbound = itertools.count(1)
        self._run = token()[:6]  # call keys stay unique across restarts (the record)
        self._nobody = _Nobody()
        self.last_malformed = ""  # why the last malformed datagram was dropped, for the log

    # -- plumbing used by transactions and calls ------------------------------------------

    def send(self, data: bytes, dest: Addr) -> None:
        self.outbox.append((data, dest))

    def emit(self, event: SipEvent) -> None:
        self.events.append(event)

    def forget(self, key: tuple[str, ...]) -> None:
        self.transactions.pop(key, None)

    def via(self) -> str:
        return new_via(self.config.local, self.token)

    def start_client(
        self, request: Request, dest: Addr, user: ClientUser | None, now: float
    ) -> ClientTransaction:
        tx = ClientTransaction(self, request, dest, user or self._nobody, now)
        self.transactions[tx.key] = tx
        return tx

    def bind_dialog(self, call: Party) -> None:
        if isinstance(call, Call) and call.dialog is not None:
            self.dialogs[call.dialog.call_id] = call

    def ended(self, call: Party) -> None:
        self.calls.pop(call.key, None)
        for call_id in (
            call.dialog.call_id if call.dialog else None,
            getattr(call, "call_id", None),
        ):
            if call_id is not None and self.dialogs.get(call_id) is call:
                del self.dialogs[call_id]

    # -- the shell's side -----------------------------------------------------------------

    def next_wake(self) -> float | None:
        return self.timers.next()

    def tick(self, now: float) -> None:
        self.timers.run_due(now)

    def drain(self) -> tuple[list[tuple[bytes, Addr]], list[SipEvent]]:
        out, events = self.outbox, self.events
        self.outbox, self.events = [], []
        return out, events

    # -- commands ---------------------------------------------------------------------------

    def register(self, now: float) -> None:
        if self.registration is not None:
            self.registration.start(now)

    def unregister(self, now: float) -> None:
        if self.registration is not None:
            self.registration.stop(now)

    def invite(
        self, key: str, uri: str, dest: Addr, media: Addr, caller_id: str, now: float
    ) -> None:
        call = OutboundCall(
            self, key, uri=uri, dest=dest, media=media, caller_id=caller_id, now=now
        )
        self.calls[key] = call
        self.dialogs[call.call_id] = call

    def hangup(self, key: str, now: float) -> None:
        call = self.calls.get(key)
        if call is not None:
            call.hangup(now)

    def answer(self, key: str, media: Addr, now: float) -> bool:
        call = self.calls.get(key)
        return isinstance(call, InboundCall) and call.answer(media, now)

    def reject(self, key: str, code: int, now: float) -> None:
        call = self.calls.get(key)
        if isinstance(call, InboundCall):
            call.reject(code, now)

    # -- what arrives ------------------------------------------------------------------------

    def receive(self, data: bytes, source: Addr, now: float) -> None:
        """One datagram from an allowed source. Never raises on what it contains."""
        self.counters.received += 1
        try:
            message = parse(data)
        except ParseError as exc:
            self.counters.malformed += 1
            self.last_malformed = f"{exc} ({len(data)} bytes from {source[0]}:{source[1]})"
            return
        if isinstance(message, Response):
            self._response(message, now)
        else:
            self._request(message, source, now)

    def _response(self, response: Response, now: float) -> None:
        branch = response.vias[0].branch or ""
        tx = self.transactions.get(client_key(branch, response.cseq.method))
        if not isinstance(tx, ClientTransaction):
            self.counters.stray += 1
            return
        tx.receive(response, now)

    def _request(self, request: Request, source: Addr, now: float) -> None:
        method = request.method
        if method == "ACK":
            self._ack(request, now)
            return
        key = server_key(request)
        known = self.transactions.get(key)
        if isinstance(known, ServerTransaction):
            known.retransmitted(now)
            return
        if method == "CANCEL":
            self._cancel(request, source, now)
            return
        if request.to.tag is not None:
            call = self.dialogs.get(request.call_id)
            if call is None or call.dialog is None or not call.dialog.matches(request):
                self._stateless(request, source, 481, "Call/Transaction Does Not Exist")
                self.counters.no_dialog += 1
                return
            stx = self._server(request, source, now)
            call.on_request(request, stx, now)
            return
        if method == "OPTIONS" and (refusal := _refusal(request, body=False)) is not None:
            self._stateless(request, source, *refusal)
            self.counters.refused += 1
            return
        if method == "OPTIONS":
            extra = [("Allow", ALLOW), ("Accept", "application/sdp"), ("Supported", SUPPORTED)]
            self.send(
                reply(request, 200, "OK", to_tag=self.token(), extra=extra).to_bytes(), source
            )
            return
        if method != "INVITE":
            code, reason = (481, "Call/Transaction Does Not Exist")
            if method not in ("BYE", "INFO", "UPDATE", "PRACK"):
                code, reason = 405, "Method Not Allowed"
            self._stateless(request, source, code, reason, [("Allow", ALLOW)])
            self.counters.refused += 1
            return
        self._invite(request, source, now)

    def _invite(self, request: Request, source: Addr, now: float) -> None:
        refusal = _refusal(request)
        if refusal is None and len(self.calls) >= MAX_CALLS:
            refusal = (503, "Service Unavailable", [])
        if refusal is not None:
            self.counters.refused += 1
            stx = self._server(request, source, now)
            stx.respond(
                reply(request, refusal[0], refusal[1], to_tag=self.token(), extra=refusal[2]), now
            )
            return
        stx = self._server(request, source, now)
        key = f"in-{self._run}-{next(self._inbound)}"
        call = InboundCall(self, key, request, stx, source, now)
        if not call.ended:
            self.calls[key] = call

    def _cancel(self, request: Request, source: Addr, now: float) -> None:
        target = self.transactions.get(server_key(request, "INVITE"))
        call = self.dialogs.get(request.call_id) or next(
            (c for c in self.calls.values() if isinstance(c, InboundCall) and c.stx is target),
            None,
        )
        if not isinstance(target, ServerTransaction) or not isinstance(call, InboundCall):
            self._stateless(request, source, 481, "Call/Transaction Does Not Exist")
            self.counters.no_dialog += 1
            return
        stx = self._server(request, source, now)
        stx.respond(reply(request, 200, "OK"), now)
        call.cancelled(now)

    def _ack(self, request: Request, now: float) -> None:
        target = self.transactions.get(server_key(request, "INVITE"))
        if isinstance(target, ServerTransaction) and target.state is State.COMPLETED:
            target.acked(now)  # the ACK of our refusal
            return
        call = self.dialogs.get(request.call_id)
        if call is not None and call.dialog is not None and call.dialog.matches(request):
            call.on_ack(request, now)
            return
        self.counters.stray += 1

    def _server(self, request: Request, source: Addr, now: float) -> ServerTransaction:
        stx = ServerTransaction(self, request, source, now)
        self.transactions[stx.key] = stx
        return stx

    def _stateless(
        self,
        request: Request,
        source: Addr,
        code: int,
        reason: str,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send(reply(request, code, reason, to_tag=self.token(), extra=extra).to_bytes(), source)


def _refusal(
    request: Request, *, body: bool = True
) -> tuple[int, str, list[tuple[str, str]]] | None:
    """Why a new request cannot be taken (RFC 4475's application-layer cases), or None."""
    scheme = request.uri.partition(":")[0].lower()
    if scheme not in SCHEMES:
        return 416, "Unsupported URI Scheme", []
    required = [r.strip() for r in request.headers.values("Require") if r.strip()]
    unknown = [r for r in required if r.lower() not in UNDERSTOOD]  # echoed as sent
    if unknown:
        return 420, "Bad Extension", [("Unsupported", ", ".join(unknown))]
    kind = (request.headers.get("Content-Type") or "application/sdp").split(";")[0]
    if body and request.body and kind.strip().lower() != "application/sdp":
        return 415, "Unsupported Media Type", [("Accept", "application/sdp")]
    return None
