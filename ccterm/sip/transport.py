"""The SIP socket on asyncio: screening by source first, a per-source flood limit, counts.

Everything here happens before a byte is parsed. A datagram from outside the
trunk's addresses is dropped unread and unanswered, ever. From the trunk, each
kind of traffic has its own budget per source (Kamailio's pike module, sized
for a carrier rather than a stranger): answers to our requests, in-dialog
requests (ACK, BYE, CANCEL, PRACK, INFO, UPDATE), keepalive OPTIONS and new
INVITEs are limited separately, so a flood of one kind cannot crowd out a
registration refresh or a BYE. What is dropped is counted and logged at most
once a minute.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from ccterm.sip.transaction import Addr

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# (per second, burst) for each kind of datagram from one source
BUDGETS: dict[str, tuple[float, float]] = {
    "response": (1000.0, 2000.0),
    "dialog": (1000.0, 2000.0),
    "options": (200.0, 400.0),
    "new": (200.0, 400.0),
}
_DIALOG = (b"ACK", b"BYE", b"CANCEL", b"PRACK", b"INFO", b"UPDATE", b"NOTIFY")
LOG_EVERY = 60.0


def kind_of(data: bytes) -> str:
    """What a datagram is, from its first bytes only (no parsing)."""
    if data.startswith(b"SIP/"):
        return "response"
    method = data[:8].split(b" ", 1)[0]
    if method in _DIALOG:
        return "dialog"
    if method == b"OPTIONS":
        return "options"
    return "new"


class Screen:
    """The addresses SIP is accepted from: the trunk, `allow_from`, agents' direct phones."""

    def __init__(self, networks: list[Network] | None = None) -> None:
        self.networks: list[Network] = list(networks or [])
        self._cache: dict[str, bool] = {}

    def add(self, networks: list[Network]) -> None:
        fresh = [n for n in networks if n not in self.networks]
        if fresh:
            self.networks.extend(fresh)
            self._cache.clear()

    def allows(self, host: str) -> bool:
        known = self._cache.get(host)
        if known is not None:
            return known
        try:
            address = ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        allowed = any(address in network for network in self.networks)
        if len(self._cache) < 1024:
            self._cache[host] = allowed
        return allowed


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class Limiter:
    """Token buckets per (source, kind)."""

    def __init__(self, budgets: dict[str, tuple[float, float]] | None = None) -> None:
        self.budgets = budgets or BUDGETS
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def allow(self, host: str, kind: str, now: float) -> bool:
        rate, burst = self.budgets[kind]
        bucket = self._buckets.get((host, kind))
        if bucket is None:
            if len(self._buckets) > 4096:
                self._buckets.clear()  # only allowed sources get here: a handful
            bucket = self._buckets[(host, kind)] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


@dataclass(slots=True)
class TransportStats:
    strangers: int = 0  # datagrams from outside the screen: dropped unread
    limited: int = 0  # over a source's budget: dropped unread
    errors: int = 0  # socket errors (ICMP unreachable and the like)
    _pending: dict[str, int] = field(default_factory=dict)
    _logged: dict[str, float] = field(default_factory=dict)


class Throttled:
    """A warning about dropped datagrams at most once a minute, with how many."""

    def __init__(self, stats: TransportStats) -> None:
        self.stats = stats

    def note(self, what: str, now: float, detail: str) -> None:
        pending = self.stats._pending
        pending[what] = pending.get(what, 0) + 1
        last = self.stats._logged.get(what)
        if last is None or now - last >= LOG_EVERY:
            count = pending.pop(what)
            self.stats._logged[what] = now
            log.warning("SIP: %s dropped (%d since the last report; last: %s)", what, count, detail)


class SipProtocol(asyncio.DatagramProtocol):
    """Moves datagrams: screened and budgeted in, handed to `deliver`; out via `send`."""

    def __init__(
        self,
        deliver: Callable[[bytes, Addr], None],
        screen: Screen,
        clock: Callable[[], float],
        on_lost: Callable[[Exception | None], None],
    ) -> None:
        self.deliver, self.screen, self.clock, self.on_lost = deliver, screen, clock, on_lost
        self.limiter = Limiter()
        self.stats = TransportStats()
        self.throttled = Throttled(self.stats)
        self.transport: asyncio.DatagramTransport | None = None
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        host, port = str(addr[0]), int(addr[1])
        now = self.clock()
        if not self.screen.allows(host):
            self.stats.strangers += 1
            self.throttled.note("messages from strangers", now, f"{host}:{port}")
            return
        if not self.limiter.allow(host, kind_of(data), now):
            self.stats.limited += 1
            self.throttled.note("messages over the flood limit", now, f"{host}:{port}")
            return
        self.deliver(data, (host, port))

    def error_received(self, exc: Exception) -> None:
        self.stats.errors += 1
        self.throttled.note("socket errors", self.clock(), str(exc))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.closing:
            self.on_lost(exc)

    def send(self, data: bytes, dest: Addr) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, dest)

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


RECEIVE_BUFFER = 4 * 1024 * 1024  # bursts of answers (100 calls placed at once) must not drop


def widen_receive_buffer(protocol: SipProtocol) -> None:
    """A larger socket buffer than the kernel's default, forced when we may (root)."""
    if protocol.transport is None:
        return
    sock = protocol.transport.get_extra_info("socket")
    if sock is None:
        return
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
            return
        except OSError:
            continue
