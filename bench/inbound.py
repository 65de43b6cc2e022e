"""Inbound at load through a real daemon: callers in menus and queues, some bridged to agents.

    .venv/bin/python bench/inbound.py [--callers 100] [--agents 20] [--seconds 20]

Fresh processes: a sipp registrar as the trunk, one sipp UAS for the agents' desk
phones (each answers and plays a 1400 Hz tone, μ-law), one sipp UAC for the callers,
and the daemon on `[trunk] kind = "sip"` with one number, a menu (a 25 s WAV;
key 1 = queue `sales`, announcements every 30 s) and `agents` agents logged in to
the queue only, recording on. `callers + agents` callers arrive at 50 a second from the
trunk's address; each presses 1 (sipp's RFC 2833 capture) at a random moment in
its first 20 s of the menu, then talks (a 2000 Hz tone) until hung up on. The first
`agents` to press are bridged; the rest wait with hold music, so during the window
`callers` people are in menus and queues and `agents` are talking. tcpdump
captures lo from before the first call to the end.

Printed:
- the daemon's CPU (% of one core, per 1 s sample, median and max) over the window,
  and in the same run, before it: idle (registered, nothing else), and with the
  agents' phone legs up (their silence is 50 packets a second each);
- the spacing of the RTP the daemon sends, to callers and to agents' phones:
  p50/p99 of |interarrival - 20 ms| per flow (first and last second of each flow
  left out), against sipp's own send spacing of the callers' audio (the baseline);
- key -> prompt stop: for each caller, from their key's first RFC 2833 packet (the
  daemon acts on it; a key's end packet comes 140 ms later in sipp's capture) to the
  last frame of the menu prompt the daemon sent them, both from the first packet and
  from the end packet;
- agent free -> caller bridged: after the window each agent in turn hangs up, and
  once their wrap-up shows, goes ready (`agent.ready` on the socket, as the desk's
  `p`) while callers wait; from that request to the first frame carrying the
  caller's tone in the agent's phone leg (the leg is found in the phones' SIP trace).
Needs root, sipp (apt-get install sip-tester) and tcpdump (apt-get install tcpdump).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import cpu_seconds, percentile, rss_mb  # noqa: E402
from bench.sip_calls import (  # noqa: E402
    LINK_HEADER,
    WRAPPER,
    by_thread,
    rtp_range,
    spacing_errors,
    stop,
    thread_cpu,
)
from ccterm.client import DaemonClient  # noqa: E402
from ccterm.errors import CctermError  # noqa: E402
from ccterm.sip import media  # noqa: E402
from tests.integration.sipprig import (  # noqa: E402
    PASSWORD,
    USER,
    answer_and_talk,
    final_answer,
    free_media_port,
    free_port,
    inbound_caller,
    wait_bound,
)
from tests.integration.wire import tone_level, tone_pcap  # noqa: E402

DID = "+48221110000"
MENU_HZ, CALLER_HZ, AGENT_HZ = 1000, 2000, 1400  # none of them in the connect tone
MENU_SECONDS = 25.0
KEY_SPREAD_MS = 20_000
HEARD = 1500.0  # a tone's level (of 6000 sent) that counts as heard


# -- the peers and the daemon ---------------------------------------------------------------


def tone_wav(path: Path, hz: float, seconds: float) -> None:
    """The menu: one tone (1000 Hz at 8 kHz repeats every 8 samples: every frame is the same)."""
    samples = [
        int(6000 * math.sin(2 * math.pi * hz * n / 8000)) for n in range(int(8000 * seconds))
    ]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def menu_payload() -> bytes:
    """The G.711 μ-law payload of every frame of the menu prompt, as the daemon sends it."""
    frame = [int(6000 * math.sin(2 * math.pi * MENU_HZ * n / 8000)) for n in range(160)]
    return media.encode(struct.pack("<160h", *frame), media.Law.PCMU)


def start_sipp(
    workdir: Path, scenario: str, port: int, media_port: int, extra: list[str]
) -> subprocess.Popen[bytes]:
    workdir.mkdir(parents=True)
    (workdir / "scenario.xml").write_text(scenario)
    args = ["sipp", "-sf", "scenario.xml", "-i", "127.0.0.1", "-p", str(port)]
    args += ["-mi", "127.0.0.1", "-mp", str(media_port), "-nostdin", "-d", "300"]
    args += ["-trace_err", "-error_file", "errors.log", "-s", DID if "-m" in extra else "ccterm"]
    args += ["-key", "user", USER, "-key", "pass", PASSWORD, "-key", "expires", "60"]
    args += ["-key", "law", "0", "-key", "lawname", "PCMU", *extra]
    proc = subprocess.Popen(
        args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=(workdir / "stderr.log").open("wb")
    )
    if "-m" not in extra:
        wait_bound("127.0.0.1", port, proc)
    return proc


def config_text(agents: int, trunk_port: int, phone_port: int, rtp: tuple[int, int]) -> str:
    users = "".join(
        f'\n[[users]]\nname = "a{n:02d}"\nrole = "agent"\ngroup = "bench"\n'
        f'phone = "sip:a{n:02d}@127.0.0.1:{phone_port}"\n'
        for n in range(agents)
    )
    return f"""[daemon]
