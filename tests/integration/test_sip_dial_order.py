"""Dial order on the SIP rig (seed 004: "who is called first, the agent or the customer").

Agent first: the agent's phone leg is on the customer's line from the dial, so she
hears it ring (ringback made by the daemon: our SIP layer opens media at the answer)
and the customer's first word. Customer first: she hears nothing of the ringing.
What reached her phone is read off the wire.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ccterm.daemon.tones import EUROPE
from tests.desk_helpers import as_agent, load, until
from tests.integration import sipprig
from tests.integration.sipprig import free_media_port, needs_sipp, sipp
from tests.integration.test_sip_daemon import (
    AGENT_HZ,
    CUSTOMER_HZ,
    sip_config,
    sip_daemon,
)
from tests.integration.wire import Wire, needs_root, tone_level, tone_pcap

pytestmark = [needs_sipp, needs_root]
RINGBACK_HZ = EUROPE[0][0]  # the daemon's region is PL: 425 Hz, 1 s on, 4 s off
RING_MS = 3000


def first_at(wire: Wire, sport: int, status: bytes) -> float:
    """When the trunk's first answer with `status` to an INVITE crossed the wire."""
    return min(
        t
        for t, src, _, data in wire.udp()
        if src == sport and data.startswith(status) and b" INVITE\r\n" in data
    )


async def one_call(tmp_path: Path, workdir: Path, dial_order: str) -> dict[str, int]:
    """A power call whose customer rings 3 s, then speaks; what anna's phone was sent."""
    ports = {who: free_media_port() for who in ("customer", "agent")}
    customer = tone_pcap(tmp_path / "c.pcap", CUSTOMER_HZ, 30)
    agent = tone_pcap(tmp_path / "a.pcap", AGENT_HZ, 30)
    wire = Wire()
    try:
        with (
            sipp(
                tmp_path / "trunk",
                sipprig.answer_and_talk(customer),
                media_port=ports["customer"],
                pause_ms=RING_MS,
            ) as trunk,
            sipp(
                tmp_path / "phone", sipprig.answer_and_talk(agent), media_port=ports["agent"]
            ) as phone,
        ):
            async with sip_daemon(sip_config(workdir, trunk.port, phone.port)) as daemon:
                await load(daemon, "c", ["+48601234567"], mode="power", dial_order=dial_order)
                anna = await as_agent(daemon, "anna")

                async def talking() -> bool:
                    state = (await anna.request("agent.state"))["agent"]
                    return bool(state["status"] == "on_call")

                await until(talking, within=30)
                await asyncio.sleep(1.0)  # real audio on a real rig: the customer speaks
                await anna.request("call.hangup")
                await anna.close()
            ringing = first_at(wire, trunk.port, b"SIP/2.0 180")
            answered = first_at(wire, trunk.port, b"SIP/2.0 200")
            before = wire.rtp_to(ports["agent"], ringing + 0.1, answered)
            hello = wire.rtp_to(ports["agent"], answered, answered + 0.3)
    finally:
        wire.close()
    return {
        "ringback_frames": sum(1 for f in before if tone_level(f, RINGBACK_HZ) > 1500),
        "customer_before_answer": sum(1 for f in before if tone_level(f, CUSTOMER_HZ) > 1500),
        "hello_frames": sum(1 for f in hello if tone_level(f, CUSTOMER_HZ) > 1500),
    }


@pytest.mark.parametrize("dial_order", ["agent_first", "customer_first"])
async def test_who_hears_the_ringing(tmp_path: Path, workdir: Path, dial_order: str) -> None:
    heard = await one_call(tmp_path, workdir, dial_order)
    assert heard["customer_before_answer"] == 0, heard
    if dial_order == "agent_first":
        assert heard["ringback_frames"] >= 30, f"she heard no ringing: {heard}"
        assert heard["hello_frames"] >= 5, f"her first 0.3 s missed the hello: {heard}"
    else:
        assert heard["ringback_frames"] == 0, f"customer first rang in her ear: {heard}"
