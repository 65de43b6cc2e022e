"""N bridged SIP calls through a real daemon: its CPU, RSS and the 20 ms spacing on the wire.

    .venv/bin/python bench/sip_calls.py [--calls 10 25 50 100] [--seconds 20]

For each N, fresh processes: a sipp trunk (registrar with digest auth; every
customer answers and talks, G.711 A-law, until we hang up), a sipp UAS for the
agents' desk phones (answers and echoes RTP, μ-law), and a real daemon on
`[trunk] kind = "sip"` with N agents (a00..) whose phones are direct URIs to
that sipp. One power-mode campaign; each agent logs in, the daemon rings the
agent's phone, then dials a customer for them and bridges customer ⇄ phone,
recording every call. Once the calls are up (or the ramp times out) all of
them are held for `--seconds` while tcpdump captures lo, then every agent
hangs up.

Printed per N: the calls actually bridged and how long the ramp took, the
daemon's CPU over the window (% of one core, utime+stime from /proc) and its
RSS at the end, and the p50/p99 of |interarrival - 20 ms| of the RTP packets
the daemon sends, per flow (first and last second of each flow left out). The
baseline from the same capture is the same error for the packets sipp's
customers send (sipp's own pcap pacing, on the same two shared cores). The
phones' echoed packets are not a baseline (they mirror our spacing) and are
left out. Where the daemon's CPU goes is shown per thread: the daemon runs
under a tiny wrapper that gives each OS thread its Python thread's name (one
prctl per thread start, nothing else).

The customers play a capture made here from sipp's g711a.pcap, re-cut into
20 ms packets (sipp's own capture has 30 ms ones at uneven spacing). Scenario
parts come from tests/integration/sipprig.py (so the venv needs the test extra).
Needs root, sipp (apt-get install sip-tester) and tcpdump (apt-get install tcpdump).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
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

from bench.procstat import cpu_seconds, cpu_seconds_of, percentile, rss_mb  # noqa: E402
from ccterm.client import DaemonClient  # noqa: E402
from ccterm.sip import media  # noqa: E402
from tests.integration.sipprig import (  # noqa: E402
    PASSWORD,
    PCAPS,
    USER,
    answer_and_echo,
    free_media_port,
    free_port,
    wait_bound,
)
from tests.integration.wire import rtp_pcap  # noqa: E402

FRAME = 0.020
TALK_LAW = 8  # customers speak A-law, the phones μ-law: the bridge transcodes
CALLER_ID = "+48221234567"

# The daemon's entry point with OS thread names set from Python's, so /proc shows them.
WRAPPER = r"""
import ctypes, sys, threading
_prctl = ctypes.CDLL(None).prctl
_inner = threading.Thread._bootstrap_inner
def _named(self):
    name = self.name
    if "(" in name:  # "Thread-3 (recv_loop)": the target says more than the number
        name = name[name.index("(") + 1 : -1]
    _prctl(15, name.encode()[:15], 0, 0, 0)
    _inner(self)
threading.Thread._bootstrap_inner = _named
sys.argv[0] = "ccterm"
from ccterm.cli import main
main()
"""


# -- the peers --------------------------------------------------------------------------


def talk_pcap(path: Path, seconds: float) -> None:
    """sipp's G.711 A-law speech re-cut into 20 ms packets (its capture has 30 ms ones), looped."""
    raw = (PCAPS / "g711a.pcap").read_bytes()
    speech = bytearray()
    offset = 24
    while offset + 16 <= len(raw):
        incl = struct.unpack_from("<I", raw, offset + 8)[0]
        packet = raw[offset + 16 : offset + 16 + incl]
        speech += packet[14 + 20 + 8 + 12 :]  # Ethernet, IPv4, UDP, RTP header
        offset += 16 + incl
    frames = [bytes(speech[i : i + 160]) for i in range(0, len(speech) - 159, 160)]
    rtp_pcap(path, [frames[n % len(frames)] for n in range(int(seconds / FRAME))], TALK_LAW)


def talk_scenario(pcap: Path, loop_ms: int) -> str:
    """The trunk: registrar, and customers who answer and talk until we send BYE."""
    text = answer_and_echo()
    before = '  <recv request="ACK"/>\n  <recv request="BYE"/>\n'
    after = (
        '  <recv request="ACK"/>\n  <label id="talk"/>\n'
        f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
        f'  <recv request="BYE" timeout="{loop_ms}" ontimeout="talk"/>\n'
    )
    if text.count(before) != 1:
        raise SystemExit("tests/integration/sipprig.py changed: cannot build the talk scenario")
    return text.replace(before, after)


