"""How long one request holds the daemon's event loop: max / p99 lag per op, at its largest.

    .venv/bin/python bench/loop_lag.py [--contacts 50000] [--runs 3]

A real daemon (its own process, simulated trunk) with N contacts in a campaign.
Each op that takes a list or a limit is sent at the largest request it allows
(import.rows 10,000 rows, leads.list 10,000, dnc.add and dnc.remove 50,000
numbers written the way people write them, dnc.check 10,000, dnc.list a page of 10,000),
one after another, while a separate process keeps asking the daemon for
something it answers without the database (agent.state) and times each round
trip. A round trip that overlaps the request grows by as long as the loop is
held. The baseline, in the same run, is the probe's round trip while the daemon
idles. Per op: the request's own seconds, and the probe's median, p99 and max
round trip while it ran; then the longest round trip of a second probe that
asks for `status` (it reads the database, so it also waits for another
request's transaction: what a disposition would wait). Medians over the runs,
a fresh daemon each. The target is a loop max under 50 ms; systemd's watchdog
restarts the daemon at 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lagprobe import LagProbe, biggest_requests, now  # noqa: E402

CONFIG = """\
[daemon]
socket = "s.sock"
database = "c.db"
recordings = "rec"
log_level = "warning"
[trunk]
kind = "sim"
[dialer]
region = "PL"
"""


def start_daemon(work: Path) -> subprocess.Popen[bytes]:
    (work / "config.toml").write_text(CONFIG)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccterm", "daemon", "--config", str(work / "config.toml")],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        if (work / "s.sock").exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the daemon did not start")


@dataclass(frozen=True)
class Figures:
    detail: str
    seconds: float  # the request's own round trip
    median: float  # the loop probe's round trips while it ran
    p99: float
    max: float
    store_max: float  # the store probe's longest round trip while it ran


def one_run(contacts: int) -> dict[str, Figures]:
    """op -> its figures, on one fresh daemon."""
    with tempfile.TemporaryDirectory(prefix="ccterm-lag-") as tmp:
        work = Path(tmp)
        daemon = start_daemon(work)
        try:
            with LagProbe(work / "s.sock") as loop, LagProbe(work / "s.sock", "status") as store:
                idle_start = now()
                time.sleep(2.0)
                idle_end = now()
                windows = asyncio.run(biggest_requests(work / "s.sock", count=contacts))
            spans = [("(idle)", "baseline", idle_start, idle_end)]
            spans += [(w.op, w.detail, w.start, w.end) for w in windows]
            out = {}
            for op, detail, start, end in spans:
                lag = loop.during(start, end)
                waited = store.during(start, end).max
                out[op] = Figures(detail, end - start, lag.median, lag.p99, lag.max, waited)
            return out
        finally:
            daemon.terminate()
            daemon.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.contacts) for _ in range(args.runs)]
    print(
        f"{'op':<16} {'request':<17} {'seconds':>8} {'loop med':>9} {'p99':>7} {'max':>8}"
        f" {'store max':>10}   ms; medians of {args.runs} runs; max loop lag target 50 ms"
    )
    for op, first in runs[0].items():

        def med(field: str, op: str = op) -> float:
            return float(statistics.median(getattr(r[op], field) for r in runs))

        print(
            f"{op:<16} {first.detail:<17} {med('seconds'):>8.2f} {med('median') * 1e3:>9.1f}"
            f" {med('p99') * 1e3:>7.1f} {med('max') * 1e3:>8.1f} {med('store_max') * 1e3:>10.1f}"
        )


if __name__ == "__main__":
    main()
