"""The SIP layer's own health, on real UDP sockets: a silent registrar is reported and the
socket re-opened; strangers are dropped unread and counted; the counts reach the health."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from ccterm.sip import register
from ccterm.sip.trunk import TrunkState, TrunkStateChanged
from tests.integration.sipprig import free_port
from tests.integration.test_sip_trunk import Events, running, trunk_config

OPTIONS = (
    "OPTIONS sip:ccterm@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{n}\r\n"
    "From: <sip:ping@carrier>;tag={n}\r\nTo: <sip:ccterm@127.0.0.1>\r\nCall-ID: ping-{n}\r\n"
    "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


def udp(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


async def read(sock: socket.socket, within: float) -> bytes | None:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(within):
            return await loop.sock_recv(sock, 65535)
    except TimeoutError:
        return None


def failed(event: object) -> bool:
    return isinstance(event, TrunkStateChanged) and event.state is TrunkState.FAILED


async def test_a_silent_registrar_is_reported_and_the_socket_reopened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(register, "REGISTER_TIMEOUT", 0.4)
    monkeypatch.setattr(register, "MAX_BACKOFF", 0.2)
    registrar = udp("127.0.0.1")  # it reads our REGISTERs and never answers
    port = registrar.getsockname()[1]
    async with running(trunk_config(port)) as (trunk, events):
        first = await events.wait(failed, within=5)
        assert "the registrar did not answer" in first.detail and "retry in" in first.detail
        for _ in range(100):  # the rebind changes no state, so there is no event to wait for
            if trunk.health()["rebinds"] >= 1:
                break
            await asyncio.sleep(0.05)
        assert trunk.health()["rebinds"] >= 1
        assert trunk.state is TrunkState.FAILED  # never "up" without the registrar's word
        # the re-opened socket still works: the "trunk" gets an answer to OPTIONS
        registrar.sendto(
            OPTIONS.format(port=port, n=1).encode(), ("127.0.0.1", trunk.config.local_port)
        )
        while (data := await read(registrar, 2)) is not None:
            if data.startswith(b"SIP/2.0 200"):
                break
        assert data is not None and b"ping-1" in data
        health = trunk.health()
        assert health["registration"] == "failed" and health["last_from_trunk_s"] is not None
    registrar.close()


async def test_strangers_are_dropped_unread_and_counted(tmp_path: Path) -> None:
    config = trunk_config(free_port(), register=False)
    async with running(config) as (trunk, _events):
        stranger, carrier = udp("127.0.0.2"), udp("127.0.0.1")
        target = ("127.0.0.1", config.local_port)
        for n in range(50):
            stranger.sendto(OPTIONS.format(port=0, n=n).encode(), target)
        stranger.sendto(b"\xff\xfe not sip at all", target)
        assert await read(stranger, 1.0) is None
        carrier.sendto(OPTIONS.format(port=0, n=99).encode(), target)
        carrier.sendto(b"INVITE garbage\r\n\r\n", target)
        answer = await read(carrier, 2.0)
        assert answer is not None and answer.startswith(b"SIP/2.0 200")
        await asyncio.sleep(0.2)
        health = trunk.health()
        assert health["from_strangers"] == 51
        assert health["received"] == 2 and health["malformed"] == 1
        stranger.close()
        carrier.close()
    assert Events  # the shared helpers come from the trunk tests
