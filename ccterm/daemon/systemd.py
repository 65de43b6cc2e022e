"""systemd's notify protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING), spoken directly.

It is one datagram per message to $NOTIFY_SOCKET, so a library is not worth a
dependency. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        self._sock: socket.socket | None = None
        if self.address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def notify(self, *lines: str) -> None:
        if self._sock is None:
            return
        target = self.address
        if target.startswith("@"):  # abstract namespace
            target = "\0" + target[1:]
        try:
            self._sock.sendto("\n".join(lines).encode(), target)
        except OSError as exc:  # systemd gone or socket full: never fatal
            log.warning("systemd notify failed: %s", exc)

    def ready(self, status: str = "") -> None:
        self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> None:
        self.notify(f"STATUS={text}")

    def watchdog(self) -> None:
        self.notify("WATCHDOG=1")

    def reloading(self) -> None:
        """A SIGHUP's reload begins; ready() says it is over (kept or refused)."""
        self.notify("RELOADING=1")

    def stopping(self, status: str = "") -> None:
        self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_interval() -> float | None:
    """Half the watchdog timeout systemd set for us (seconds), or None when there is none."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(0.5, int(usec) / 2_000_000)
    except ValueError:
        return None
