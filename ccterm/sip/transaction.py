"""SIP transactions over UDP (RFC 3261 §17, with RFC 6026's Accepted state), sans-io.

Each transaction is a small state machine that the core (ua.py) feeds messages
and timer wake-ups, with `now`. It sends through the core's outbox and sets
timers on the core's timer heap; it never reads a clock or touches a socket.
The transaction user (a call, a registration) hears what matters through a
small protocol: a provisional, a final answer, a timeout.

Timers are the RFC's: A/E retransmit requests (T1 doubling, E capped at T2),
B/F give up after 64*T1, D/K absorb retransmitted answers, G retransmits our
final answer to an INVITE until its ACK, H gives up waiting for that ACK, I/J
absorb retransmitted requests.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from ccterm.sip.message import Headers, ParseError, Request, Response

T1 = 0.5
T2 = 4.0
T4 = 5.0
TIMEOUT = 64 * T1  # timers B, F, H, J: 32 s
MAGIC = "z9hG4bK"  # RFC 3261 branch prefix; without it, RFC 2543 matching

Addr = tuple[str, int]


# -- timers ----------------------------------------------------------------------------


@dataclass(order=True, slots=True)
class Timer:
    when: float
    seq: int
    fire: Callable[[float], None] = field(compare=False)
    live: bool = field(default=True, compare=False)

    def cancel(self) -> None:
        self.live = False


class Timers:
    """One heap of wake-ups for every transaction and call: the shell sleeps until `next`."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def at(self, when: float, fire: Callable[[float], None]) -> Timer:
        timer = Timer(when, next(self._seq), fire)
        heapq.heappush(self._heap, timer)
        return timer

    def next(self) -> float | None:
        while self._heap and not self._heap[0].live:
            heapq.heappop(self._heap)
        return self._heap[0].when if self._heap else None

    def run_due(self, now: float) -> int:
        """Fire every live timer due by `now`, earliest first; how many fired."""
        fired = 0
        while self._heap and self._heap[0].when <= now:
            timer = heapq.heappop(self._heap)
            if timer.live:
                timer.live = False
                timer.fire(now)
                fired += 1
        return fired

    def __len__(self) -> int:
        return sum(1 for t in self._heap if t.live)


class Wire(Protocol):
    """What a transaction needs from the core: a way out and a clock-free timer heap."""

    timers: Timers

    def send(self, data: bytes, dest: Addr) -> None: ...

    def forget(self, key: tuple[str, ...]) -> None: ...


class ClientUser(Protocol):
    """The transaction user of a client transaction (a call, a registration)."""

    def on_response(self, tx: ClientTransaction, response: Response, now: float) -> None: ...

    def on_timeout(self, tx: ClientTransaction, now: float) -> None: ...


class State(Enum):
    CALLING = "calling"  # also "trying" for non-INVITE
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


# -- client transactions ---------------------------------------------------------------


class ClientTransaction:
    """A request we sent and its retransmissions, until a final answer or timer B/F."""

    def __init__(
        self, wire: Wire, request: Request, dest: Addr, user: ClientUser, now: float
    ) -> None:
        self.wire, self.request, self.dest, self.user = wire, request, dest, user
        self.method = request.method
        self.branch = request.vias[0].branch or ""
        self.key = client_key(self.branch, self.method)
        self.state = State.CALLING
        self.data = request.to_bytes()
        self.final: Response | None = None
        self._interval = T1
        self._retransmit: Timer | None = None
        self._timeout: Timer | None = None
        self._ack: bytes | None = None
        wire.send(self.data, dest)
        self._retransmit = wire.timers.at(now + T1, self._resend)
        self._timeout = wire.timers.at(now + TIMEOUT, self._timed_out)

    @property
    def invite(self) -> bool:
        return self.method == "INVITE"

    def _resend(self, now: float) -> None:
        if self.state is State.CALLING or (self.state is State.PROCEEDING and not self.invite):
            self.wire.send(self.data, self.dest)
            if self.invite:
                self._interval *= 2
            else:
                cap = T2 if self.state is State.PROCEEDING else self._interval * 2
                self._interval = min(T2, cap)
            self._retransmit = self.wire.timers.at(now + self._interval, self._resend)

    def _timed_out(self, now: float) -> None:
        # B fires only while calling: once a 1xx came, the far end owns the INVITE's fate
        if self.state is State.CALLING or (self.state is State.PROCEEDING and not self.invite):
            self._terminate()
            self.user.on_timeout(self, now)

    def receive(self, response: Response, now: float) -> None:
        code = response.status
        if self.state in (State.CALLING, State.PROCEEDING):
            if code < 200:
                self.state = State.PROCEEDING
                if self.invite and self._retransmit is not None:
                    self._retransmit.cancel()
                if not self.invite and self._retransmit is not None:
                    self._retransmit.cancel()
                    self._interval = T2
                    self._retransmit = self.wire.timers.at(now + T2, self._resend)
                self.user.on_response(self, response, now)
                return
            self.final = response
            self._stop_timers()
            if self.invite and code < 300:
                self.state = State.ACCEPTED  # 2xx retransmissions and forks still come
                self.wire.timers.at(now + TIMEOUT, lambda _n: self._terminate())
            elif self.invite:
                self.state = State.COMPLETED
                self._ack = ack_for_failure(self.request, response).to_bytes()
                self.wire.send(self._ack, self.dest)
                self.wire.timers.at(now + TIMEOUT, lambda _n: self._terminate())
            else:
                self.state = State.COMPLETED
                self.wire.timers.at(now + T4, lambda _n: self._terminate())
            self.user.on_response(self, response, now)
        elif self.state is State.ACCEPTED and 200 <= code < 300:
            self.user.on_response(self, response, now)  # a retransmitted or forked 2xx
        elif self.state is State.COMPLETED and self._ack is not None and code >= 300:
            self.wire.send(self._ack, self.dest)

    def _stop_timers(self) -> None:
        for timer in (self._retransmit, self._timeout):
            if timer is not None:
                timer.cancel()

    def _terminate(self) -> None:
        self._stop_timers()
        if self.state is not State.TERMINATED:
            self.state = State.TERMINATED
            self.wire.forget(self.key)


