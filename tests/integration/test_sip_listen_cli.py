"""`ccterm listen anna`, the command a supervisor types, on the sipp rig: who hears whom.

The same three tone-playing sipp phones as test_sip_daemon's listen/whisper/barge
test, but the supervisor is the Unix user `daemon` running the real CLI.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from tests.as_user import can_run_as, ccterm_as
from tests.conftest import start_daemon
from tests.desk_helpers import as_agent, load, until
from tests.integration import sipprig
from tests.integration.sipprig import free_media_port, needs_sipp, sipp
from tests.integration.test_sip_daemon import (
    AGENT_HZ,
    CUSTOMER_HZ,
    SUPERVISOR_HZ,
    heard_tones,
    sip_config,
    trunk_is_up,
)
from tests.integration.wire import Wire, hears, needs_root, tone_pcap

pytestmark = [needs_sipp, pytest.mark.sip]


@needs_root
async def test_ccterm_listen_puts_both_sides_in_the_supervisors_phone(
    workdir: Path, tmp_path: Path
) -> None:
    can_run_as("daemon")
    ports = {who: free_media_port() for who in ("customer", "agent", "supervisor")}
    tones = {"customer": CUSTOMER_HZ, "agent": AGENT_HZ, "supervisor": SUPERVISOR_HZ}

    def peer(who: str) -> Any:
        pcap = tone_pcap(tmp_path / f"{who}.pcap", tones[who], 30)
        return sipp(tmp_path / who, sipprig.answer_and_talk(pcap), media_port=ports[who])

    wire = Wire()
    with peer("customer") as trunk_peer, peer("agent") as agent_peer, peer("supervisor") as sup:
        cfg = sip_config(workdir, trunk_peer.port, agent_peer.port, supervisor_port=sup.port)
        cfg.path.write_text(cfg.path.read_text().replace('name = "sam"', 'name = "daemon"'))
        cfg = config_mod.load(cfg.path)
        daemon = await start_daemon(cfg)
        try:
            await trunk_is_up(daemon)
            await load(daemon, "c", ["+48601234567"], mode="power")
            anna = await as_agent(daemon, "anna")

            async def on_call() -> bool:
                return (await anna.request("agent.state"))["agent"]["status"] == "on_call"

            await until(on_call, within=15)
            done = await asyncio.to_thread(ccterm_as, "daemon", "listen", "anna", config=cfg.path)
            assert done.returncode == 0, done.stderr
            assert "Listening to anna: you hear both sides, nobody hears you." in done.stdout

            async def heard() -> dict[str, dict[int, float]] | None:
                since = wire.mark()
                await asyncio.sleep(1.0)
                levels = {w: heard_tones(wire, p, since, wire.mark()) for w, p in ports.items()}
                return levels if levels["supervisor"][AGENT_HZ] > 1500 else None

            levels = await until(heard, within=8)
            stop = await asyncio.to_thread(ccterm_as, "daemon", "listen", "--stop", config=cfg.path)
            assert stop.returncode == 0, stop.stderr
            await anna.request("call.hangup")
            await anna.close()
        finally:
            daemon.stop.set()
            await daemon.task
            wire.close()

    assert hears(levels["supervisor"], CUSTOMER_HZ, AGENT_HZ), levels
    assert hears(levels["agent"], CUSTOMER_HZ), levels
    assert hears(levels["customer"], AGENT_HZ), levels
