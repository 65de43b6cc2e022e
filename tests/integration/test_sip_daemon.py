"""The daemon on a real SIP trunk: an agent's phone leg, a power-mode call bridged and recorded."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import struct
import subprocess
import sys
import wave
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.sip import media
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import as_agent, event_of, load, until
from tests.integration import sipprig
from tests.integration.sipprig import PASSWORD, USER, free_media_port, free_port, needs_sipp, sipp
from tests.integration.wire import Wire, needs_root, tone_level, tone_pcap

pytestmark = [needs_sipp, pytest.mark.sip]


def sip_config(
    workdir: Path,
    trunk_port: int,
    phone_port: int,
    supervisor_port: int | None = None,
    phone: str | None = None,
) -> config_mod.Config:
    """anna's phone is sipp at `phone_port` (a direct URI), or `phone` as given."""
    rtp = free_media_port()
    users = f"""
[[users]]
name = "anna"
role = "agent"
group = "sales"
phone = "{phone or f"sip:anna@127.0.0.1:{phone_port}"}"
"""
    if supervisor_port:
        users += f"""
[[users]]
name = "sam"
role = "supervisor"
group = "sales"
phone = "sip:sam@127.0.0.1:{supervisor_port}"
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


def tone_wav(path: Path, hz: float, seconds: float, *, rate: int = 8000, channels: int = 1) -> Path:
    """A WAV of one tone, as an admin would record a prompt."""
    tone = [int(6000 * math.sin(2 * math.pi * hz * n / rate)) for n in range(int(rate * seconds))]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(
            struct.pack(f"<{channels * len(tone)}h", *(t for t in tone for _ in range(channels)))
        )
    return path


@contextmanager
def customer_and_phone(tmp_path: Path, customer_port: int) -> Iterator[tuple[Any, Any]]:
    """A sipp trunk whose customer speaks CUSTOMER_HZ and an agent phone speaking AGENT_HZ."""
    with (
        sipp(
            tmp_path / "trunk",
            sipprig.answer_and_talk(tone_pcap(tmp_path / "c.pcap", CUSTOMER_HZ, 30)),
            media_port=customer_port,
        ) as trunk_peer,
        sipp(
            tmp_path / "phone",
            sipprig.answer_and_talk(tone_pcap(tmp_path / "a.pcap", AGENT_HZ, 30)),
        ) as phone_peer,
    ):
        yield trunk_peer, phone_peer


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
    assert "  outcome        answered (200 OK)" in done.stdout.splitlines()
    replies = next(line for line in done.stdout.splitlines() if "SIP replies" in line)
    assert "200" in replies, replies
    bad = cfg.path.read_text().replace(f'password = "{PASSWORD}"', 'password = "nope"')
    cfg.path.write_text(bad)
    with sipp(tmp_path / "trunk2", sipprig.final_answer(), port=peer.port):
        done = await asyncio.to_thread(run_cli, "trunk", "test", "+48601234567", config=cfg.path)
    assert done.returncode == 69
    assert "registration   FAILED: the trunk refused our username or password" in done.stdout


async def trunk_is_up(daemon: RunningDaemon) -> None:
    async def up() -> bool:
        return (await daemon.request("status"))["trunk"]["state"] == "up"

    await until(up)


@asynccontextmanager
async def sip_daemon(
    cfg: config_mod.Config, *, wait_up: bool = True
) -> AsyncIterator[RunningDaemon]:
    """The daemon in this process on the sipp trunk; stopped (hanging up its calls) after."""
    daemon = await start_daemon(cfg)
    try:
        if wait_up:
            await trunk_is_up(daemon)
        yield daemon
    finally:
        daemon.stop.set()
        await daemon.task


class Desk:
    """An agent's view of the daemon, as the desk polls it."""

    def __init__(self, client: DaemonClient) -> None:
        self.client = client

    async def state(self) -> dict[str, Any]:
        return dict((await self.client.request("agent.state"))["agent"])

    async def status_is(self, status: str) -> bool:
        return bool((await self.state())["status"] == status)

    async def phone_is(self, phone: str) -> bool:
        return bool((await self.state())["phone"] == phone)


