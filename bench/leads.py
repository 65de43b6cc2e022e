"""Next-lead pick time with 1,000,000 contacts: the median and p99 of one pick, per lead order.

    .venv/bin/python bench/leads.py [--contacts N]

Builds a real store through the import path (staging + one commit), then times
the pick the dialer makes: the best ready lead of a campaign, taken (state
'dialing') so the next pick finds the one after it. Half the list is set
waiting (a retry not yet due) to show the pick does not scan past it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from ccterm.clock import SystemClock
from ccterm.settings import CampaignSettings, LeadOrder
from ccterm.store import campaigns, imports
from ccterm.store.db import Store
from ccterm.store.leads import peek_next


async def build(path: Path, n: int) -> Store:
    store = await Store.open(path, SystemClock())
    staging = await imports.begin(store)
    batch = []
    t0 = time.perf_counter()
    for i in range(n):
        batch.append(
            [i + 2, f"+4850{i:07d}", f"Contact {i}", {"n": str(i)}, "Europe/Warsaw", i % 10]
        )
        if len(batch) == 20_000:
            await imports.add(store, staging, batch)
            batch = []
    if batch:
        await imports.add(store, staging, batch)
    await imports.commit(
        store,
        staging,
        campaign_name="bench",
        new_settings=CampaignSettings(),
        file_name="bench",
        columns=["n"],
        region="PL",
        rows=n,
        invalid=0,
        file_duplicates=0,
        actor="bench",
        authorize=lambda c: None,
    )
    print(f"built {n:,} contacts and leads in {time.perf_counter() - t0:.1f} s")
    # every other lead waits for a retry two hours away
    await store.execute(
        "UPDATE leads SET state = 'waiting', next_at = ? WHERE id % 2 = 0", (time.time() + 7200,)
    )
    return store


async def time_picks(store: Store, order: LeadOrder, picks: int) -> list[float]:
    await campaigns.edit(store, "bench", changes={"lead_order": str(order)}, actor="bench")
    await store.execute("UPDATE leads SET state = 'ready' WHERE state = 'dialing'")
    cid = (await campaigns.get(store, "bench")).id
    samples = []
    async with store.connection() as db:
        for _ in range(picks):
            t0 = time.perf_counter()
            row = await peek_next(db, cid)
            samples.append(time.perf_counter() - t0)
            assert row is not None
            await db.execute("UPDATE leads SET state = 'dialing' WHERE id = ?", (row["id"],))
    return samples


async def time_round_trip(store: Store, picks: int) -> list[float]:
    """The same hop to the database thread with no work: the floor under every pick."""
    samples = []
    async with store.connection() as db:
        for _ in range(picks):
            t0 = time.perf_counter()
            await db.execute_fetchall("SELECT 1")
            samples.append(time.perf_counter() - t0)
    return samples


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--picks", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = await build(Path(tmp) / "bench.db", args.contacts)
        print(f"{'order':<16} {'median ms':>10} {'p99 ms':>8}")
        baseline = sorted(await time_round_trip(store, args.picks))
        print(
            f"{'(SELECT 1)':<16} {statistics.median(baseline) * 1e3:>10.3f}"
            f" {baseline[int(len(baseline) * 0.99) - 1] * 1e3:>8.3f}   <- the aiosqlite hop alone"
        )
        for order in LeadOrder:
            samples = sorted(await time_picks(store, order, args.picks))
            p99 = samples[int(len(samples) * 0.99) - 1]
            print(f"{order:<16} {statistics.median(samples) * 1e3:>10.3f} {p99 * 1e3:>8.3f}")
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
