"""Three sipp phones, each playing its own tone, and anna on a call: who hears whom.

The customer on the trunk plays CUSTOMER_HZ, anna's phone AGENT_HZ, the supervisor's phone
SUPERVISOR_HZ; the RTP the daemon sends to each phone's media port is captured on the wire,
so a test reads off it who hears whom (listen, whisper, barge; from the op, the CLI and the
wallboard's keys).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from tests.conftest import RunningDaemon
from tests.desk_helpers import status_is, until
from tests.integration import sipprig
from tests.integration.sipprig import Sipp, free_media_port, sipp
from tests.integration.test_sip_daemon import (
    AGENT_HZ,
    CUSTOMER_HZ,
    SUPERVISOR_HZ,
    anna_on,
    sip_config,
    sip_daemon,
)
from tests.integration.wire import Wire, tone_level, tone_pcap

PHONES = ("customer", "agent", "supervisor")
TONES = {"customer": CUSTOMER_HZ, "agent": AGENT_HZ, "supervisor": SUPERVISOR_HZ}
Levels = dict[str, dict[int, float]]  # per phone, per tone: its level in what was sent to it


def heard_tones(wire: Wire, port: int, since: float, until_: float) -> dict[int, float]:
    """Per tone, the median level over the 20 ms frames sent to `port` in the window."""
    frames = wire.rtp_to(port, since, until_) or [b""]
    return {
        hz: sorted(tone_level(f, hz) for f in frames)[len(frames) // 2]
        for hz in (CUSTOMER_HZ, AGENT_HZ, SUPERVISOR_HZ)
    }


@dataclass
class ThreePhones:
    """The running rig: anna on a call with the customer, the supervisor's phone idle."""

    cfg: config_mod.Config
    daemon: RunningDaemon
    anna: DaemonClient
    phones: dict[str, Sipp]
    ports: dict[str, int]  # each phone's media port
    wire: Wire

    def levels(self, since: float, until_: float) -> Levels:
        """What each phone was sent between two marks of the wire."""
        return {who: heard_tones(self.wire, p, since, until_) for who, p in self.ports.items()}


@asynccontextmanager
async def anna_on_a_call(
    workdir: Path, tmp_path: Path, seconds: float, *, supervisor: str = "sam"
) -> AsyncIterator[ThreePhones]:
    """The three phones playing `seconds` of tone, the daemon on them, and anna on a power
    call to the customer; the supervisor is `supervisor` (a Unix user for the CLI's test).
    The daemon stops after, hanging up what is left."""
    ports = {who: free_media_port() for who in PHONES}
    wire = Wire()
    try:
        with ExitStack() as stack:
            phones = {
                who: stack.enter_context(
                    sipp(
                        tmp_path / who,
                        sipprig.answer_and_talk(
                            tone_pcap(tmp_path / f"{who}.pcap", TONES[who], seconds)
                        ),
                        media_port=ports[who],
                    )
                )
                for who in PHONES
            }
            cfg = sip_config(
                workdir,
                phones["customer"].port,
                phones["agent"].port,
                supervisor_port=phones["supervisor"].port,
            )
            if supervisor != "sam":
                text = cfg.path.read_text().replace('name = "sam"', f'name = "{supervisor}"')
                cfg.path.write_text(text)
                cfg = config_mod.load(cfg.path)
            async with sip_daemon(cfg) as daemon:
                anna = (await anna_on(daemon, "power")).client
                await until(status_is(anna, "on_call"), within=30)
                yield ThreePhones(cfg, daemon, anna, phones, ports, wire)
                await anna.request("call.hangup")
                await anna.close()
    finally:
        wire.close()