def start_sipp(
    workdir: Path, scenario: str, port: int, media_port: int, keys: dict[str, str], echo: bool
) -> subprocess.Popen[bytes]:
    workdir.mkdir(parents=True)
    (workdir / "scenario.xml").write_text(scenario)
    args = ["sipp", "-sf", "scenario.xml", "-i", "127.0.0.1", "-p", str(port)]
    args += ["-mi", "127.0.0.1", "-mp", str(media_port), "-nostdin", "-d", "300"]
    args += ["-l", "10000", "-s", "ccterm", "-trace_err", "-error_file", "errors.log"]
    values = {"user": USER, "pass": PASSWORD, "expires": "60", **keys}
    for key, value in values.items():
        args += ["-key", key, value]
    if echo:
        args.append("-rtp_echo")
    proc = subprocess.Popen(
        args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=(workdir / "stderr.log").open("wb")
    )
    wait_bound("127.0.0.1", port, proc)
    return proc


def stop(proc: subprocess.Popen[Any], timeout: float = 5) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def rtp_range(count: int) -> tuple[int, int]:
    """`count` consecutive free UDP ports below the kernel's ephemeral range."""
    for _ in range(50):
        low = random.randrange(16000, 30000 - count) & ~1
        socks = []
        try:
            for port in range(low, low + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return low, low + count - 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free range of RTP ports")


# -- the daemon ---------------------------------------------------------------------------


def config_text(calls: int, trunk_port: int, phone_port: int, rtp: tuple[int, int]) -> str:
    users = "".join(
        f'\n[[users]]\nname = "a{n:02d}"\nrole = "agent"\ngroup = "bench"\n'
        f'phone = "sip:a{n:02d}@127.0.0.1:{phone_port}"\n'
        for n in range(calls)
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
caller_id = "{CALLER_ID}"
max_lines = {calls + 10}
expires = 60

[dialer]
region = "PL"
allowed_countries = ["PL"]
calling_hours = ["00:00", "24:00"]
{users}"""


def thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    out: dict[int, tuple[str, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            out[int(task.name)] = (name, cpu_seconds_of(task / "stat"))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def by_thread(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], wall: float
) -> dict[str, float]:
    """% of one core per thread name (numbers folded: ccterm-sip_0..3 -> ccterm-sip_N)."""
    shares: dict[str, float] = defaultdict(float)
    for tid, (name, cpu) in after.items():
        spent = cpu - before.get(tid, (name, 0.0))[1]
        if spent > 0:
            shares[re.sub(r"\d+", "N", name)] += 100 * spent / wall
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


# -- the wire -----------------------------------------------------------------------------

LINK_HEADER = {1: 14, 0: 4, 113: 16, 276: 20}  # Ethernet, BSD loopback, Linux SLL, SLL2


def read_pcap(path: Path) -> dict[tuple[int, int], list[float]]:
    """RTP (v2, PCMU/PCMA) packets by (source port, destination port): capture times in s."""
    data = path.read_bytes()
    if len(data) < 24:
        return {}
    magic = struct.unpack_from("<I", data)[0]
    order, scale = {
        0xA1B2C3D4: ("<", 1e-6),
        0xA1B23C4D: ("<", 1e-9),
        0xD4C3B2A1: (">", 1e-6),
        0x4D3CB2A1: (">", 1e-9),
    }[magic]
    link = struct.unpack_from(order + "I", data, 20)[0]
    skip = LINK_HEADER[link]
    record = struct.Struct(order + "IIII")
    flows: dict[tuple[int, int], list[float]] = defaultdict(list)
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, incl, _ = record.unpack_from(data, offset)
        start = offset + 16
        offset = start + incl
        ip = start + skip
        if incl < skip + 20 + 8 + 12 or data[ip] >> 4 != 4 or data[ip + 9] != 17:
            continue
        udp = ip + (data[ip] & 0x0F) * 4
        sport, dport = struct.unpack_from("!HH", data, udp)
        version, pt = data[udp + 8] >> 6, data[udp + 9] & 0x7F
        if version == 2 and pt in (0, 8):
            flows[(sport, dport)].append(sec + frac * scale)
    return flows


def spacing_errors(times: list[float]) -> list[float]:
    """|interarrival - 20 ms| in ms, the first and last second of the flow left out."""
    if len(times) < 3:
        return []
    kept = [t for t in times if times[0] + 1 <= t <= times[-1] - 1]
    return [abs((b - a) - FRAME) * 1000 for a, b in itertools.pairwise(kept)]


def both_sides_heard(path: Path) -> bool:
    """Speech on both channels (customer left, agent right) in most 20 ms frames of the middle."""
    with wave.open(str(path)) as wav:
        frames = wav.getnframes()
        wav.setpos(frames // 2 - min(frames // 4, 8000))
        pcm = array.array("h", wav.readframes(min(frames // 2, 16000)))
    if len(pcm) < 2 * 160 * 10:
        return False
    for channel in (pcm[0::2], pcm[1::2]):
        chunks = [channel[i : i + 160].tobytes() for i in range(0, len(channel) - 159, 160)]
        if sum(media.rms(c) > 200 for c in chunks) < 0.5 * len(chunks):
            return False
    return True


# -- one run ------------------------------------------------------------------------------


async def prepare(socket_path: Path, contacts: int) -> None:
    async with DaemonClient(socket_path) as c:
        await c.request(
            "campaign.create",
            {"name": "bench", "settings": {"groups": ["bench"], "mode": "power"}},
        )
        begun = await c.request(
            "import.begin", {"campaign": "bench", "file_name": "b", "columns": []}
        )
        rows = [
            [i + 2, f"+48601{200000 + i:06d}", f"Contact {i}", {}, "Europe/Warsaw", 0]
            for i in range(contacts)
        ]
        await c.request("import.rows", {"import_id": begun["import_id"], "rows": rows})
        await c.request(
            "import.commit",
            {"import_id": begun["import_id"], "rows": contacts, "invalid": 0, "duplicates": 0},
        )


async def states(agents: list[DaemonClient]) -> list[dict[str, Any]]:
    replies = await asyncio.gather(*(a.request("agent.state") for a in agents))
    return [r["agent"] for r in replies]


async def drive(
    work: Path,
    daemon: subprocess.Popen[bytes],
    calls: int,
    seconds: float,
    ramp_limit: float,
    rtp: tuple[int, int],
    peers: dict[str, int],
) -> dict[str, Any]:
    sock = work / "s.sock"
    for _ in range(400):
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited at start ({daemon.returncode})")
        if sock.exists():
            try:
                async with DaemonClient(sock) as c:
                    await c.request("status")
                break
            except Exception:
                pass
        await asyncio.sleep(0.05)
    async with DaemonClient(sock) as c:
        deadline = time.monotonic() + 30
        while (await c.request("status"))["trunk"]["state"] != "up":
            if time.monotonic() > deadline:
                raise RuntimeError("the trunk did not register in 30 s")
            await asyncio.sleep(0.1)
    await prepare(sock, 3 * calls)
    agents = []
    t0 = time.monotonic()
    for n in range(calls):
        client = DaemonClient(sock)
        await client.connect()
        await client.hello(act_as=f"a{n:02d}", client="bench")
        await client.request("agent.login", {"campaign": "bench"})
        agents.append(client)
    # The ramp: phones ring and answer, the power dialer calls customers. An agent whose
    # phone went down (rang out) presses r, as on the desk.
    rerings = 0
    best, best_at = 0, t0
    while True:
        now = await states(agents)
        bridged = sum(a["status"] == "on_call" for a in now)
        if bridged > best:
            best, best_at = bridged, time.monotonic()
        if bridged == calls or time.monotonic() - t0 > ramp_limit:
            break
        for client, state in zip(agents, now, strict=True):
            if state["status"] == "paused" and str(state["phone"]).startswith("down"):
                rerings += 1
                await client.request("agent.phone")
        await asyncio.sleep(0.5)
    ramp = best_at - t0 if best == calls else None  # None: the ramp timed out
    phases: dict[str, int] = defaultdict(int)
    for a in now:
        phases[f"{a['status']}/{a['phone']}"] += 1
    await asyncio.sleep(1.0)  # let the last bridges settle
    bridged = sum(a["status"] == "on_call" for a in await states(agents))
    low, high = rtp
    pcap = work / "wire.pcap"
    dump = await asyncio.create_subprocess_exec(
        "tcpdump",
        "-i",
        "lo",
        "-B",
        "16384",
        "-s",
        "96",
        "-n",
        "--time-stamp-precision",
        "nano",
        "-w",
        str(pcap),
        "udp",
        "and",
        "portrange",
        f"{low}-{high}",
        stderr=asyncio.subprocess.PIPE,
    )
    assert dump.stderr is not None
    line = await asyncio.wait_for(dump.stderr.readline(), 10)
    if b"listening" not in line:
        raise RuntimeError(f"tcpdump: {line.decode(errors='replace')}")
    await asyncio.sleep(0.2)
    threads0 = thread_cpu(daemon.pid)
    peers0 = {name: cpu_seconds(pid) for name, pid in peers.items()}
    cpu0, w0 = cpu_seconds(daemon.pid), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = cpu_seconds(daemon.pid) - cpu0, time.monotonic() - w0
    threads = by_thread(threads0, thread_cpu(daemon.pid), wall)
    peer_cpu = {name: 100 * (cpu_seconds(pid) - peers0[name]) / wall for name, pid in peers.items()}
    rss = rss_mb(daemon.pid)
    await asyncio.sleep(0.2)
    dump.send_signal(signal.SIGINT)
    tail = (await asyncio.wait_for(dump.stderr.read(), 20)).decode(errors="replace")
    await dump.wait()
    dropped = re.search(r"(\d+) packets? dropped by kernel", tail)
    held = sum(a["status"] == "on_call" for a in await states(agents))
    for client in agents:
        with contextlib.suppress(Exception):  # not on a call (never bridged)
            await client.request("call.hangup")
    await asyncio.sleep(1.0)
    for client in agents:
        await client.close()
    return {
        "bridged": bridged,
        "held": held,
        "ramp_s": ramp,
        "rerings": rerings,
        "phases": dict(phases),
        "cpu_pct": 100 * cpu / wall,
        "rss_mb": rss,
        "threads": threads,
        "peer_cpu": peer_cpu,
        "wall": wall,
        "pcap": pcap,
        "kernel_dropped": int(dropped.group(1)) if dropped else -1,
    }


def run(calls: int, seconds: float, ramp_limit: float, keep: bool) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ccterm-sipbench-"))
    trunk_port, phone_port = free_port(), free_port()
    trunk_media, phone_media = free_media_port(), free_media_port()
    rtp = rtp_range(4 * calls + 40)
    hold = ramp_limit + seconds + 60
    talk_pcap(work / "talk.pcap", min(hold, 600))
    peers: list[subprocess.Popen[bytes]] = []
    daemon: subprocess.Popen[bytes] | None = None
    ok = False
    try:
        peers.append(
            start_sipp(
                work / "trunk",
                talk_scenario(work / "talk.pcap", int(min(hold, 600) * 1000)),
                trunk_port,
                trunk_media,
                {"law": str(TALK_LAW), "lawname": "PCMA"},
                echo=False,
            )
        )
        peers.append(
            start_sipp(
                work / "phones",
                answer_and_echo(),
                phone_port,
                phone_media,
                {"law": "0", "lawname": "PCMU"},
                echo=True,
            )
        )
        (work / "config.toml").write_text(config_text(calls, trunk_port, phone_port, rtp))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        daemon = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, "daemon", "--config", str(work / "config.toml")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(work / "daemon.log").open("wb"),
        )
        result = asyncio.run(
            drive(
                work,
                daemon,
                calls,
                seconds,
                ramp_limit,
                rtp,
                {"sipp customers": peers[0].pid, "sipp phones": peers[1].pid},
            )
        )
        daemon.terminate()
        daemon.wait(30)
        result["daemon_exit"] = daemon.returncode
        wavs = sorted((work / "rec").rglob("*.wav"))
        result["recordings"] = len(wavs)
        result["heard_both"] = sum(both_sides_heard(p) for p in wavs)
        flows = read_pcap(result.pop("pcap"))
        low, high = rtp
        ours = [t for (s, _), t in flows.items() if low <= s <= high]
        sipps = [t for (s, d), t in flows.items() if s == trunk_media and low <= d <= high]
        echoes = [t for (s, d), t in flows.items() if s == phone_media and low <= d <= high]
        ours_err = [e for t in ours for e in spacing_errors(t)]
        base_err = [e for t in sipps for e in spacing_errors(t)]
        result.update(
            calls=calls,
            flows=len(ours),
            sipp_flows=len(sipps),
            echo_flows=len(echoes),
            pps=statistics.median((len(t) - 1) / (t[-1] - t[0]) for t in ours if len(t) > 1)
            if ours
            else 0.0,
            p50_ms=statistics.median(ours_err) if ours_err else float("nan"),
            p99_ms=percentile(ours_err, 0.99),
            max_ms=max(ours_err, default=float("nan")),
            base_p50_ms=statistics.median(base_err) if base_err else float("nan"),
            base_p99_ms=percentile(base_err, 0.99),
            late_share=sum(e > 10 for e in ours_err) / max(1, len(ours_err)),
        )
        log = (work / "daemon.log").read_text(errors="replace").splitlines()
        result["daemon_log_lines"] = len(log)
        result["daemon_log_tail"] = log[-5:]
        ok = True
        return result
    except BaseException:
        print(f"\nN={calls}: failed; work directory kept: {work}", file=sys.stderr)
        log_file = work / "daemon.log"
        if log_file.exists():
            print("daemon log (tail):", file=sys.stderr)
            for line in log_file.read_text(errors="replace").splitlines()[-30:]:
                print("  " + line, file=sys.stderr)
        raise
    finally:
        if daemon is not None:
            stop(daemon, 30)
        for peer in peers:
            stop(peer)
        if ok and not keep:
            shutil.rmtree(work, ignore_errors=True)
        elif ok:
            print(f"N={calls}: work directory kept: {work}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window")
    parser.add_argument(
        "--ramp-timeout", type=float, default=180.0, help="seconds to wait for N bridged calls"
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's directory")
    opts = parser.parse_args()
    missing = [tool for tool in ("sipp", "tcpdump") if shutil.which(tool) is None]
    if missing:
        print(
            f"sip_calls: needs {' and '.join(missing)}: apt-get install -y"
            f" {' '.join({'sipp': 'sip-tester', 'tcpdump': 'tcpdump'}[t] for t in missing)}",
            file=sys.stderr,
        )
        sys.exit(2)
    if os.geteuid() != 0:
        print("sip_calls: run as root (tcpdump on lo, sipp's raw RTP sockets)", file=sys.stderr)
        sys.exit(2)
    print(
        f"{'N':>4} {'bridged':>8} {'ramp':>6} {'daemon CPU':>11} {'RSS':>8}"
        f" {'ours p50':>9} {'p99':>7} {'sipp p50':>9} {'p99':>7}  (spacing error, ms)",
        flush=True,
    )
    results = []
    for n in opts.calls:
        r = run(n, opts.seconds, opts.ramp_timeout, opts.keep)
        results.append(r)
        ramp = f"{r['ramp_s']:.1f}s" if r["ramp_s"] is not None else f">{opts.ramp_timeout:.0f}s"
        print(
            f"{n:>4} {r['bridged']:>4}/{n:<3} {ramp:>6} {r['cpu_pct']:>10.1f}%"
            f" {r['rss_mb']:>6.1f}MB {r['p50_ms']:>9.2f} {r['p99_ms']:>7.2f}"
            f" {r['base_p50_ms']:>9.2f} {r['base_p99_ms']:>7.2f}",
            flush=True,
        )
        top = ", ".join(f"{name} {share:.0f}%" for name, share in list(r["threads"].items())[:5])
        print(
            f"{'':>6}held to the end {r['held']}, recorded {r['recordings']}"
            f" ({r['heard_both']} with both sides heard), RTP flows: daemon sends {r['flows']}"
            f" ({r['pps']:.1f} pkt/s each), customers {r['sipp_flows']}, phones' echo"
            f" {r['echo_flows']}; >10 ms late"
            f" {r['late_share']:.2%}, max {r['max_ms']:.1f} ms, re-rung phones {r['rerings']},"
            f" tcpdump dropped {r['kernel_dropped']}; CPU by thread: {top}",
            flush=True,
        )
        others = ", ".join(f"{k} {v:.0f}%" for k, v in r["peer_cpu"].items())
        print(f"{'':>6}the peers' CPU over the window: {others}", flush=True)
        if r["daemon_exit"] != 0:
            print(f"{'':>6}the daemon exited with {r['daemon_exit']} on SIGTERM", flush=True)
        if r["ramp_s"] is None or r["bridged"] < n:
            print(f"{'':>6}at the ramp's end: {r['phases']}", flush=True)
        if r["daemon_log_lines"]:
            print(f"{'':>6}daemon log: {r['daemon_log_lines']} lines, last:", flush=True)
            for line in r["daemon_log_tail"]:
                print(f"{'':>8}{line[:200]}", flush=True)
    for r in results:
        if r["calls"] == 50:
            verdict = "met" if r["bridged"] == 50 and r["p99_ms"] < 10 else "NOT met"
            print(f"aim (50 bridged calls, p99 spacing error < 10 ms): {verdict}")
    keys = (
        "calls",
        "bridged",
        "held",
        "recordings",
        "heard_both",
        "ramp_s",
        "cpu_pct",
        "rss_mb",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "base_p50_ms",
        "base_p99_ms",
        "flows",
        "sipp_flows",
        "echo_flows",
        "pps",
        "kernel_dropped",
    )
    print(
        json.dumps(
            [
                {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items() if k in keys}
                | {"threads": {k: round(v, 1) for k, v in r["threads"].items()}}
                | {"peers": {k: round(v, 1) for k, v in r["peer_cpu"].items()}}
                for r in results
            ]
        )
    )


if __name__ == "__main__":
    main()