async def anna_on(daemon: RunningDaemon, mode: str) -> Desk:
    """Campaign c (one contact) in `mode`, and anna logged in to it."""
    await load(daemon, "c", ["+48601234567"], mode=mode)
    return Desk(await as_agent(daemon, "anna"))


CUSTOMER_HZ, AGENT_HZ, SUPERVISOR_HZ = 600, 1400, 1000


async def test_an_agent_whose_phone_hangs_up_is_paused_and_can_be_called_again(
    workdir: Path, tmp_path: Path
) -> None:
    with (
        sipp(tmp_path / "trunk", sipprig.final_answer(486)) as trunk_peer,
        sipp(tmp_path / "phone", sipprig.answer_then_hang_up(1500)) as phone_peer,
    ):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port)
        async with sip_daemon(cfg) as daemon:
            anna = await anna_on(daemon, "manual")
            await until(lambda: anna.phone_is("up"), within=15)
            assert (await anna.state())["status"] == "ready"
            await until(lambda: anna.phone_is("down: hung up"), within=10)
            paused = await anna.state()
            assert paused["status"] == "paused"
            assert "your phone hung up: press r to be called again" in paused["pause_reason"]
            with pytest.raises(Exception, match="your phone is down"):
                await anna.client.request("agent.ready")
            await anna.client.request("agent.phone")  # what r sends
            await until(lambda: anna.phone_is("up"), within=15)
            assert (await anna.state())["status"] == "ready"
            await anna.client.close()
        trace = phone_peer.trace
    assert trace.count("INVITE sip:anna@") == 2  # called at log-in, and again on r


async def test_a_supervisors_phone_hanging_up_ends_listening_and_says_so(
    workdir: Path, tmp_path: Path
) -> None:
    """sam listens, then puts his handset down: his wallboard hears `monitor.ended`, he is no
    longer listening, and anna's call goes on."""
    with (
        sipp(tmp_path / "trunk", sipprig.answer_and_talk()) as trunk_peer,
        sipp(tmp_path / "phone", sipprig.answer_and_talk()) as phone_peer,
        sipp(tmp_path / "sam", sipprig.answer_then_hang_up(1500)) as sam_peer,
    ):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port, supervisor_port=sam_peer.port)
        async with sip_daemon(cfg) as daemon:
            anna = await anna_on(daemon, "power")
            await until(lambda: anna.status_is("on_call"), within=15)
            sam = await as_agent(daemon, "sam", campaign=None)
            answer = await sam.request("call.monitor", {"agent": "anna", "mode": "listen"})
            assert answer["phone"] == "ringing"
            ended = await event_of(sam, "monitor.ended", within=15)
            assert ended == {"reason": "your phone hung up: listening stopped"}
            with pytest.raises(Exception, match="not listening to anyone"):
                await sam.request("call.monitor.stop")
            assert (await anna.state())["status"] == "on_call", "anna's call goes on"
            await sam.close()
            await anna.client.close()
        trace = sam_peer.trace
    assert trace.count("INVITE sip:sam@") == 1


async def test_an_agent_hanging_up_the_phone_ends_the_customers_call(
    workdir: Path, tmp_path: Path
) -> None:
    with (
        sipp(tmp_path / "trunk", sipprig.answer_and_talk()) as trunk_peer,
        sipp(tmp_path / "phone", sipprig.answer_then_hang_up(4000)) as phone_peer,
    ):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port)
        async with sip_daemon(cfg) as daemon:
            anna = await anna_on(daemon, "power")
            await until(lambda: anna.status_is("on_call"), within=15)
            await until(lambda: anna.status_is("wrapup"), within=10)  # the phone hung up at 4 s
            assert (await anna.state())["phone"] == "down: hung up"
            await anna.client.close()
        trace = trunk_peer.trace
    assert "BYE sip:" in trace  # the customer was hung up on, not left talking


