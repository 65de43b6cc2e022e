"""The wallboard's daemon side at 50 agents: the snapshot, change -> every monitor, CPU.

    .venv/bin/python bench/wallboard.py [--agents 50] [--monitors 5] [--seconds 15]

A real daemon (its own process, simulated trunk: customers answer and talk ~20 s),
N agents logged in to one power campaign, dialled for by the daemon. Phase 1:
no monitor, the daemon's CPU over the window (the baseline). Phase 2: M monitors
(supervisors of the agents' group) take `monitor.snapshot` and then listen;
every 0.2 s one agent toggles pause/ready, and the time from its request to the
matching agent.changed on *every* monitor is taken. Prints the snapshot's time
(p50/p99), change -> all monitors (p50/p99), events per monitor per second, and
the daemon's CPU with and without the monitors.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procstat import cpu_seconds, percentile  # noqa: E402
from ccterm.client import DaemonClient  # noqa: E402


def config_text(agents: int) -> str:
    users = "".join(
        f'\n[[users]]\nname = "a{n:02d}"\nrole = "agent"\ngroup = "bench"\n' for n in range(agents)
    )
    users += '\n[[users]]\nname = "sup"\nrole = "supervisor"\ngroup = "bench"\n'
    return (
        '[daemon]\nsocket = "s.sock"\ndatabase = "c.db"\nrecordings = "rec"\n'
        'log_level = "warning"\n[trunk]\nkind = "sim"\nmax_lines = 200\ncalls_per_second = 50\n'
        '[dialer]\nregion = "PL"\ncalling_hours = ["00:00", "24:00"]\n'
        "[sim]\np_human = 0.6\np_machine = 0.0\np_busy = 0.2\np_invalid = 0.0\n"
        "answer_min = 1.0\nanswer_max = 6.0\ntalk_mean = 20.0\n" + users
    )


async def prepare(socket: Path, contacts: int) -> None:
    async with DaemonClient(socket) as c:
        settings = {"groups": ["bench"], "mode": "power", "wrapup_seconds": 3}
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


class Monitor:
    """A supervisor's connection: the snapshot, then every event, with the agent.changed
    arrivals the toggles wait for."""

    def __init__(self) -> None:
        self.events = 0
        self.waiters: dict[tuple[str, str], asyncio.Future[float]] = {}

    async def run(self, socket: Path, snapshots: list[float], ready: asyncio.Event) -> None:
        client = DaemonClient(socket)
        await client.connect()
        await client.hello(act_as="sup", client="bench")
        for _ in range(10):
            t0 = time.perf_counter()
            board = await client.request("monitor.snapshot")
            snapshots.append(time.perf_counter() - t0)
        assert len(board["agents"]) > 0, board
        ready.set()
        async for event in client.events():
            self.events += 1
            if event["event"] == "agent.changed":
                data = event["data"]
                waiter = self.waiters.pop((data["name"], data["status"]), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(time.perf_counter())


async def agent(socket: Path, name: str) -> DaemonClient:
    client = DaemonClient(socket)
    await client.connect()
    await client.hello(act_as=name, client="bench")
    await client.request("agent.login", {"campaign": "bench"})
    return client


async def toggles(
    agents: list[DaemonClient], names: list[str], monitors: list[Monitor], seconds: float
) -> list[float]:
    """Pause or ready one agent every 0.2 s; request -> its agent.changed on every monitor."""
    out: list[float] = []
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        i = n % len(agents)
        state = (await agents[i].request("agent.state"))["agent"]
        target = "paused" if state["status"] == "ready" else "ready"
        if state["status"] in ("ready", "paused"):
            loop = asyncio.get_running_loop()
            futures = [loop.create_future() for _ in monitors]
            for monitor, future in zip(monitors, futures, strict=True):
                monitor.waiters[(names[i], target)] = future
            t0 = time.perf_counter()
            op = "agent.pause" if target == "paused" else "agent.ready"
            await agents[i].request(op, {"reason": "bench"} if target == "paused" else {})
            try:
                arrived = await asyncio.wait_for(asyncio.gather(*futures), 5.0)
                out.append(max(arrived) - t0)
            except TimeoutError:
                out.append(float("inf"))
        n += 1
        await asyncio.sleep(0.2)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--monitors", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--contacts", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccterm-bench-") as tmp:
        work = Path(tmp)
        (work / "config.toml").write_text(config_text(args.agents))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        daemon = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
            [sys.executable, "-m", "ccterm", "daemon", "--config", str(work / "config.toml")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = work / "s.sock"
        try:
            for _ in range(200):
                if socket.exists():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            await prepare(socket, args.contacts)
            names = [f"a{n:02d}" for n in range(args.agents)]
            agents = [await agent(socket, name) for name in names]
            await asyncio.sleep(5)  # the floor fills up
            cpu0, wall0 = cpu_seconds(daemon.pid), time.perf_counter()
            await asyncio.sleep(args.seconds)
            bare = (cpu_seconds(daemon.pid) - cpu0) / (time.perf_counter() - wall0)
            monitors = [Monitor() for _ in range(args.monitors)]
            snapshots: list[float] = []
            readies = [asyncio.Event() for _ in monitors]
            tasks = [
                asyncio.create_task(m.run(socket, snapshots, r))
                for m, r in zip(monitors, readies, strict=True)
            ]
            for r in readies:
                await r.wait()
            cpu0, wall0 = cpu_seconds(daemon.pid), time.perf_counter()
            seen0 = sum(m.events for m in monitors)
            latencies = await toggles(agents[: args.agents // 2], names, monitors, args.seconds)
            wall = time.perf_counter() - wall0
            watched = (cpu_seconds(daemon.pid) - cpu0) / wall
            per_monitor = (sum(m.events for m in monitors) - seen0) / len(monitors) / wall
            for task in tasks:
                task.cancel()
        finally:
            daemon.terminate()
            daemon.wait(15)
    print(
        f"{args.agents} agents (power, simulated trunk), {args.monitors} monitors,"
        f" {len(latencies)} state changes over {args.seconds:.0f} s"
    )
    print(f"{'':40} {'p50 ms':>8} {'p99 ms':>8}")
    s50, s99 = statistics.median(snapshots), percentile(snapshots, 0.99)
    print(f"{'monitor.snapshot (request -> reply)':40} {s50 * 1e3:>8.1f} {s99 * 1e3:>8.1f}")
    l50, l99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"{'agent change -> on every monitor':40} {l50 * 1e3:>8.1f} {l99 * 1e3:>8.1f}")
    print(f"events per monitor: {per_monitor:.0f}/s")
    print(f"daemon CPU: {bare:.0%} of one core without monitors, {watched:.0%} with them")


if __name__ == "__main__":
    asyncio.run(main())