socket = "s.sock"
database = "c.db"
recordings = "rec"
log_level = "warning"

[trunk]
kind = "sip"
host = "127.0.0.1"
port = {trunk_port}
username = "{USER}"
password = "{PASSWORD}"
local_ip = "127.0.0.1"
local_port = {free_port()}
rtp_ports = [{rtp[0]}, {rtp[1]}]
caller_id = "+48221234567"
expires = 60

[dialer]
region = "PL"
allowed_countries = ["PL"]
calling_hours = ["00:00", "24:00"]

[[inbound]]
did = "{DID}"
client = "Bench"
start = "menu:main"

[menus.main]
prompt = ["menu.wav"]
timeout = 10
repeat = 1
fallback = "queue:sales"
keys = {{ "1" = "queue:sales" }}

[queues.sales]
groups = ["bench"]
max_wait = 3600
announce_every = 30
callback_after = 0
{users}"""


# -- the run --------------------------------------------------------------------------------


async def cpu_samples(pid: int, seconds: float) -> list[float]:
    """% of one core in each second of the next `seconds`."""
    out = []
    before, t0 = cpu_seconds(pid), time.monotonic()
    for _ in range(int(seconds)):
        await asyncio.sleep(1.0)
        now, t1 = cpu_seconds(pid), time.monotonic()
        out.append(100 * (now - before) / (t1 - t0))
        before, t0 = now, t1
    return out


def db_counts(database: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as con:
        rows = con.execute(
            "SELECT queue IS NOT NULL, answered_at IS NOT NULL, ended_at IS NOT NULL"
            " FROM inbound_calls"
        ).fetchall()
    return {
        "arrived": len(rows),
        "in_menu": sum(1 for q, a, e in rows if not q and not e),
        "in_queue": sum(1 for q, a, e in rows if q and not a and not e),
        "bridged": sum(1 for q, a, e in rows if a and not e),
        "ended": sum(1 for q, a, e in rows if e),
    }


async def wait_for(check: Any, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:.0f} s (last: {value!r})")
        await asyncio.sleep(0.1)


async def drive(
    work: Path, daemon: subprocess.Popen[bytes], opts: Any, peers: dict[str, Any]
) -> dict[str, Any]:
    sock, database = work / "s.sock", work / "c.db"

    async def serving() -> bool:
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited at start ({daemon.returncode})")
        try:
            async with DaemonClient(sock) as c:
                return bool((await c.request("status"))["trunk"]["state"] == "up")
        except (OSError, CctermError):
            return False

    await wait_for(serving, 30, "the daemon serving with its trunk up")
    result: dict[str, Any] = {"idle_cpu": await cpu_samples(daemon.pid, opts.baseline)}
    agents: dict[str, DaemonClient] = {}
    for n in range(opts.agents):
        client = DaemonClient(sock)
        await client.connect()
        await client.hello(act_as=f"a{n:02d}", client="bench")
        await client.request("agent.login", {"campaign": ""})
        agents[f"a{n:02d}"] = client

    async def states() -> dict[str, dict[str, Any]]:
        replies = await asyncio.gather(*(c.request("agent.state") for c in agents.values()))
        return {name: r["agent"] for name, r in zip(agents, replies, strict=True)}

    async def all_ready() -> bool:
        return all(s["status"] == "ready" and s["phone"] == "up" for s in (await states()).values())

    await wait_for(all_ready, 60, "every agent's phone up")
    result["phones_cpu"] = await cpu_samples(daemon.pid, opts.baseline)

    low, high = peers["rtp"]
    pcap = work / "wire.pcap"
    dump = await asyncio.create_subprocess_exec(
        *("tcpdump", "-i", "lo", "-B", "65536", "-s", "256", "-n"),
        *("--time-stamp-precision", "nano", "-w", str(pcap)),
        *("udp", "and", "portrange", f"{low}-{high}"),
        stderr=asyncio.subprocess.PIPE,
    )
    assert dump.stderr is not None
    line = await asyncio.wait_for(dump.stderr.readline(), 10)
    if b"listening" not in line:
        raise RuntimeError(f"tcpdump: {line.decode(errors='replace')}")
    total = opts.callers + opts.agents
    scenario = inbound_caller(
        [(0, "1")],
        talk=peers["talk"],
        hang_up_after_ms=600_000,
        spread_ms=KEY_SPREAD_MS,
    )
    callers = start_sipp(
        work / "callers",
        scenario,
        free_port(),
        peers["caller_media"],
        ["-m", str(total), "-r", "50", "-l", str(total + 10), peers["target"]],
    )
    peers["procs"].append(callers)
    t_calls = time.monotonic()

    async def all_arrived() -> bool:
        return db_counts(database)["arrived"] >= total

    await wait_for(all_arrived, 30, f"{total} callers answered")
    result["ramp_s"] = time.monotonic() - t_calls
    result["at_window_start"] = db_counts(database)
    threads0, w0 = thread_cpu(daemon.pid), time.monotonic()
    result["window_cpu"] = await cpu_samples(daemon.pid, opts.seconds)
    result["threads"] = by_thread(threads0, thread_cpu(daemon.pid), time.monotonic() - w0)
    result["rss_mb"] = rss_mb(daemon.pid)
    result["at_window_end"] = db_counts(database)
    result["callers_cpu"] = 100 * cpu_seconds(callers.pid) / (time.monotonic() - t_calls)

    # agent free -> caller bridged, one agent at a time while callers wait
    readies: list[tuple[str, float]] = []
    for name, client in agents.items():
        if (await client.request("agent.state"))["agent"]["status"] != "on_call":
            continue
        await client.request("call.hangup")

        async def wrapping(client: DaemonClient = client) -> bool:
            return bool((await client.request("agent.state"))["agent"]["status"] == "wrapup")

        await wait_for(wrapping, 10, f"{name} in wrap-up")
        await asyncio.sleep(0.3)  # the caller's last frames out of the phone leg's way
        readies.append((name, time.time()))
        await client.request("agent.ready")
    await asyncio.sleep(1.5)
    result["after_readies"] = db_counts(database)
    result["readies"] = readies
    dump.send_signal(signal.SIGINT)
    tail = (await asyncio.wait_for(dump.stderr.read(), 30)).decode(errors="replace")
    await dump.wait()
    dropped = re.search(r"(\d+) packets? dropped by kernel", tail)
    result["kernel_dropped"] = int(dropped.group(1)) if dropped else -1
    for client in agents.values():
        await client.close()
    result["pcap"] = pcap
    return result


# -- the wire -------------------------------------------------------------------------------


def read_rtp(path: Path) -> list[tuple[float, int, int, int, bytes]]:
    """Every RTP packet: (capture time, source port, destination port, payload type, payload
    with the RTP header's flags byte of a telephone event kept in it)."""
    data = path.read_bytes()
    magic = struct.unpack_from("<I", data)[0]
    scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
    skip = LINK_HEADER[struct.unpack_from("<I", data, 20)[0]]
    out = []
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from("<IIII", data, offset)
        start = offset + 16
        offset = start + incl
        ip = start + skip
        if incl < skip + 40 or data[ip] >> 4 != 4 or data[ip + 9] != 17:
            continue
        udp = ip + (data[ip] & 0x0F) * 4
        sport, dport = struct.unpack_from("!HH", data, udp)
        rtp = udp + 8
        if data[rtp] >> 6 != 2:
            continue
        header = 12 + 4 * (data[rtp] & 0x0F)
        out.append(
            (sec + frac * scale, sport, dport, data[rtp + 1] & 0x7F, data[rtp + header : offset])
        )
    return out


def phone_legs(trace: Path) -> dict[str, int]:
    """Agent -> the daemon's RTP port of their phone leg, from the INVITEs the phones got."""
    legs = {}
    for message in trace.read_text(errors="replace").split("-----------------------"):
        found = re.search(r"^INVITE sip:(a\d+)@", message, re.M)
        port = re.search(r"^m=audio (\d+) ", message, re.M)
        if found and port:
            legs[found.group(1)] = int(port.group(1))
    return legs


def analyse(result: dict[str, Any], peers: dict[str, Any], work: Path) -> dict[str, Any]:
    packets = read_rtp(result.pop("pcap"))
    low, high = peers["rtp"]
    callers, phones = peers["caller_media"], peers["phone_media"]
    flows: dict[tuple[int, int], list[float]] = defaultdict(list)
    for at, sport, dport, pt, _ in packets:
        if pt in (0, 8):
            flows[(sport, dport)].append(at)

    def errors(match: Any) -> list[float]:
        return [e for key, times in flows.items() if match(*key) for e in spacing_errors(times)]

    to_callers = errors(lambda s, d: low <= s <= high and d == callers)
    to_phones = errors(lambda s, d: low <= s <= high and d == phones)
    sipp_sent = errors(lambda s, d: s == callers and low <= d <= high)
    # key -> prompt stop, per caller leg (the daemon's port)
    menu = menu_payload()
    first_key: dict[int, float] = {}
    key_end: dict[int, float] = {}
    last_menu: dict[int, float] = defaultdict(float)
    for at, sport, dport, pt, payload in packets:
        if pt == 101 and low <= dport <= high and len(payload) >= 4:
            first_key.setdefault(dport, at)
            if payload[1] & 0x80:
                key_end.setdefault(dport, at)
        elif pt == 0 and dport == callers and payload == menu:
            last_menu[sport] = max(last_menu[sport], at)
    from_first = [1000 * (last_menu[p] - t) for p, t in first_key.items() if p in last_menu]
    from_end = [1000 * (last_menu[p] - t) for p, t in key_end.items() if p in last_menu]
    # agent free -> the caller's voice in their phone leg
    legs = phone_legs(work / "phones" / "messages.log")
    by_leg: dict[int, list[tuple[float, bytes]]] = defaultdict(list)
    for at, sport, dport, pt, payload in packets:
        if dport == phones and pt == 0 and sport in legs.values():
            by_leg[sport].append((at, payload))
    bridged: list[float] = []
    for name, when in result.pop("readies"):
        frames = by_leg.get(legs.get(name, -1), [])
        heard = next(
            (
                at
                for at, p in frames
                if at > when and tone_level(media.decode(p, media.Law.PCMU), CALLER_HZ) > HEARD
            ),
            None,
        )
        if heard is not None:
            bridged.append(1000 * (heard - when))
    return {
        "to_callers_ms": stats(to_callers),
        "to_phones_ms": stats(to_phones),
        "sipp_ms": stats(sipp_sent),
        "flows": {
            "to_callers": sum(1 for s, d in flows if low <= s <= high and d == callers),
            "to_phones": sum(1 for s, d in flows if low <= s <= high and d == phones),
        },
        "key_stop_ms": stats(from_first),
        "key_stop_from_end_ms": stats(from_end),
        "keys": len(first_key),
        "agent_free_ms": stats(bridged),
        "agents_measured": len(bridged),
        "phone_legs": len(legs),
    }


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p99": percentile(values, 0.99),
        "max": max(values),
    }


