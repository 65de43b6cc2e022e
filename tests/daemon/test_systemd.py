"""The notify protocol, received on a real datagram socket as systemd would."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ccterm.daemon.systemd import Notifier, watchdog_interval
from tests.conftest import ROOT


def test_notify_messages_reach_the_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(str(path))
    sink.settimeout(2)
    n = Notifier(str(path))
    assert n.enabled
    n.ready("serving")
    n.watchdog()
    n.reloading()
    n.stopping()
    got = [sink.recv(4096).decode() for _ in range(4)]
    assert got == ["READY=1\nSTATUS=serving", "WATCHDOG=1", "RELOADING=1", "STOPPING=1"]
    n.close()
    sink.close()


def test_without_systemd_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    n = Notifier()
    assert not n.enabled
    n.ready()  # no error


def test_watchdog_interval_is_half_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert watchdog_interval() is None


def test_the_unit_reloads_with_sighup() -> None:
    unit = (ROOT / "packaging" / "ccterm.service").read_text()
    assert "\nExecReload=/bin/kill -HUP $MAINPID\n" in unit
    assert "\nType=notify\n" in unit