@needs_root
async def test_a_recording_played_to_the_customer_then_the_call_ends(
    workdir: Path, tmp_path: Path
) -> None:
    """The safe-harbor pattern: a WAV played to a live leg, then a hang-up when it ends."""
    customer_port = free_media_port()
    prompt = tmp_path / "prompt.wav"
    tone_wav(prompt, SUPERVISOR_HZ, 1.5, rate=16000, channels=2)  # converted on the way
    (tmp_path / "notes.txt").write_text("not audio")
    wire = Wire()
    with customer_and_phone(tmp_path, customer_port) as (trunk_peer, phone_peer):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port)
        try:
            async with sip_daemon(cfg) as daemon:
                anna = await anna_on(daemon, "power")
                await until(lambda: anna.status_is("on_call"), within=30)
                call_id = (await anna.state())["call"]["id"]
                notes = str(tmp_path / "notes.txt")
                with pytest.raises(Exception, match=r"cannot play .*notes\.txt"):
                    await daemon.request("call.play", {"call": call_id, "file": notes})
                began = wire.mark()
                reply = await daemon.request(
                    "call.play", {"call": call_id, "file": str(prompt), "hang_up": True}
                )
                assert reply["seconds"] == 1.5
                await until(lambda: anna.status_is("wrapup"), within=10)
                ended = wire.mark()
                await anna.client.close()
        finally:
            wire.close()
        trace = trunk_peer.trace
    assert 1.4 < ended - began < 3.0  # hung up when the prompt ended, not before, not long after
    assert "BYE sip:" in trace
    frames = wire.rtp_to(customer_port, began, ended)
    with_prompt = [f for f in frames if tone_level(f, SUPERVISOR_HZ) > 1500]
    assert len(with_prompt) >= 60, "the customer did not hear the prompt"
    assert all(tone_level(f, AGENT_HZ) > 1500 for f in with_prompt[5:-5])  # the agent, under it


@needs_root
async def test_a_person_no_agent_can_take_hears_the_abandon_message_then_the_line_ends(
    workdir: Path, tmp_path: Path
) -> None:
    """Two lines for one agent, both answered: she takes one; the other, after the safe
    harbor, hears the campaign's message and is hung up on when it ends."""
    customer_port = free_media_port()
    message = tmp_path / "sorry.wav"
    tone_wav(message, SUPERVISOR_HZ, 1.0)  # a tone nobody else sends
    wire = Wire()
    with customer_and_phone(tmp_path, customer_port) as (trunk_peer, phone_peer):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port)
        # both lines leave at once, before the first answer takes her
        cfg = replace(cfg, trunk=replace(cfg.trunk, calls_per_second=100.0))
        try:
            async with sip_daemon(cfg) as daemon:
                await load(
                    daemon,
                    "c",
                    ["+48601234567", "+48601234568"],
                    mode="power",
                    dial_ratio=2,
                    abandon_message=str(message),
                )
                anna = Desk(await as_agent(daemon, "anna"))
                database = cfg.daemon.database

                def abandoned() -> list[tuple[Any, ...]]:
                    with sqlite3.connect(database) as con:
                        return con.execute(
                            "SELECT answered_at, abandoned_at, ended_at FROM attempts"
                            " WHERE abandoned_at IS NOT NULL AND ended_at IS NOT NULL"
                        ).fetchall()

                ended = await until(lambda: asyncio.sleep(0, abandoned()), within=30)
                assert await anna.status_is("on_call")
                await anna.client.close()
        finally:
            wire.close()
        trace = trunk_peer.trace
    answered_at, abandoned_at, ended_at = ended[0]
    assert 1.5 < abandoned_at - answered_at <= 2.0, "the message starts within the safe harbor"
    assert 0.9 < ended_at - abandoned_at < 2.5, "hung up when the message ended"
    assert "BYE sip:" in trace
    frames = wire.rtp_to(customer_port, abandoned_at, ended_at)
    assert len([f for f in frames if tone_level(f, SUPERVISOR_HZ) > 1500]) >= 40, (
        "the customer did not hear the message"
    )


