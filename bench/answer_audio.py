"""From the customer's answer to their voice in the agent's phone: the bridge's delay.

    sudo .venv/bin/python bench/answer_audio.py [--calls 20]

A real daemon on a sipp trunk (every customer answers and at once plays a
600 Hz tone) and one agent whose desk phone is a sipp UAS. Power mode: the
daemon dials, the customer answers, the daemon bridges; the agent hangs up
after a second and disposes, and the next call is dialled. Everything on
`lo` is captured with kernel timestamps (a packet socket), and per call:

- answer: the 200 OK for the customer's INVITE arriving at the daemon;
- customer speaks: the first customer RTP packet arriving at the daemon
  (sipp starts its audio on our ACK: this part is not ours) — the baseline;
- agent hears: the first packet the daemon sends to the agent's phone that
  carries the tone.

The goal (issue 4) is audio flowing within 200 ms of the answer. Needs root
(the capture) and sipp.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccterm import config as config_mod  # noqa: E402
from ccterm.client import DaemonClient  # noqa: E402
from ccterm.daemon.main import serve  # noqa: E402
from ccterm.sip import media  # noqa: E402
from tests.integration import sipprig  # noqa: E402
from tests.integration.sipprig import free_media_port, free_port, sipp  # noqa: E402
from tests.integration.wire import Wire, tone_level, tone_pcap  # noqa: E402

TONE_HZ = 600


def config_text(trunk_port: int, phone_port: int, sip_port: int) -> str:
    rtp = free_media_port()
    return f"""
[daemon]
socket = "s.sock"
database = "c.db"
recordings = "rec"
log_level = "warning"

[trunk]
kind = "sip"
host = "127.0.0.1"
port = {trunk_port}
username = "{sipprig.USER}"
password = "{sipprig.PASSWORD}"
local_ip = "127.0.0.1"
local_port = {sip_port}
rtp_ports = [{rtp}, {rtp + 40}]
caller_id = "+48221234567"
expires = 600

[dialer]
region = "PL"
calling_hours = ["00:00", "24:00"]

[[users]]
name = "anna"
role = "agent"
group = "b"
phone = "sip:anna@127.0.0.1:{phone_port}"
"""


async def load(client: DaemonClient, calls: int) -> None:
    await client.request(
        "campaign.create", {"name": "b", "settings": {"groups": ["b"], "mode": "power"}}
    )
    begun = await client.request("import.begin", {"campaign": "b", "file_name": "b", "columns": []})
    rows = [[i + 2, f"+4860{i:07d}", f"C {i}", {}, "Europe/Warsaw", 0] for i in range(calls)]
    await client.request("import.rows", {"import_id": begun["import_id"], "rows": rows})
    await client.request(
        "import.commit",
        {"import_id": begun["import_id"], "rows": calls, "invalid": 0, "duplicates": 0},
    )


async def until(check: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("the daemon did not get there in time")
        await asyncio.sleep(0.05)


async def work_calls(socket: Path, calls: int) -> None:
    async with DaemonClient(socket) as admin:
        await until(
            lambda: _trunk_up(admin),
            20,
        )
        await load(admin, calls)
    agent = DaemonClient(socket)
    await agent.connect()
    await agent.hello(act_as="anna", client="bench")
    await agent.request("agent.login", {"campaign": "b"})

    async def status(wanted: str) -> bool:
        return bool((await agent.request("agent.state"))["agent"]["status"] == wanted)

    for _ in range(calls):
        await until(lambda: status("on_call"), 30)
        lead = (await agent.request("agent.state"))["agent"]["call"]["lead_id"]
        await asyncio.sleep(1.0)
        await agent.request("call.hangup")
        await until(lambda: status("wrapup"), 10)
        await agent.request("disposition.set", {"lead_id": lead, "code": "done"})
    await agent.close()


async def _trunk_up(client: DaemonClient) -> bool:
    return bool((await client.request("status"))["trunk"]["state"] == "up")


def per_call(
    wire: Wire, sip_port: int, phone_media: int, trunk_media: int
) -> list[dict[str, float]]:
    """For each answered INVITE: when the customer's and the agent's audio began."""
    packets = wire.udp()
    answers = [
        t
        for t, _, dport, data in packets
        if dport == sip_port
        and data.startswith(b"SIP/2.0 200")
        and b"INVITE" in data.split(b"\r\n\r\n")[0].split(b"CSeq:")[-1][:40]
        and b"sip:+4860" in data
    ]
    out = []
    for n, answered in enumerate(answers):
        following = answers[n + 1] if n + 1 < len(answers) else float("inf")
        window = [p for p in packets if answered <= p[0] < following]
        speaks = next(
            (t for t, sport, _, data in window if sport == trunk_media and _audible(data)), None
        )
        hears = next(
            (t for t, _, dport, data in window if dport == phone_media and _audible(data)), None
        )
        if speaks is not None and hears is not None:
            out.append({"speaks": speaks - answered, "hears": hears - answered})
    return out


def _audible(data: bytes) -> bool:
    try:
        packet = media.parse_rtp(data)
    except media.RtpError:
        return False
    if packet.payload_type not in (0, 8) or not packet.payload:
        return False
    return tone_level(media.decode(packet.payload, media.Law(packet.payload_type)), TONE_HZ) > 1500


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("answer_audio: needs sipp (apt-get install sip-tester)")
    if os.geteuid() != 0:
        sys.exit("answer_audio: run as root (the capture uses a packet socket on lo)")
    with tempfile.TemporaryDirectory(prefix="ccterm-answer-") as tmp:
        work = Path(tmp)
        trunk_media, phone_media, sip_port = free_media_port(), free_media_port(), free_port()
        scenario = sipprig.answer_and_talk(tone_pcap(work / "tone.pcap", TONE_HZ, 30))
        wire = Wire()
        with (
            sipp(work / "trunk", scenario, media_port=trunk_media) as trunk,
            sipp(
                work / "phone", sipprig.answer_and_echo(), echo=True, media_port=phone_media
            ) as phone,
        ):
            path = work / "config.toml"
            path.write_text(config_text(trunk.port, phone.port, sip_port))
            cfg = config_mod.load(path)
            stop = asyncio.Event()
            daemon = asyncio.create_task(serve(cfg, stop=stop))
            try:
                for _ in range(200):
                    if cfg.daemon.socket.exists():
                        break
                    await asyncio.sleep(0.05)
                await work_calls(cfg.daemon.socket, args.calls)
            finally:
                stop.set()
                await daemon
                wire.close()
        calls = per_call(wire, sip_port, phone_media, trunk_media)
    if not calls:
        sys.exit("answer_audio: no call was measured")
    speaks = [c["speaks"] * 1000 for c in calls]
    hears = [c["hears"] * 1000 for c in calls]
    ours = [h - s for h, s in zip(hears, speaks, strict=True)]
    print(f"{len(calls)} calls answered and bridged (daemon in this process, 2 shared cores)")
    print(f"{'ms after the 200 OK':44} {'median':>7} {'p90':>7} {'max':>7}")
    for label, values in (
        ("customer's first audio reaches the daemon", speaks),
        ("that audio reaches the agent's phone", hears),
        ("the bridge's own part (difference)", ours),
    ):
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(f"{label:44} {statistics.median(values):>7.1f} {p90:>7.1f} {max(values):>7.1f}")
    worst = max(hears)
    print(f"goal (audio within 200 ms of the answer): {'met' if worst < 200 else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
