"""50 agents and 5 monitors on one daemon: an agent's state change to every monitor, and CPU.

    .venv/bin/python bench/monitor.py [--agents 50] [--monitors 5] [--seconds 20]

A real daemon (its own process, simulated trunk) runs a power-dialing campaign
for N agent clients (root acting as them, as bench/agents.py does), who dispose
each call after a short think, while this script also pauses and readies random
free agents (`agent.pause` / `agent.ready`, one every `--toggle` s). M monitor
clients, each its own process, act as the group's supervisors and subscribe to
events, as `ccterm monitor` does; each notes when every `agent.changed` arrives.

Two latencies, over every change in the window:
- floor → monitor: the arrival time minus the event's `since`, the floor's own
  time of the change (the daemon's clock is this machine's: same host);
- request → monitor: the harness's pause/ready sent → that state's event at the monitor.

The daemon's CPU is measured with and without the monitors in one run, in three
windows: without, with, without again (the two "without" averaged), under the same
dialing and toggling. Where `ccterm monitor` exists (ccterm/screens/monitor*.py),
`--screen` runs it in a pseudo-terminal beside the clients and reports its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import cpu_seconds, percentile  # noqa: E402
from ccterm.client import DaemonClient  # noqa: E402
from ccterm.errors import CctermError  # noqa: E402

SIM = """
[sim]
seed = 7
p_human = 0.6
p_machine = 0.0
p_busy = 0.4
p_invalid = 0.0
answer_min = 1.0
answer_max = 4.0
busy_seconds = 1.0
talk_mean = 8.0
"""


def config_text(agents: int, monitors: int) -> str:
    users = "".join(
        f'\n[[users]]\nname = "a{n:02d}"\nrole = "agent"\ngroup = "bench"\n' for n in range(agents)
    ) + "".join(
        f'\n[[users]]\nname = "s{n}"\nrole = "supervisor"\ngroup = "bench"\n'
        for n in range(monitors)
    )
    return (
        '[daemon]\nsocket = "s.sock"\ndatabase = "c.db"\nrecordings = "rec"\n'
        'log_level = "warning"\n[trunk]\nkind = "sim"\nmax_lines = 500\ncalls_per_second = 50\n'
        '[dialer]\nregion = "PL"\ncalling_hours = ["00:00", "24:00"]\n' + SIM + users
    )


# -- a monitor: its own process -----------------------------------------------------------


async def monitor_main(socket: Path, name: str, out: Path) -> None:
    """Subscribe as supervisor `name`, note each agent.changed's arrival until SIGTERM."""
    client = DaemonClient(socket)
    await client.connect()
    await client.hello(act_as=name, client="bench-monitor")
    await client.request("agents.list")  # what a wallboard loads first
    seen: list[tuple[float, str, str, float]] = []  # arrival, agent, status, since
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def read() -> None:
        async for frame in client.events():
            if frame["event"] == "agent.changed":
                d = frame["data"]
                seen.append((time.time(), d["name"], d["status"], d["since"]))

    reader = asyncio.create_task(read())
    print("ready", flush=True)
    await stop.wait()
    reader.cancel()
    await client.close()
    await asyncio.to_thread(out.write_text, json.dumps(seen))


# -- the agents and the harness's own changes ----------------------------------------------


class Floor:
    """The agents' clients; each disposes its calls in wrap-up, as a person would."""

    def __init__(self, socket: Path, rng: random.Random) -> None:
        self.socket = socket
        self.rng = rng
        self.clients: dict[str, DaemonClient] = {}
        self.status: dict[str, str] = {}
        self.sent: list[tuple[float, str, str]] = []  # request sent (wall), agent, pause|ready
        self.tasks: set[asyncio.Task[Any]] = set()

    async def join(self, name: str) -> None:
        client = DaemonClient(self.socket)
        await client.connect()
        await client.hello(act_as=name, client="bench")
        await client.request("agent.login", {"campaign": "bench"})
        self.clients[name] = client
        self.spawn(self.follow(name, client))
        await client.request("agent.ready")

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def follow(self, name: str, client: DaemonClient) -> None:
        async for frame in client.events():
            if frame["event"] != "agent.changed" or frame["data"]["name"] != name:
                continue
            data = frame["data"]
            self.status[name] = data["status"]
            if data["status"] == "wrapup" and data.get("call") and data["call"].get("lead_id"):
                self.spawn(self.dispose(client, data["call"]["lead_id"]))

    async def dispose(self, client: DaemonClient, lead_id: int) -> None:
        await asyncio.sleep(self.rng.uniform(0.3, 1.5))
        code = self.rng.choice(["done", "done", "no_answer", "voicemail"])
        with contextlib.suppress(CctermError):  # wrap-up ran out first: the daemon disposed
            await client.request("disposition.set", {"lead_id": lead_id, "code": code})

    async def toggle(self, every: float) -> None:
        """Pause a random free agent, and ready them again a moment later."""
        while True:
            await asyncio.sleep(every)
            free = [n for n, s in self.status.items() if s in ("ready", "dialing")]
            if free:
                self.spawn(self.pause_then_ready(self.rng.choice(free)))

    async def pause_then_ready(self, name: str) -> None:
        client = self.clients[name]
        self.status[name] = "pausing"  # not picked twice
        try:
            self.sent.append((time.time(), name, "pause"))
            await client.request("agent.pause", {"reason": "bench"})
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
            self.sent.append((time.time(), name, "ready"))
            await client.request("agent.ready")
        except CctermError:
            pass