async def test_no_dialing_while_the_trunk_is_down_and_it_resumes_by_itself(
    workdir: Path, tmp_path: Path
) -> None:
    trunk_port = free_port()  # nothing answers there yet
    with sipp(tmp_path / "phone", sipprig.answer_and_echo(), echo=True) as phone_peer:
        cfg = sip_config(workdir, trunk_port, phone_peer.port)
        async with sip_daemon(cfg, wait_up=False) as daemon:  # a silent registrar holds nothing up
            anna = await anna_on(daemon, "power")
            await until(lambda: anna.status_is("ready"), within=15)  # her desk phone needs no trunk

            async def trunk_failed() -> bool:
                return (await daemon.request("status"))["trunk"]["state"] == "failed"

            await until(trunk_failed, within=20)
            assert (await anna.state())["status"] == "ready"
            with sqlite3.connect(workdir / "ccterm.db") as db:
                assert db.execute("SELECT count(*) FROM attempts").fetchone() == (0,)
            failed = await asyncio.to_thread(run_cli, "status", config=cfg.path)
            assert "trunk: sip, " in failed.stdout and "retry in" in failed.stdout, failed.stdout
            assert "sip: nothing from the trunk yet" in failed.stdout, failed.stdout
            with sipp(tmp_path / "trunk", sipprig.answer_and_talk(), port=trunk_port) as trunk_peer:
                await until(lambda: anna.status_is("on_call"), within=40)
                up = await asyncio.to_thread(run_cli, "status", config=cfg.path)
                assert "trunk: sip, up (registered for 60 s)" in up.stdout, up.stdout
                assert "sip: last message from the trunk " in up.stdout, up.stdout
                assert "0 malformed, 0 from strangers dropped" in up.stdout, up.stdout
                hello = await daemon.request("hello", {})
                sip = hello["snapshot"]["trunk"]["sip"]  # the desk hears the same health
                assert sip["registration"] == "up" and sip["registered_for"] == 60
                assert sip["last_from_trunk_s"] is not None and sip["malformed"] == 0
                await anna.client.request("call.hangup")
                await until(lambda: anna.status_is("wrapup"))
                await anna.client.close()
                trace = trunk_peer.trace
    assert "INVITE sip:+48601234567@" in trace


async def test_an_inbound_call_with_no_plan_is_answered_not_in_service_never_busy(
    workdir: Path, tmp_path: Path
) -> None:
    """No [[inbound]] at all: the caller hears "not in service" and our BYE (was: 486).
    The whole inbound flow on this trunk is tests/integration/test_sip_inbound.py."""
    with sipp(tmp_path / "trunk", sipprig.final_answer()) as trunk_peer:
        cfg = sip_config(workdir, trunk_peer.port, free_port())
        async with sip_daemon(cfg):
            target = f"127.0.0.1:{cfg.trunk.local_port}"
            with sipp(
                tmp_path / "caller",
                sipprig.inbound_caller([], wait_ms=10_000),  # fails unless we hang up
                target=target,
                service="+48221110000",
            ) as caller:
                assert await asyncio.to_thread(caller.wait, 15) == 0, caller.trace
                trace = caller.trace
    assert "SIP/2.0 200 OK" in trace and "SIP/2.0 486" not in trace


async def test_an_agent_phone_that_is_an_extension_is_called_through_the_trunk(
    workdir: Path, tmp_path: Path
) -> None:
    with sipp(tmp_path / "trunk", sipprig.answer_and_echo(), echo=True) as trunk_peer:
        cfg = sip_config(workdir, trunk_peer.port, 0, phone="1001")
        async with sip_daemon(cfg) as daemon:
            anna = await anna_on(daemon, "manual")

            async def ready() -> bool:
                agent = await anna.state()
                return bool(agent["status"] == "ready" and agent["phone"] == "up")

            await until(ready, within=15)
            await anna.client.request("agent.logout")
            await anna.client.close()
            await asyncio.sleep(0.5)
        trace = trunk_peer.trace
    assert "INVITE sip:1001@127.0.0.1" in trace  # through the registrar, no toll-fraud check
    assert "BYE sip:" in trace  # logging out hangs the phone up
