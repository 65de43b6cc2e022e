"""20 agents on one daemon: keystroke-to-committed-disposition latency and the daemon's CPU.

    .venv/bin/python bench/agents.py [--agents 20] [--per-agent 100] [--think 0.3]

A real daemon (its own process, simulated trunk, synchronous=FULL) and N agent
clients on its socket, each logged in to the same campaign and doing what a
disposition key does in `ccterm agent`: send disposition.set for a contact and
wait for the reply, which the daemon sends only after the commit. Every agent
also receives the others' lead.changed events, as the TUI does. Between keys an
agent "thinks" a random 0..2x`--think` seconds. The baseline, in the same run
and under the same load, is a request that writes nothing (agent.state).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

CODES = ["done", "no_answer", "busy", "voicemail", "done", "no_answer"]


def config_text(agents: int) -> str:
    users = "".join(
        f'\n[[users]]\nname = "a{n:02d}"\nrole = "agent"\ngroup = "bench"\n' for n in range(agents)
    )
    return (
        '[daemon]\nsocket = "s.sock"\ndatabase = "c.db"\nrecordings = "rec"\n'
        'log_level = "warning"\n[trunk]\nkind = "sim"\n[dialer]\nregion = "PL"\n' + users
    )


async def prepare(socket: Path, contacts: int) -> None:
    async with DaemonClient(socket) as c:
        await c.request("campaign.create", {"name": "bench", "settings": {"groups": ["bench"]}})
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


async def agent(
    socket: Path,
    name: str,
    leads: list[int],
    think: float,
    seed: int,
    latencies: list[float],
    baseline: list[float],
    events: list[int],
) -> None:
    rng = random.Random(seed)
    client = DaemonClient(socket)
    await client.connect()
    await client.hello(act_as=name, client="bench")
    await client.request("agent.login", {"campaign": "bench"})

    async def count_events() -> None:
        async for _ in client.events():
            events[0] += 1

    reader = asyncio.create_task(count_events())
    for n, lead in enumerate(leads):
        await asyncio.sleep(rng.uniform(0, 2 * think))
        t0 = time.perf_counter()
        await client.request("disposition.set", {"lead_id": lead, "code": CODES[n % len(CODES)]})
        latencies.append(time.perf_counter() - t0)
        if n % 4 == 0:
            t0 = time.perf_counter()
            await client.request("agent.state")
            baseline.append(time.perf_counter() - t0)
    reader.cancel()
    await client.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--per-agent", type=int, default=100)
    parser.add_argument("--think", type=float, default=0.3, help="mean seconds between keys")
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
            async with DaemonClient(socket) as c:
                ids: list[int] = []
                after = 0
                while True:
                    page = await c.request("leads.list", {"campaign": "bench", "after_id": after})
                    ids += [r[0] for r in page["rows"]]
                    if not page["more"]:
                        break
                    after = ids[-1]
            need = args.agents * args.per_agent
            assert len(ids) >= need, "more contacts needed"
            latencies: list[float] = []
            baseline: list[float] = []
            events = [0]
            cpu0, wall0 = cpu_seconds(daemon.pid), time.perf_counter()
            await asyncio.gather(
                *[
                    agent(
                        socket,
                        f"a{n:02d}",
                        ids[n * args.per_agent : (n + 1) * args.per_agent],
                        args.think,
                        n,
                        latencies,
                        baseline,
                        events,
                    )
                    for n in range(args.agents)
                ]
            )
            wall = time.perf_counter() - wall0
            cpu = cpu_seconds(daemon.pid) - cpu0
        finally:
            daemon.terminate()
            daemon.wait(15)
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    b50, b99 = statistics.median(baseline), percentile(baseline, 0.99)
    print(
        f"{args.agents} agents x {args.per_agent} dispositions, think ~{args.think} s,"
        f" {args.contacts:,} contacts; {len(latencies)} dispositions in {wall:.1f} s"
        f" ({len(latencies) / wall:.0f}/s), {events[0]:,} events delivered"
    )
    print(f"{'':36} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'disposition (key -> committed reply)':36} {p50 * 1e3:>8.1f} {p99 * 1e3:>8.1f}")
    print(f"{'baseline: agent.state (no write)':36} {b50 * 1e3:>8.1f} {b99 * 1e3:>8.1f}")
    print(f"ratio disposition / baseline: p50 {p50 / b50:.1f}x, p99 {p99 / b99:.1f}x")
    print(f"daemon CPU: {cpu / wall:.0%} of one core over the run ({cpu:.1f} s in {wall:.1f} s)")
    print(
        json.dumps(
            {
                "p50_ms": round(p50 * 1e3, 2),
                "p99_ms": round(p99 * 1e3, 2),
                "baseline_p50_ms": round(b50 * 1e3, 2),
                "cpu_share": round(cpu / wall, 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
