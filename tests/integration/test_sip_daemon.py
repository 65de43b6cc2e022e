"""The daemon on a real SIP trunk: an agent's phone leg, a power-mode call bridged and recorded."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import struct
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.sip import media
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import as_agent, load, until
from tests.integration import sipprig
from tests.integration.sipprig import PASSWORD, USER, free_media_port, free_port, needs_sipp, sipp

pytestmark = [needs_sipp, pytest.mark.sip]


def sip_config(workdir: Path, trunk_port: int, phone_port: int) -> config_mod.Config:
    rtp = free_media_port()
    users = f"""
[[users]]
name = "anna"
role = "agent"
group = "sales"
phone = "sip:anna@127.0.0.1:{phone_port}"
"""
    path = write_config(workdir, users=users)
    trunk = (
        f'kind = "sip"\nhost = "127.0.0.1"\nport = {trunk_port}\nusername = "{USER}"\n'
        f'password = "{PASSWORD}"\nlocal_ip = "127.0.0.1"\nlocal_port = {free_port()}\n'
        f"rtp_ports = [{rtp}, {rtp + 60}]\nexpires = 60"
    )
    path.write_text(path.read_text().replace('kind = "sim"', trunk))
    return config_mod.load(path)


def channels(path: Path) -> tuple[list[int], list[int], float]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        raw = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / 8000
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)
    return list(samples[0::2]), list(samples[1::2]), seconds


def heard(samples: list[int]) -> float:
    """The share of 20 ms frames with sound in them."""
    frames = [samples[i : i + 160] for i in range(0, len(samples) - 159, 160)]
    loud = [f for f in frames if media.rms(struct.pack(f"<{len(f)}h", *f)) > 200]
    return len(loud) / max(1, len(frames))


async def test_a_power_call_reaches_the_agents_phone_and_is_recorded(
    workdir: Path, tmp_path: Path
) -> None:
    customer_keys = {"law": "8", "lawname": "PCMA"}
    with (
        sipp(tmp_path / "trunk", sipprig.answer_and_talk(), keys=customer_keys) as trunk_peer,
        sipp(tmp_path / "phone", sipprig.answer_and_echo(), echo=True) as phone_peer,
    ):
        daemon: RunningDaemon = await start_daemon(
            sip_config(workdir, trunk_peer.port, phone_peer.port)
        )
        try:

            async def trunk_up() -> bool:
                return (await daemon.request("status"))["trunk"]["state"] == "up"

            await until(trunk_up)
            await load(daemon, "c", ["+48601234567"], mode="power")
            anna = await as_agent(daemon, "anna")

            async def state() -> dict[str, Any]:
                return (await anna.request("agent.state"))["agent"]

            async def on_call() -> bool:
                return (await state())["status"] == "on_call"

            await until(on_call, within=30)
            assert (await state())["phone"] == "up"
            await asyncio.sleep(4)
            await anna.request("call.hangup")

            async def wrapping_up() -> bool:
                return (await state())["status"] == "wrapup"

            await until(wrapping_up)
            await anna.close()
        finally:
            daemon.stop.set()
            await daemon.task
        phone_trace = phone_peer.trace
    assert f"INVITE sip:anna@127.0.0.1:{phone_peer.port}" in phone_trace
    with sqlite3.connect(workdir / "ccterm.db") as db:
        ((path, answered, ended),) = db.execute(
            "SELECT recording, answered_at, ended_at FROM attempts WHERE recording IS NOT NULL"
        ).fetchall()
    customer, agent, seconds = channels(Path(path))
    assert abs(seconds - (ended - answered)) < 0.6  # the whole call, not more
    assert heard(customer) > 0.5, "the customer's side is missing"
    assert heard(agent) > 0.5, "the agent's side is missing"


def run_cli(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccterm", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


async def test_trunk_test_without_a_daemon_reports_busy(workdir: Path, tmp_path: Path) -> None:
    with sipp(tmp_path / "trunk", sipprig.final_answer(486)) as peer:
        cfg = sip_config(workdir, peer.port, free_port())
        done = await asyncio.to_thread(
            run_cli, "trunk", "test", "601234567", "--json", config=cfg.path
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["registered"] is True
    assert (result["outcome"], result["code"], result["answered_s"]) == ("busy", 486, None)
    assert result["number"] == "+48601234567" and 486 in result["responses"]
    assert 0 <= result["ring_s"] < 3


async def test_trunk_test_through_the_daemon_and_a_refusing_trunk(
    workdir: Path, tmp_path: Path
) -> None:
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo(), echo=True) as peer:
        cfg = sip_config(workdir, peer.port, free_port())
        daemon = await start_daemon(cfg)
        try:

            async def trunk_up() -> bool:
                return (await daemon.request("status"))["trunk"]["state"] == "up"

            await until(trunk_up)
            done = await asyncio.to_thread(
                run_cli, "trunk", "test", "+48601234567", config=cfg.path
            )
        finally:
            daemon.stop.set()
            await daemon.task
    assert done.returncode == 0, done.stderr
    assert "through the daemon's trunk" in done.stdout
    assert "outcome       answered (final code 200)" in done.stdout
    bad = cfg.path.read_text().replace(f'password = "{PASSWORD}"', 'password = "nope"')
    cfg.path.write_text(bad)
    with sipp(tmp_path / "trunk2", sipprig.final_answer(), port=peer.port):
        done = await asyncio.to_thread(run_cli, "trunk", "test", "+48601234567", config=cfg.path)
    assert done.returncode == 69
    assert "registration  FAILED: the trunk refused our username or password" in done.stdout