# -- the figures --------------------------------------------------------------------------


def floor_latencies(seen: list[list[Any]], start: float, end: float) -> list[float]:
    """Arrival minus the floor's time of the change, once per change (a new `since`)."""
    last: dict[str, float] = {}
    out = []
    for arrival, agent, _status, since in seen:
        if last.get(agent) != since:
            last[agent] = since
            if start <= since < end:
                out.append(arrival - since)
    return out


def request_latencies(
    seen: list[list[Any]], sent: list[tuple[float, str, str]], start: float, end: float
) -> list[float]:
    """The harness's request → the first event at this monitor showing that state."""
    by_agent: dict[str, list[list[Any]]] = {}
    for event in seen:
        by_agent.setdefault(event[1], []).append(event)
    out = []
    for at, agent, kind in sent:
        if not start <= at < end:
            continue
        for arrival, _a, status, _since in by_agent.get(agent, []):
            if arrival < at:
                continue
            if (kind == "pause" and status == "paused") or (
                kind == "ready" and status in ("ready", "dialing", "on_call")
            ):
                out.append(arrival - at)
                break
    return out


def screen_process(cfg: Path) -> subprocess.Popen[bytes] | None:
    """HOOK for the Textual `ccterm monitor` (issue 15's screen, built elsewhere): run it in a
    200x50 pseudo-terminal as root (an admin: it sees everything); None where it is absent."""
    if not list((ROOT / "ccterm" / "screens").glob("monitor*.py")):
        return None
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccterm", "monitor", "--config", str(cfg)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    os.close(slave)

    def drain() -> None:  # a terminal nobody reads would block the screen's writes
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    return proc


def ms(values: list[float]) -> str:
    if not values:
        return "    -  /    -  "
    return f"{statistics.median(values) * 1e3:6.1f} / {percentile(values, 0.99) * 1e3:6.1f}"


# -- the run ------------------------------------------------------------------------------


async def prepare(socket: Path, contacts: int) -> None:
    async with DaemonClient(socket) as c:
        settings = {"groups": ["bench"], "mode": "power", "wrapup_seconds": 30}
        await c.request("campaign.create", {"name": "bench", "settings": settings})
        begun = await c.request(
            "import.begin", {"campaign": "bench", "file_name": "b", "columns": []}
        )
        rows = [
            [i + 2, f"+4850{i:07d}", f"Contact {i}", {}, "Europe/Warsaw", 0]
            for i in range(contacts)
        ]
        for k in range(0, contacts, 5000):
            await c.request(
                "import.rows", {"import_id": begun["import_id"], "rows": rows[k : k + 5000]}
            )
        await c.request(
            "import.commit",
            {"import_id": begun["import_id"], "rows": contacts, "invalid": 0, "duplicates": 0},
        )
        with contextlib.suppress(CctermError):  # running already
            await c.request("campaign.start", {"name": "bench"})