# -- main -----------------------------------------------------------------------------------


def run(opts: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ccterm-inbound-bench-"))
    trunk_port, phone_port = free_port(), free_port()
    peers: dict[str, Any] = {
        "caller_media": free_media_port(),
        "phone_media": free_media_port(),
        "rtp": rtp_range(4 * (opts.callers + opts.agents) + 40),
        "procs": [],
    }
    hold = 600.0
    peers["talk"] = tone_pcap(work / "talk.pcap", CALLER_HZ, hold)
    tone_pcap(work / "agent.pcap", AGENT_HZ, hold)
    tone_wav(work / "menu.wav", MENU_HZ, MENU_SECONDS)
    daemon: subprocess.Popen[bytes] | None = None
    ok = False
    try:
        peers["procs"].append(
            start_sipp(work / "trunk", final_answer(486), trunk_port, free_media_port(), [])
        )
        peers["procs"].append(
            start_sipp(
                work / "phones",
                answer_and_talk(work / "agent.pcap"),
                phone_port,
                peers["phone_media"],
                ["-trace_msg", "-message_file", "messages.log"],
            )
        )
        (work / "config.toml").write_text(
            config_text(opts.agents, trunk_port, phone_port, peers["rtp"])
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        daemon = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, "daemon", "--config", str(work / "config.toml")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(work / "daemon.log").open("wb"),
        )
        local_port = re.search(r"local_port = (\d+)", (work / "config.toml").read_text())
        assert local_port is not None
        peers["target"] = f"127.0.0.1:{local_port.group(1)}"
        result = asyncio.run(drive(work, daemon, opts, peers))
        for proc in peers["procs"]:
            stop(proc)
        daemon.terminate()
        daemon.wait(30)
        result["recordings"] = len(list((work / "rec").rglob("*.wav")))
        result.update(analyse(result, peers, work))
        log = (work / "daemon.log").read_text(errors="replace").splitlines()
        result["daemon_log"] = log[-5:]
        result["daemon_log_lines"] = len(log)
        ok = True
        return result
    except BaseException:
        print(f"failed; work directory kept: {work}", file=sys.stderr)
        log_file = work / "daemon.log"
        if log_file.exists():
            for line in log_file.read_text(errors="replace").splitlines()[-30:]:
                print("  " + line, file=sys.stderr)
        raise
    finally:
        if daemon is not None:
            stop(daemon, 30)
        for proc in peers["procs"]:
            stop(proc)
        if ok and not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif ok:
            print(f"work directory kept: {work}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=100, help="in menus and queues")
    parser.add_argument("--agents", type=int, default=20, help="bridged to agent phones")
    parser.add_argument("--seconds", type=float, default=20.0, help="the measured window")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of each baseline")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    opts = parser.parse_args()
    missing = [t for t in ("sipp", "tcpdump") if shutil.which(t) is None]
    if missing:
        print(f"inbound: needs {' and '.join(missing)} (sip-tester, tcpdump)", file=sys.stderr)
        sys.exit(2)
    if os.geteuid() != 0:
        print("inbound: run as root (tcpdump on lo, sipp's raw RTP sockets)", file=sys.stderr)
        sys.exit(2)
    r = run(opts)

    def cpu(samples: list[float]) -> str:
        return f"median {statistics.median(samples):5.1f}%  max {max(samples):5.1f}%"

    def ms(s: dict[str, float]) -> str:
        return f"p50 {s['p50']:7.2f}  p99 {s['p99']:7.2f}  max {s['max']:7.2f} ms (n={s['n']:.0f})"

    print(
        f"{opts.callers} callers in menus and queues + {opts.agents} bridged (recording on);"
        f" {opts.callers + opts.agents} answered in {r['ramp_s']:.1f} s"
    )
    for when in ("start", "end"):
        w = r[f"at_window_{when}"]
        print(
            f"  at the window's {when}: {w['in_menu']} in the menu, {w['in_queue']} in the"
            f" queue, {w['bridged']} bridged, {w['ended']} ended"
        )
    print(
        f"daemon CPU (% of one core, 1 s samples), {opts.seconds:.0f} s window:"
        f" {cpu(r['window_cpu'])}"
    )
    print(f"  baseline, idle (registered):             {cpu(r['idle_cpu'])}")
    print(f"  baseline, {opts.agents} agents' phone legs up:      {cpu(r['phones_cpu'])}")
    top = ", ".join(f"{k} {v:.0f}%" for k, v in list(r["threads"].items())[:4])
    print(f"  by thread: {top}; RSS {r['rss_mb']:.0f} MB; sipp callers {r['callers_cpu']:.0f}%")
    print("RTP spacing error |interarrival - 20 ms|:")
    print(f"  daemon -> callers ({r['flows']['to_callers']} flows): {ms(r['to_callers_ms'])}")
    print(f"  daemon -> agents' phones ({r['flows']['to_phones']}): {ms(r['to_phones_ms'])}")
    print(f"  baseline, sipp's callers -> daemon:   {ms(r['sipp_ms'])}")
    print(
        f"key -> last menu frame ({r['keys']} keys): from the key's first packet"
        f" {ms(r['key_stop_ms'])}"
    )
    print(f"  from the key's end packet: {ms(r['key_stop_from_end_ms'])}")
    print(
        f"agent ready -> caller's voice in the phone ({r['agents_measured']} agents):"
        f" {ms(r['agent_free_ms'])}"
    )
    a = r["after_readies"]
    print(
        f"  after: {a['bridged']} bridged, {a['in_queue']} in the queue; recordings"
        f" {r['recordings']}; tcpdump dropped {r['kernel_dropped']}; daemon log"
        f" {r['daemon_log_lines']} lines"
    )
    for line in r["daemon_log"]:
        print(f"    {line[:200]}")
    if opts.json:
        keep = {k: v for k, v in r.items() if k != "daemon_log"}
        print(json.dumps(keep, default=lambda v: round(v, 2) if isinstance(v, float) else str(v)))


if __name__ == "__main__":
    main()
