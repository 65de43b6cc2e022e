"""N bridged calls through the media loop: its CPU, RSS and the 20 ms spacing on the wire.

    .venv/bin/python bench/media_relay.py [--calls 10 25 50 100] [--seconds 10]

For each N, a child process runs ccterm's MediaEngine (the daemon's RTP path)
with N bridges (customer leg <-> agent leg), recording every bridge to WAV.
This process plays the 2N far ends: each sends one G.711 packet every 20 ms
and timestamps what comes back. Printed per N: the engine's CPU (% of one
core, from /proc), its RSS, and the p50/p99 error of the packet spacing it
produced against 20 ms. The baseline in the same run is this generator's own
send-spacing error (the noise of the measuring side on this shared machine).

What this does not cover (see the issue's note): SIP signalling and sipp
peers; those go through the SIP trunk and are measured separately (bench/sip_calls.py).
"""

from __future__ import annotations

import argparse
import itertools
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procstat import cpu_seconds, percentile, rss_mb

ENGINE = r"""
import sys, time
from pathlib import Path
from ccterm.sip.media import Law
from ccterm.sip.rtp import MediaEngine
pairs, seconds, rec = int(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3])
ports = [tuple(map(int, p.split(":"))) for p in sys.argv[4:]]
e = MediaEngine()
for n in range(pairs):
    (lc, pc), (la, pa) = ports[2 * n], ports[2 * n + 1]
    e.add_leg(f"c{n}", ("127.0.0.1", lc), ("127.0.0.1", pc), Law.PCMA)
    e.add_leg(f"a{n}", ("127.0.0.1", la), ("127.0.0.1", pa), Law.PCMU)
    e.connect(f"c{n}", f"a{n}"); e.connect(f"a{n}", f"c{n}")
    e.record(f"r{n}", rec / f"{n}.wav", f"c{n}", f"a{n}")
e.start()
print("ready", flush=True)
time.sleep(seconds)
e.stop()
"""


def free_ports(count: int) -> list[int]:
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def run(pairs: int, seconds: float) -> dict[str, float]:
    peers = []
    for _ in range(2 * pairs):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        peers.append(s)
    legs = free_ports(2 * pairs)
    args = [f"{leg}:{p.getsockname()[1]}" for leg, p in zip(legs, peers, strict=True)]
    with tempfile.TemporaryDirectory() as rec:
        child = subprocess.Popen(
            [sys.executable, "-c", ENGINE, str(pairs), str(seconds + 1), rec, *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        sel = selectors.DefaultSelector()
        for i, s in enumerate(peers):
            sel.register(s, selectors.EVENT_READ, i)
        arrivals: list[list[float]] = [[] for _ in peers]
        sends: list[float] = []
        payload = [b"\xd5" * 160, b"\xff" * 160]
        header = bytes([0x80, 8]) + bytes(10)
        cpu0, t0 = cpu_seconds(child.pid), time.monotonic()
        next_send, seq = t0, 0
        rss = 0.0
        while time.monotonic() - t0 < seconds:
            now = time.monotonic()
            if now >= next_send:
                sends.append(now)
                for i, s in enumerate(peers):
                    pt = 8 if i % 2 == 0 else 0
                    s.sendto(
                        bytes([0x80, pt]) + seq.to_bytes(2, "big") + header[4:] + payload[i % 2],
                        ("127.0.0.1", legs[i]),
                    )
                seq = (seq + 1) & 0xFFFF
                next_send += 0.02
            for key, _ in sel.select(max(0.0, next_send - time.monotonic())):
                s = key.fileobj
                while True:
                    try:
                        s.recv(2048)  # type: ignore[union-attr]
                    except BlockingIOError:
                        break
                    arrivals[key.data].append(time.monotonic())
        cpu = cpu_seconds(child.pid) - cpu0
        wall = time.monotonic() - t0
        rss = rss_mb(child.pid)
        child.wait(10)
    for s in peers:
        s.close()
    errors = [
        abs((b - a) - 0.02) * 1000
        for times in arrivals
        for a, b in itertools.pairwise(times[50:])  # skip the first second
    ]
    send_errors = [abs((b - a) - 0.02) * 1000 for a, b in itertools.pairwise(sends)]
    return {
        "cpu_pct": 100 * cpu / wall,
        "rss_mb": rss,
        "p50_ms": statistics.median(errors),
        "p99_ms": percentile(errors, 0.99),
        "base_p99_ms": percentile(send_errors, 0.99),
        "packets": float(len(errors)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    print(
        f"{'calls':>5} {'engine CPU':>11} {'RSS':>8} {'spacing err p50':>16} "
        f"{'p99':>8} {'generator p99 (baseline)':>25}"
    )
    for n in opts.calls:
        r = run(n, opts.seconds)
        print(
            f"{n:>5} {r['cpu_pct']:>10.1f}% {r['rss_mb']:>6.1f}MB {r['p50_ms']:>14.2f}ms "
            f"{r['p99_ms']:>6.2f}ms {r['base_p99_ms']:>23.2f}ms"
        )


if __name__ == "__main__":
    main()
