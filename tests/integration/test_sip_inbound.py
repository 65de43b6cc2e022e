"""Inbound calls on a real SIP trunk (issue 14): sipp callers from the trunk's address dial
the client's number, walk the menu with RFC 2833 keys (sipp's own dtmf_2833 captures, pt
101, as our SDP answer keeps the caller's telephone-event pt), wait in line and reach sipp
agent phones. The wire (a packet socket on lo) shows what each caller heard, frame by
frame: every prompt is matched by its exact G.711 payloads (the daemon encodes the
library's frames as they are); the database shows the path each call took.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.sip import media
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import as_agent, until
from tests.integration import sipprig
from tests.integration.sipprig import PASSWORD, USER, Sipp, free_media_port, free_port, sipp
from tests.integration.test_sip_daemon import Desk, channels, heard, tone_wav, trunk_is_up
from tests.integration.wire import Wire, needs_root, tone_level, tone_pcap

pytestmark = [sipprig.needs_sipp, pytest.mark.sip, needs_root]

DID, CLOSED_DID, UNKNOWN_DID = "+48221110000", "+48221110001", "+48229999999"
MENU_HZ = 1000  # the menu's own WAV: one tone, so every frame of it is the same
CALLER_HZ = {"a": 600, "b": 800}
AGENT_HZ = {"anna": 1400, "piotr": 1800}
PCMU = media.Law.PCMU
SILENT = media.SILENT_BYTE[PCMU] * media.SAMPLES


def plan(closed_hours: tuple[str, str]) -> str:
    """Acme's number: a menu (our WAV, then the shipped "hold") of two queues; the night
    desk's number closed now; callers who press nothing end up in `slow`, which gives up
    on them at its max wait."""
    return f"""
[[inbound]]
did = "{DID}"
client = "Acme Bank"
start = "menu:main"

[[inbound]]
did = "{CLOSED_DID}"
client = "Night Desk"
start = "queue:sales"
language = "pl"
hours = ["{closed_hours[0]}", "{closed_hours[1]}"]

[menus.main]
prompt = ["menu.wav", "hold"]
timeout = 1
repeat = 1
fallback = "queue:slow"
keys = {{ "1" = "queue:sales", "2" = "queue:support" }}

[queues.sales]
groups = ["sales"]
announce_every = 0
callback_after = 0

[queues.support]
groups = ["support"]
announce_every = 0
callback_after = 0

