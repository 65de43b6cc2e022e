"""How long the daemon's event loop is held, measured from outside while it works.

A separate process keeps sending a request the daemon answers without touching
the database (`agent.state`) and times each round trip: while the loop is held,
the round trip in flight grows by as long as the hold. Its own process, so the
work of whoever drives the daemon (encoding a 50,000-number request, decoding
the reply) never shows up as the daemon's lag. Shared by the loop-lag test and
bench/loop_lag.py.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ccterm.daemon.ops import LEADS_PAGE_MAX, ROWS_MAX
from ccterm.settings import MAX_NAMES

# time.monotonic is CLOCK_MONOTONIC, the same in every process on the machine: the
# probe's samples line up with the windows the driver records.
_PROBE = r"""
import json, socket, sys, threading, time
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
replies = sock.makefile("rb")
samples = []
n = 0
print("ready", flush=True)
while not stop.is_set():
    n += 1
    t0 = time.monotonic()
    sock.sendall(b'{"id": %d, "op": "%s"}\n' % (n, sys.argv[2].encode()))
    if not replies.readline():
        break
    samples.append((t0, time.monotonic() - t0))
    time.sleep(0.002)
sys.stdout.write(json.dumps(samples))
"""


@dataclass(frozen=True)
class Lag:
    """Round trips of the probe that overlapped one window of work, in seconds."""

    samples: list[float]

    @property
    def max(self) -> float:
        return max(self.samples, default=0.0)

    @property
    def p99(self) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else 0.0


class LagProbe:
    """`with LagProbe(socket) as probe:` ... then `probe.during(t0, t1)` per window of work.

    `op` is the request the probe repeats: agent.state (the default) needs only the
    loop; status reads the database too, so it also waits while another request's
    transaction holds the store.
    """

    def __init__(self, socket: Path, op: str = "agent.state") -> None:
        self.socket = socket
        self.op = op
        self._proc: subprocess.Popen[str] | None = None
        self._samples: list[tuple[float, float]] = []

    def __enter__(self) -> LagProbe:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(self.socket), self.op],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        if self._proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the lag probe did not connect to the daemon")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self._proc is None:
            return
        out, _ = self._proc.communicate("", timeout=60)
        self._proc = None
        self._samples = [(float(t0), float(rtt)) for t0, rtt in json.loads(out or "[]")]

    def during(self, start: float, end: float) -> Lag:
        """Round trips in flight at any moment of [start, end] (monotonic seconds)."""
        return Lag([rtt for t0, rtt in self._samples if t0 <= end and t0 + rtt >= start])


def now() -> float:
    """The probe's time base, for the driver's windows."""
    return time.monotonic()


# -- the largest request each op that takes a list or a limit allows ----------------------

LIMITS = {  # the op's own cap on one request (ccterm/daemon ops), for a supervisor or admin
    "campaign.create": MAX_NAMES,  # names in a campaign's groups, agents or tags
    "import.rows": ROWS_MAX,
    "leads.list": LEADS_PAGE_MAX,
    "dnc.add": 50_000,
    "dnc.check": 10_000,
    "dnc.list": 100_000,
    "dnc.remove": 50_000,
}


@dataclass(frozen=True)
class Window:
    op: str
    start: float
    end: float
    detail: str
    result: Any

    @property
    def seconds(self) -> float:
        return self.end - self.start


def e164(i: int) -> str:
    return f"+4860{i:07d}"


def national(i: int) -> str:
    """The way people write it ("600 000 123"): every number goes through the parser."""
    digits = f"60{i:07d}"
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


async def biggest_requests(
    socket: Path, *, campaign: str = "lag", count: int = 50_000
) -> list[Window]:
    """Each op at its largest request, one after another, on `count` contacts: the windows."""
    from ccterm.client import DaemonClient

    windows: list[Window] = []
    async with DaemonClient(socket) as client:

        async def timed(op: str, args: dict[str, Any], detail: str) -> Any:
            t0 = now()
            result = await client.request(op, args)
            windows.append(Window(op, t0, now(), detail, result))
            return result

        names = [f"user{i}" for i in range(LIMITS["campaign.create"])]
        settings = {"groups": ["sales"], "agents": names, "tags": names}
        await timed("campaign.create", {"name": campaign, "settings": settings}, "1,000 names")
        begun = await client.request(
            "import.begin", {"campaign": campaign, "file_name": "lag.csv", "columns": ["note"]}
        )
        rows = [
            [i + 2, e164(i), f"Contact {i}", {"note": f"row {i}"}, "Europe/Warsaw", 0]
            for i in range(count)
        ]
        for k in range(0, count, LIMITS["import.rows"]):
            batch = rows[k : k + LIMITS["import.rows"]]
            await timed(
                "import.rows",
                {"import_id": begun["import_id"], "rows": batch},
                f"{len(batch):,} rows",
            )
        await timed(
            "import.commit",
            {"import_id": begun["import_id"], "rows": count, "invalid": 0, "duplicates": 0},
            f"{count:,} contacts",
        )
        await timed(
            "leads.list",
            {"campaign": campaign, "limit": LIMITS["leads.list"]},
            f"{LIMITS['leads.list']:,} rows",
        )
        await timed("report.campaign", {"name": campaign}, f"{count:,} leads")
        numbers = [national(i) for i in range(min(count, LIMITS["dnc.add"]))]
        await timed(
            "dnc.add", {"numbers": numbers, "reason": "lag test"}, f"{len(numbers):,} numbers"
        )
        checked = [national(i) for i in range(LIMITS["dnc.check"])]
        await timed("dnc.check", {"numbers": checked}, f"{len(checked):,} numbers")
        await timed("dnc.list", {"limit": LIMITS["dnc.list"]}, f"{len(numbers):,} entries")
        await timed("dnc.remove", {"numbers": numbers}, f"{len(numbers):,} numbers")
    return windows
