"""Listen, whisper and barge on the sipp rig, who hears whom read off the wire: the
daemon's `call.monitor` op, and `ccterm listen anna` as a supervisor types it.

The three tone-playing phones of three_phones.py; the wallboard's keys are in
test_sip_monitor_keys.py.
"""

from __future__ import annotations

import asyncio
import math
import socket
import struct
from pathlib import Path

import pytest

from ccterm.sip import media
from tests.as_user import can_run_as, ccterm_as
from tests.desk_helpers import as_agent, until
from tests.integration.sipprig import needs_sipp
from tests.integration.test_sip_daemon import AGENT_HZ, CUSTOMER_HZ, SUPERVISOR_HZ
from tests.integration.three_phones import Levels, anna_on_a_call
from tests.integration.wire import hears, needs_root, tone_level

pytestmark = [needs_sipp, pytest.mark.sip]


async def inject(port: int, hz: int, seconds: float) -> int:
    """RTP carrying a tone, from a port nobody negotiated, every 20 ms; packets sent."""
    pcm = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * hz * n / media.RATE)))
        for n in range(media.SAMPLES)
    )
    payload = media.encode(pcm, media.Law.PCMU)
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        for n in range(int(seconds * 50)):
            sock.sendto(
                media.pack_rtp(0, n, n * media.SAMPLES, 0xBAD, payload), ("127.0.0.1", port)
            )
            sent += 1
            await asyncio.sleep(0.02)
    return sent


@needs_root
async def test_listen_whisper_and_barge_route_the_supervisors_phone(
    workdir: Path, tmp_path: Path
) -> None:
    """Three sipp phones each play their own tone; the wire shows who hears whom.

    First, RTP injected from a wrong port into the customer's leg must not reach the agent.
    """
    async with anna_on_a_call(workdir, tmp_path, 60) as rig:
        wire, ports = rig.wire, rig.ports
        sam = await as_agent(rig.daemon, "sam", campaign=None)

        async def window() -> Levels:
            await asyncio.sleep(0.5)  # the new routes settle
            since = wire.mark()
            await asyncio.sleep(1.5)
            return rig.levels(since, wire.mark())

        async def monitor(mode: str) -> Levels:
            async def phone_up() -> bool:
                reply = await sam.request("call.monitor", {"agent": "anna", "mode": mode})
                return bool(reply["phone"] == "up")

            await until(phone_up, within=15)
            return await window()

        # a stranger sends the supervisor's tone to the port of the customer's leg
        def leg_port_seen() -> int | None:  # the bridge's first packet may be on its way
            sent = (s for _, s, dport, _ in wire.udp() if dport == ports["customer"])
            return next(sent, None)

        leg_port = await until(lambda: asyncio.sleep(0, leg_port_seen()), within=5)
        began = wire.mark()
        stranger = asyncio.create_task(inject(leg_port, SUPERVISOR_HZ, 2.5))
        before = await window()
        assert await stranger > 100
        to_agent = wire.rtp_to(ports["agent"], began, wire.mark())
        leaked = [f for f in to_agent if tone_level(f, SUPERVISOR_HZ) > 1500]
        assert len(to_agent) > 100 and not leaked, f"{len(leaked)} stranger's frames reached her"
        listen = await monitor("listen")
        whisper = await monitor("whisper")
        barge = await monitor("barge")
        await sam.request("call.monitor.stop")
        after = await window()
        await sam.close()

    # the plain bridge: customer and agent hear each other, nobody else (not the stranger)
    assert hears(before["customer"], AGENT_HZ), before
    assert hears(before["agent"], CUSTOMER_HZ), before
    # listen: the supervisor hears both; neither hears the supervisor
    assert hears(listen["supervisor"], CUSTOMER_HZ, AGENT_HZ), listen
    assert hears(listen["agent"], CUSTOMER_HZ), listen
    assert hears(listen["customer"], AGENT_HZ), listen
    # whisper: the agent hears the supervisor too; the customer does not
    assert hears(whisper["agent"], CUSTOMER_HZ, SUPERVISOR_HZ), whisper
    assert hears(whisper["customer"], AGENT_HZ), whisper
    assert hears(whisper["supervisor"], CUSTOMER_HZ, AGENT_HZ), whisper
    # barge: everyone hears the other two
    assert hears(barge["agent"], CUSTOMER_HZ, SUPERVISOR_HZ), barge
    assert hears(barge["customer"], AGENT_HZ, SUPERVISOR_HZ), barge
    assert hears(barge["supervisor"], CUSTOMER_HZ, AGENT_HZ), barge
    # stopped: back to the plain bridge
    assert hears(after["agent"], CUSTOMER_HZ), after
    assert hears(after["customer"], AGENT_HZ), after


@needs_root
async def test_ccterm_listen_puts_both_sides_in_the_supervisors_phone(
    workdir: Path, tmp_path: Path
) -> None:
    """The supervisor is the Unix user `daemon` running the real CLI."""
    can_run_as("daemon")
    async with anna_on_a_call(workdir, tmp_path, 30, supervisor="daemon") as rig:
        path = rig.cfg.path
        done = await asyncio.to_thread(ccterm_as, "daemon", "listen", "anna", config=path)
        assert done.returncode == 0, done.stderr
        assert "Listening to anna: you hear both sides, nobody hears you." in done.stdout

        async def heard() -> Levels | None:
            since = rig.wire.mark()
            await asyncio.sleep(1.0)
            levels = rig.levels(since, rig.wire.mark())
            return levels if levels["supervisor"][AGENT_HZ] > 1500 else None

        levels = await until(heard, within=8)
        stop = await asyncio.to_thread(ccterm_as, "daemon", "listen", "--stop", config=path)
        assert stop.returncode == 0, stop.stderr

    assert hears(levels["supervisor"], CUSTOMER_HZ, AGENT_HZ), levels
    assert hears(levels["agent"], CUSTOMER_HZ), levels
    assert hears(levels["customer"], AGENT_HZ), levels