[queues.slow]
groups = ["support"]
max_wait = 10
overflow = "hangup"
announce_every = 0
callback_after = 0
"""


def closed_now() -> tuple[str, str]:
    """Opening hours that exclude now: from two hours ahead, for one hour."""
    later = datetime.now().astimezone() + timedelta(hours=2)  # the daemon's zone: local
    return later.strftime("%H:%M"), (later + timedelta(hours=1)).strftime("%H:%M")


def inbound_config(workdir: Path, trunk_port: int, phones: dict[str, int]) -> config_mod.Config:
    """The daemon on the sipp registrar at `trunk_port`, each agent's phone a direct SIP URI
    to a sipp UAS at its port."""
    tone_wav(workdir / "menu.wav", MENU_HZ, 0.6)
    users = "".join(
        f'\n[[users]]\nname = "{name}"\nrole = "agent"\ngroup = "sales"\n'
        f'phone = "sip:{name}@127.0.0.1:{port}"\n'
        for name, port in phones.items()
    )
    path = write_config(workdir, users=users or "\n", extra=plan(closed_now()))
    rtp = free_media_port()
    trunk = (
        f'kind = "sip"\nhost = "127.0.0.1"\nport = {trunk_port}\nusername = "{USER}"\n'
        f'password = "{PASSWORD}"\nlocal_ip = "127.0.0.1"\nlocal_port = {free_port()}\n'
        f"rtp_ports = [{rtp}, {rtp + 60}]\nexpires = 60"
    )
    path.write_text(path.read_text().replace('kind = "sim"', trunk))
    return config_mod.load(path)


@asynccontextmanager
async def inbound_daemon(
    workdir: Path, tmp_path: Path, phones: dict[str, int] | None = None
) -> AsyncIterator[tuple[RunningDaemon, str]]:
    """A sipp registrar as the trunk and the daemon on it; yields it and the address callers
    dial (the daemon's SIP port, from the trunk's own address 127.0.0.1)."""
    with sipp(tmp_path / "trunk", sipprig.final_answer(486)) as trunk_peer:
        cfg = inbound_config(workdir, trunk_peer.port, phones or {})
        daemon = await start_daemon(cfg)
        try:
            await trunk_is_up(daemon)
            yield daemon, f"127.0.0.1:{cfg.trunk.local_port}"
        finally:
            daemon.stop.set()
            await daemon.task


def caller(
    tmp_path: Path, name: str, target: str, did: str, media_port: int, scenario: str
) -> AbstractContextManager[Sipp]:
    return sipp(tmp_path / name, scenario, target=target, service=did, media_port=media_port)


# -- what crossed the wire ------------------------------------------------------------------


def rtp_payloads(wire: Wire, port: int) -> list[tuple[float, bytes]]:
    """The PCMU payloads sent to `port`, with their arrival times."""
    out = []
    for at, _, dport, data in wire.udp():
        if dport != port:
            continue
        try:
            packet = media.parse_rtp(data)
        except media.RtpError:
            continue
        if packet.payload_type == PCMU and packet.payload:
            out.append((at, packet.payload))
    return out


def prompt_payloads(daemon: RunningDaemon, ref: str, language: str = "en") -> set[bytes]:
    """The G.711 payloads a prompt goes out as (silence left out: every prompt has it)."""
    assert daemon.runner is not None
    frames = daemon.runner.prompts.frames(ref, language)
    return {media.encode(f, PCMU) for f in frames} - {SILENT}


def heard_prompts(
    frames: list[tuple[float, bytes]], prompts: dict[str, set[bytes]], run: int = 3
) -> list[str]:
    """What the caller heard, in order: runs of at least `run` frames of one prompt."""
    labels = [next((n for n, s in prompts.items() if p in s), "") for _, p in frames]
    runs: list[list[Any]] = []
    for label in labels:
        if not label:
            continue
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    out: list[str] = []
    for label, count in runs:
        if count >= run and (not out or out[-1] != label):
            out.append(label)
    return out


def sip_from_daemon(wire: Wire, port: int, method: str) -> list[float]:
    """When requests of `method` reached `port` (a caller's SIP port)."""
    return [
        at
        for at, _, dport, data in wire.udp()
        if dport == port and data.startswith(method.encode())
    ]


def record(daemon: RunningDaemon) -> list[dict[str, Any]]:
    con = sqlite3.connect(daemon.config.daemon.database)
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("SELECT * FROM inbound_calls ORDER BY id").fetchall()
    finally:
        con.close()
    return [dict(r) | {"path": json.loads(r["path"])} for r in rows]


async def all_ended(daemon: RunningDaemon, count: int) -> list[dict[str, Any]]:
    async def ended() -> list[dict[str, Any]] | None:
        rows = record(daemon)
        done = len(rows) == count and all(r["ended_at"] is not None for r in rows)
        return rows if done else None

    rows: list[dict[str, Any]] = await until(ended, within=10)
    return rows


@pytest.fixture
def wire() -> Iterator[Wire]:
    capture = Wire()
    try:
        yield capture
    finally:
        capture.close()


# -- the tests ------------------------------------------------------------------------------


async def test_keys_route_a_wrong_key_replays_and_silence_falls_back_then_overflows(
    workdir: Path, tmp_path: Path, wire: Wire
) -> None:
    """Three callers at once: 1 (sales); 9 then 2 (the invalid prompt, the menu again, then
    support); nothing (the menu twice, then the fallback queue, whose max wait hangs up)."""
    ports = {who: free_media_port() for who in ("one", "wrong", "silent")}
    async with inbound_daemon(workdir, tmp_path) as (daemon, target):
        scenarios = {
            "one": sipprig.inbound_caller([(300, "1")], hang_up_after_ms=4000),
            "wrong": sipprig.inbound_caller([(300, "9"), (3000, "2")], hang_up_after_ms=6000),
            "silent": sipprig.inbound_caller([], wait_ms=25_000),
        }
        with (
            caller(tmp_path, "one", target, DID, ports["one"], scenarios["one"]) as one,
            caller(tmp_path, "wrong", target, DID, ports["wrong"], scenarios["wrong"]) as wrong,
            caller(tmp_path, "silent", target, DID, ports["silent"], scenarios["silent"]) as silent,
        ):
            for peer in (one, wrong, silent):
                assert await asyncio.to_thread(peer.wait, 30) == 0, peer.trace
            rows = await all_ended(daemon, 3)
        prompts = {
            "menu": prompt_payloads(daemon, "menu.wav"),
            "hold": prompt_payloads(daemon, "hold"),
            "invalid": prompt_payloads(daemon, "invalid"),
            "queue": prompt_payloads(daemon, "hold_music"),
        }
        sip_ports = {
            who: peer.port for who, peer in (("one", one), ("wrong", wrong), ("silent", silent))
        }
    heard = {who: heard_prompts(rtp_payloads(wire, port), prompts) for who, port in ports.items()}
    # the key picks the queue; the prompt stops at the key
    assert heard["one"] == ["menu", "queue"], heard["one"]
    paths = sorted(r["path"] for r in rows)
    assert ["menu:main", "key:1", "to:queue:sales", "queue:sales"] in paths, paths
    # a key the menu does not know: "invalid choice", the whole menu again, then the key
    assert heard["wrong"] == ["menu", "invalid", "menu", "hold", "queue"], heard["wrong"]
    assert [
        "menu:main",
        "key:9",
        "invalid",
        "key:2",
        "to:queue:support",
        "queue:support",
    ] in paths, paths
    # no key: the menu, its replay, the fallback queue; its max wait (10 s) hangs up
    assert heard["silent"] == ["menu", "hold", "menu", "hold", "queue"], heard["silent"]
    slow = next(r for r in rows if r["queue"] == "slow")
    assert slow["path"] == [
        "menu:main",
        "timeout",
        "timeout",
        "to:queue:slow",
        "queue:slow",
        "overflow:hangup",
    ]
    assert (slow["outcome"], slow["hung_up_by"]) == ("overflowed", "system")
    assert 9.5 < slow["ended_at"] - slow["entered_at"] < 11.5
    (bye,) = sip_from_daemon(wire, sip_ports["silent"], "BYE")
    assert abs(bye - slow["ended_at"]) < 0.5
    for r in rows:
        if r["queue"] != "slow":
            assert (r["outcome"], r["hung_up_by"]) == ("abandoned", "caller"), r
        assert r["client"] == "Acme Bank" and r["caller"] == "+48601000111"


async def test_after_hours_and_an_unknown_number_hear_their_message_then_the_daemon_hangs_up(
    workdir: Path, tmp_path: Path, wire: Wire
) -> None:
    """Answered (never 486, never silence): the closed message in the route's language, or
    "not in service"; the daemon's BYE when it ends."""
    ports = {who: free_media_port() for who in ("closed", "unknown")}
    waits = sipprig.inbound_caller([], wait_ms=15_000)  # fails unless the daemon hangs up
    async with inbound_daemon(workdir, tmp_path) as (daemon, target):
        with (
            caller(tmp_path, "closed", target, CLOSED_DID, ports["closed"], waits) as closed,
            caller(tmp_path, "unknown", target, UNKNOWN_DID, ports["unknown"], waits) as unknown,
        ):
            for peer in (closed, unknown):
                assert await asyncio.to_thread(peer.wait, 20) == 0, peer.trace
            rows = await all_ended(daemon, 2)
            traces = {"closed": closed.trace, "unknown": unknown.trace}
            sip_ports = {"closed": closed.port, "unknown": unknown.port}
        prompts = {
            "closed": prompt_payloads(daemon, "closed", "pl"),
            "not_in_service": prompt_payloads(daemon, "not_in_service"),
        }
        seconds = {
            "closed": daemon.runner.prompts.seconds("closed", "pl") if daemon.runner else 0.0,
            "unknown": daemon.runner.prompts.seconds("not_in_service") if daemon.runner else 0.0,
        }
    for who, message in (("closed", "closed"), ("unknown", "not_in_service")):
        trace = traces[who]
        assert "SIP/2.0 200 OK" in trace and not re.search(r"SIP/2\.0 [4-6]\d\d", trace), trace
        frames = rtp_payloads(wire, ports[who])
        assert heard_prompts(frames, prompts) == [message]
        theirs = [at for at, p in frames if p in prompts[message]]
        assert len({p for _, p in frames} & prompts[message]) > 0.9 * len(prompts[message])
        (bye,) = sip_from_daemon(wire, sip_ports[who], "BYE")
        # the whole message, then the hang-up at once
        assert seconds[who] - 0.3 < bye - theirs[0] and 0 <= bye - theirs[-1] < 0.6
    by_did = {r["did"]: r for r in rows}
    closed_row, unknown_row = by_did[CLOSED_DID], by_did[UNKNOWN_DID]
    assert closed_row["client"] == "Night Desk"
    assert (closed_row["outcome"], closed_row["hung_up_by"], closed_row["path"]) == (
        "closed",
        "system",
        ["closed"],
    )
    assert closed_row["queue"] is None and closed_row["entered_at"] is None
    assert (unknown_row["outcome"], unknown_row["hung_up_by"], unknown_row["path"]) == (
        "not_in_service",
        "system",
        ["not_in_service"],
    )


async def test_callers_reach_the_longest_idle_agent_and_they_hear_each_other(
    workdir: Path, tmp_path: Path, wire: Wire
) -> None:
    """piotr logs in before anna: the first caller is his (not alphabetical order). He takes
    the call, is ready again; the second caller is anna's, idle longer than he is now (not
    whoever became ready last). Each pair hears the other's tone, and the recording has both."""
    phone_ports = {name: free_port() for name in AGENT_HZ}
    phone_media = {name: free_media_port() for name in AGENT_HZ}
    caller_media = {who: free_media_port() for who in CALLER_HZ}
    tones = {
        name: tone_pcap(tmp_path / f"{name}.pcap", hz, 60)
        for name, hz in (*AGENT_HZ.items(), *CALLER_HZ.items())
    }
    phones = [
        sipp(
            tmp_path / name,
            sipprig.answer_and_talk(tones[name]),
            port=phone_ports[name],
            media_port=phone_media[name],
        )
        for name in ("piotr", "anna")
    ]
    with phones[0], phones[1]:
        async with inbound_daemon(workdir, tmp_path, phone_ports) as (daemon, target):
            desks = {}
            for name in ("piotr", "anna"):  # piotr first: he has been idle longer
                client = await as_agent(daemon, name, campaign=None)
                await client.request("agent.login", {"campaign": ""})
                desk = desks[name] = Desk(client)

                async def ready(desk: Desk = desk) -> bool:
                    state = await desk.state()
                    return bool(state["status"] == "ready" and state["phone"] == "up")

                await until(ready, within=10)

            async def one_call(who: str, agent: str) -> dict[str, Any]:
                scenario = sipprig.inbound_caller(
                    [(300, "1")], talk=tones[who], hang_up_after_ms=3500
                )
                with caller(tmp_path, who, target, DID, caller_media[who], scenario) as peer:
                    assert await asyncio.to_thread(peer.wait, 15) == 0, peer.trace
                await until(lambda: desks[agent].status_is("wrapup"))
                rows = [r for r in record(daemon) if r["agent"] == agent]
                assert len(rows) == 1, record(daemon)
                return rows[0]

            first = await one_call("a", "piotr")
            await desks["piotr"].client.request("agent.ready")
            assert await desks["anna"].status_is("ready")
            second = await one_call("b", "anna")
            for desk in desks.values():
                await desk.client.close()

    def levels(port: int, row: dict[str, Any]) -> dict[int, float]:
        frames = wire.rtp_to(port, row["answered_at"] + 0.6, row["ended_at"] - 0.2)
        assert len(frames) > 80, f"{len(frames)} frames to {port}"
        return {
            hz: sorted(tone_level(f, hz) for f in frames)[len(frames) // 2]
            for hz in (*CALLER_HZ.values(), *AGENT_HZ.values())
        }

    for who, agent, row in (("a", "piotr", first), ("b", "anna", second)):
        assert (row["outcome"], row["queue"], row["hung_up_by"]) == ("answered", "sales", "caller")
        assert row["path"] == [
            "menu:main",
            "key:1",
            "to:queue:sales",
            "queue:sales",
            f"agent:{agent}",
        ]
        assert row["answered_at"] - row["entered_at"] < 0.5  # a free agent: no wait
        to_agent, to_caller = levels(phone_media[agent], row), levels(caller_media[who], row)
        assert to_agent[CALLER_HZ[who]] > 1500, (agent, to_agent)
        assert to_caller[AGENT_HZ[agent]] > 1500, (who, to_caller)
        others = [hz for hz in to_agent if hz != CALLER_HZ[who]]
        assert all(to_agent[hz] < 400 for hz in others), (agent, to_agent)
        customer, agent_side, _ = channels(Path(row["recording"]))
        assert heard(customer) > 0.5 and heard(agent_side) > 0.5


async def test_a_caller_whose_invite_has_no_sdp_hears_the_menu_and_is_heard(
    workdir: Path, tmp_path: Path, wire: Wire
) -> None:
    """A delayed offer: our 200 OK offers, the caller answers in its ACK; the menu plays to
    the port of that answer and the key arrives (before: silence, and no key heard)."""
    port = free_media_port()
    scenario = sipprig.inbound_caller([(300, "1")], hang_up_after_ms=2500, late_offer=True)
    async with inbound_daemon(workdir, tmp_path) as (daemon, target):
        with caller(tmp_path, "late", target, DID, port, scenario) as late:
            assert await asyncio.to_thread(late.wait, 15) == 0, late.trace
            (row,) = await all_ended(daemon, 1)
        prompts = {
            "menu": prompt_payloads(daemon, "menu.wav"),
            "queue": prompt_payloads(daemon, "hold_music"),
        }
    assert heard_prompts(rtp_payloads(wire, port), prompts) == ["menu", "queue"]
    assert row["path"] == ["menu:main", "key:1", "to:queue:sales", "queue:sales"]
    assert (row["outcome"], row["hung_up_by"]) == ("abandoned", "caller")


async def test_the_agent_hears_the_tone_then_the_caller_who_was_talking_in_line(
    workdir: Path, tmp_path: Path, wire: Wire
) -> None:
    """anna is paused while a caller waits in line, talking; she gets ready: her phone gets
    the connect tone first, and the caller's voice only after it (about 0.2 s)."""
    phone_port, phone_rtp, caller_rtp = free_port(), free_media_port(), free_media_port()
    talk = tone_pcap(tmp_path / "a.pcap", CALLER_HZ["a"], 60)
    anna_talk = tone_pcap(tmp_path / "anna.pcap", AGENT_HZ["anna"], 60)
    phone = sipp(
        tmp_path / "anna",
        sipprig.answer_and_talk(anna_talk),
        port=phone_port,
        media_port=phone_rtp,
    )
    with phone:
        async with inbound_daemon(workdir, tmp_path, {"anna": phone_port}) as (daemon, target):
            client = await as_agent(daemon, "anna", campaign=None)
            await client.request("agent.login", {"campaign": ""})
            desk = Desk(client)

            async def phone_up() -> bool:
                return bool((await desk.state())["phone"] == "up")

            await until(phone_up, within=10)
            await client.request("agent.pause", {"reason": "coffee"})
            connect_tone = prompt_payloads(daemon, "connect_tone")
            scenario = sipprig.inbound_caller([(300, "1")], talk=talk, hang_up_after_ms=4000)
            with caller(tmp_path, "a", target, DID, caller_rtp, scenario) as peer:
                await until(lambda: queued(daemon), within=5)
                await asyncio.sleep(1.0)  # the caller talks in line
                await client.request("agent.ready")
                assert await asyncio.to_thread(peer.wait, 15) == 0, peer.trace
            await client.close()
    (row,) = record(daemon)
    start, end = row["answered_at"] - 0.1, row["answered_at"] + 1.0
    frames = [(at, p) for at, p in rtp_payloads(wire, phone_rtp) if start <= at < end]
    tone_at = next((at for at, p in frames if p in connect_tone), None)
    assert tone_at is not None, "the agent never heard the tone alone"
    caller_at = next(
        at
        for at, p in frames
        if p not in connect_tone and tone_level(media.decode(p, PCMU), CALLER_HZ["a"]) > 1500
    )
    assert 0.15 < caller_at - tone_at < 0.4, (tone_at, caller_at)


async def queued(daemon: RunningDaemon) -> bool:
    return any(r["queue"] == "sales" and r["answered_at"] is None for r in record(daemon))
