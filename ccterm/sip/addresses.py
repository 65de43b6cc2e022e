"""Where SIP goes and comes from: names resolved, URIs for numbers, RTP ports handed out.

The shell's small helpers, kept apart so voip.py stays about the calls.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def resolve(host: str, port: int) -> tuple[str, int] | None:
    """An address to send to: an IP as it is, a name through the resolver (first answer)."""
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        log.warning("trunk: cannot resolve %s: %s", host, exc)
        return None
    return str(infos[0][4][0]), port


def networks(entry: str, port: int) -> list[Network]:
    """An address, a network, or a host name (resolved now) as networks to accept SIP from."""
    try:
        return [ipaddress.ip_network(entry, strict=False)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(entry, port, proto=socket.IPPROTO_UDP)
    except OSError as exc:
        log.warning("trunk: cannot resolve %s: %s", entry, exc)
        return []
    return [ipaddress.ip_network(info[4][0]) for info in infos]


def allowed_networks(host: str, port: int, allow_from: tuple[str, ...]) -> list[Network]:
    """The trunk's `host` and `allow_from`: the only sources SIP is taken from."""
    found: list[Network] = []
    for entry in (host, *allow_from):
        found.extend(networks(entry, port))
    return found


def customer_uri(number: str, host: str, port: int) -> str:
    """A customer's number as a Request-URI at the trunk."""
    shown = f"[{host}]" if ":" in host else host
    return f"sip:{number}@{shown}" + ("" if port == 5060 else f":{port}")


def direct_target(target: str, trunk: tuple[str, int]) -> tuple[str, int] | None:
    """(host, port) of a SIP URI that does not go through the trunk (a desk phone), else None."""
    found = re.fullmatch(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?.*", target)
    if found is None:
        return None
    host, port = found.group(1), int(found.group(2) or 5060)
    return None if (host, port) == trunk else (host, port)


class RtpPorts:
    """Even RTP ports from [trunk] rtp_ports, round robin, none handed out twice at once."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low + (low & 1), high
        self._next = self.low
        self._used: set[int] = set()

    def take(self) -> int | None:
        for _ in range((self.high - self.low) // 2 + 1):
            port = self._next
            self._next = port + 2 if port + 2 <= self.high else self.low
            if port not in self._used:
                self._used.add(port)
                return port
        return None

    def release(self, port: int) -> None:
        self._used.discard(port)