def ack_for_failure(invite: Request, response: Response) -> Request:
    """The ACK of a 3xx–6xx answer (§17.1.1.3): part of the INVITE's own transaction."""
    headers = Headers()
    headers.add("Via", invite.headers.values("Via")[0])
    headers.add("Max-Forwards", "70")
    headers.add("From", invite.headers.get("From") or "")
    headers.add("To", response.headers.get("To") or "")
    headers.add("Call-ID", invite.call_id)
    headers.add("CSeq", f"{invite.cseq.number} ACK")
    for route in invite.headers.values("Route"):
        headers.add("Route", route)
    return Request("ACK", invite.uri, headers)


# -- server transactions ---------------------------------------------------------------


class ServerTransaction:
    """A request we received: our answer, resent when the request is retransmitted."""

    def __init__(self, wire: Wire, request: Request, source: Addr, now: float) -> None:
        self.wire, self.request, self.source = wire, request, source
        self.method = request.method
        self.key = server_key(request)
        self.state = State.PROCEEDING if request.method == "INVITE" else State.CALLING
        self.last: bytes | None = None
        self.status = 0
        self.on_ack: Callable[[float], None] | None = None  # the TU hears the ACK of a 2xx
        self.on_no_ack: Callable[[float], None] | None = None
        self._retransmit: Timer | None = None
        self._interval = T1
        self._ack_wait: Timer | None = None
        self._acked = False

    @property
    def invite(self) -> bool:
        return self.method == "INVITE"

    def respond(self, response: Response, now: float) -> None:
        if self.state in (State.COMPLETED, State.CONFIRMED, State.TERMINATED):
            return  # one final answer per transaction
        if self.state is State.ACCEPTED and not 200 <= response.status < 300:
            return
        self.status = response.status
        self.last = response.to_bytes()
        self.wire.send(self.last, self.response_dest(response))
        if response.status < 200:
            self.state = State.PROCEEDING
            return
        if not self.invite:
            self.state = State.COMPLETED
            self.wire.timers.at(now + TIMEOUT, lambda _n: self._terminate())
            return
        # INVITE: retransmit the final answer (timer G) until the ACK, give up at H
        self.state = State.ACCEPTED if response.status < 300 else State.COMPLETED
        if self._retransmit is None:
            self._retransmit = self.wire.timers.at(now + T1, self._resend)
            self._ack_wait = self.wire.timers.at(now + TIMEOUT, self._no_ack)

    def response_dest(self, response: Response) -> Addr:
        """Where answers go (§18.2.2 with RFC 3581 rport): the source when the Via asks."""
        return self.source

    def retransmitted(self, now: float) -> None:
        """The same request again: our last answer again, if we gave one (not once acked)."""
        if self.last is not None and self.state is not State.TERMINATED and not self._acked:
            self.wire.send(self.last, self.source)

    def acked(self, now: float) -> None:
        """The ACK for our final answer arrived: stop retransmitting it."""
        if self.state is State.ACCEPTED:
            if self._retransmit is not None:
                self._retransmit.cancel()  # stay until H: a late copy of the INVITE is absorbed
            if not self._acked and self.on_ack is not None:
                self.on_ack(now)
            self._acked = True
        elif self.state is State.COMPLETED and self.invite:
            self._stop()
            self.state = State.CONFIRMED
            self.wire.timers.at(now + T4, lambda _n: self._terminate())

    def _resend(self, now: float) -> None:
        if self.state in (State.ACCEPTED, State.COMPLETED) and self.last is not None:
            self.wire.send(self.last, self.source)
            self._interval = min(self._interval * 2, T2)
            self._retransmit = self.wire.timers.at(now + self._interval, self._resend)

    def _no_ack(self, now: float) -> None:
        accepted = self.state is State.ACCEPTED and not self._acked
        self._terminate()
        if accepted and self.on_no_ack is not None:
            self.on_no_ack(now)

    def _stop(self) -> None:
        for timer in (self._retransmit, self._ack_wait):
            if timer is not None:
                timer.cancel()

    def _terminate(self) -> None:
        self._stop()
        if self.state is not State.TERMINATED:
            self.state = State.TERMINATED
            self.wire.forget(self.key)


# -- matching --------------------------------------------------------------------------


def client_key(branch: str, method: str) -> tuple[str, ...]:
    """A response matches the client transaction by its top Via branch and CSeq method."""
    return ("c", branch, "INVITE" if method == "ACK" else method)


def server_key(request: Request, method: str | None = None) -> tuple[str, ...]:
    """§17.2.3: the branch and sent-by with the magic cookie, else RFC 2543's fields.

    `method` overrides the request's own (an ACK or CANCEL looks for its INVITE).
    """
    via = request.vias[0]
    method = method or request.method
    branch = via.branch or ""
    sent_by = f"{via.host}:{via.port or 5060}"
    if branch.startswith(MAGIC):
        return ("s", branch, sent_by, method)
    try:
        from_tag = request.from_.tag or ""
    except ParseError:  # pragma: no cover - parse() guarantees From
        from_tag = ""
    return ("s2543", request.call_id, from_tag, str(request.cseq.number), sent_by, branch, method)