async def start_monitors(socket: Path, work: Path, count: int) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        proc = subprocess.Popen(  # noqa: ASYNC220 - started between the windows
            [
                sys.executable,
                __file__,
                "--monitor-as",
                f"s{n}",
                "--socket",
                str(socket),
                "--out",
                str(work / f"m{n}.json"),
            ],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        procs.append(proc)
    for proc in procs:
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        assert line.strip() == b"ready", line
    return procs


async def window(
    daemon: int, seconds: float, others: list[int]
) -> tuple[float, float, list[float]]:
    """(start, daemon CPU share, each other process's CPU share) over `seconds`."""
    c0, o0, t0 = cpu_seconds(daemon), [cpu_seconds(p) for p in others], time.time()
    await asyncio.sleep(seconds)
    wall = time.time() - t0
    shares = [(cpu_seconds(p) - o) / wall for p, o in zip(others, o0, strict=True)]
    return t0, (cpu_seconds(daemon) - c0) / wall, shares


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ccterm-bench-") as tmp:
        work = Path(tmp)
        cfg = work / "config.toml"
        cfg.write_text(config_text(args.agents, args.monitors))
        daemon = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
            [sys.executable, "-m", "ccterm", "daemon", "--config", str(cfg)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = work / "s.sock"
        floor = Floor(socket, random.Random(1))
        try:
            for _ in range(200):
                if socket.exists():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            await prepare(socket, args.contacts)
            await asyncio.gather(*[floor.join(f"a{n:02d}") for n in range(args.agents)])
            floor.spawn(floor.toggle(args.toggle))
            await asyncio.sleep(3)  # the dialing settles
            _, without1, _ = await window(daemon.pid, args.seconds, [])
            monitors = await start_monitors(socket, work, args.monitors)
            screen = screen_process(cfg) if args.screen else None
            watched = [m.pid for m in monitors] + ([screen.pid] if screen else [])
            await asyncio.sleep(1)
            start, with_, shares = await window(daemon.pid, args.seconds, watched)
            end = time.time()
            for proc in monitors + ([screen] if screen else []):
                proc.send_signal(signal.SIGTERM)
            for proc in monitors + ([screen] if screen else []):
                await asyncio.to_thread(proc.wait, 15)
            _, without2, _ = await window(daemon.pid, args.seconds, [])
        finally:
            for task in list(floor.tasks):
                task.cancel()
            for client in floor.clients.values():
                await client.close()
            daemon.terminate()
            daemon.wait(15)
        seen = [json.loads((work / f"m{n}.json").read_text()) for n in range(args.monitors)]
    report(args, floor, seen, start, end, (without1 + without2) / 2, with_, shares, screen)


def report(
    args: argparse.Namespace,
    floor: Floor,
    seen: list[list[list[Any]]],
    start: float,
    end: float,
    without: float,
    with_: float,
    shares: list[float],
    screen: subprocess.Popen[bytes] | None,
) -> None:
    by_floor = [x for s in seen for x in floor_latencies(s, start, end)]
    by_request = [x for s in seen for x in request_latencies(s, floor.sent, start, end)]
    changes = len(floor_latencies(seen[0], start, end)) if seen else 0
    requests = sum(1 for at, _a, _k in floor.sent if start <= at < end)
    monitor_cpu = shares[: args.monitors]
    print(
        f"{args.agents} agents (power dialing, simulated trunk), {args.monitors} monitors,"
        f" {args.seconds:.0f} s windows; with monitors: {changes} state changes"
        f" ({changes / (end - start):.0f}/s, {requests} of them pause/ready by the harness),"
        f" {len(by_floor)} deliveries"
    )
    states: dict[str, int] = {}
    last: dict[str, float] = {}
    for _arrival, agent, status, since in seen[0] if seen else []:
        if last.get(agent) != since and start <= since < end:
            states[status] = states.get(status, 0) + 1
        last[agent] = since
    print("  changes by new state: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    print(f"{'agent state change -> agent.changed at every monitor':54} {'p50 / p99 ms':>15}")
    print(f"{'  from the floor time of the change (since)':54} {ms(by_floor)}")
    print(f"{'  from the harness pause/ready request sent':54} {ms(by_request)}")
    print(f"daemon CPU, % of one core: without monitors {without:.1%}, with {with_:.1%}")
    print(
        "monitor clients (raw, events only), % of one core each: "
        + ", ".join(f"{s:.1%}" for s in monitor_cpu)
    )
    if screen is not None:
        print(f"ccterm monitor screen (200x50, pty), % of one core: {shares[-1]:.1%}")
    else:
        print("ccterm monitor screen: not measured (--screen, and ccterm/screens/monitor*.py)")
    result = {
        "floor_p50_ms": round(statistics.median(by_floor) * 1e3, 2) if by_floor else None,
        "floor_p99_ms": round(percentile(by_floor, 0.99) * 1e3, 2) if by_floor else None,
        "request_p50_ms": round(statistics.median(by_request) * 1e3, 2) if by_request else None,
        "request_p99_ms": round(percentile(by_request, 0.99) * 1e3, 2) if by_request else None,
        "changes": changes,
        "daemon_cpu_without": round(without, 3),
        "daemon_cpu_with": round(with_, 3),
        "monitor_client_cpu": [round(s, 3) for s in monitor_cpu],
        "screen_cpu": round(shares[-1], 3) if screen is not None else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--monitors", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0, help="each CPU window")
    parser.add_argument("--toggle", type=float, default=0.1, help="s between harness pauses")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--screen", action="store_true", help="also run ccterm monitor (hook)")
    parser.add_argument("--monitor-as", help=argparse.SUPPRESS)
    parser.add_argument("--socket", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.monitor_as:
        asyncio.run(monitor_main(parsed.socket, parsed.monitor_as, parsed.out))
    else:
        asyncio.run(main(parsed))
