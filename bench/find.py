"""Find on the agent's desk with 100,000 contacts: each keystroke's time to a redrawn list.

    .venv/bin/python bench/find.py [--contacts N] [--rounds R]

Builds N contacts with Polish names (diacritics) and a city field, loads them
into the desk's list widget in a headless Textual app of 100x30, then types
several searches a key at a time (a name without its accents, a city, part of
a number, a miss) and times each keystroke from the filter to the redrawn
screen. Prints the median and p99 per keystroke against the earlier way in the
same run (casefold name + number only, a full sort on every keystroke), the
time to turn the daemon's rows into the list's items and sort them, and the
time for one contact's change to reach the screen (kept in place against a
full sort and count, the earlier way).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.procstat import percentile
from ccterm.clock import SystemClock
from ccterm.screens import leadview
from ccterm.screens.leadview import LeadItem
from ccterm.screens.widgets import LeadList
from ccterm.store.dialing import LIST_FIELDS

FIRST = ["Tomasz", "Małgorzata", "Paweł", "Zofia", "Łukasz", "Agnieszka", "Jerzy", "Żaneta"]
LAST = ["Kozłowski", "Wójcik", "Zielińska", "Nowak", "Dąbrowski", "Szymańska", "Woźniak", "Lis"]
CITIES = ["Kraków", "Łódź", "Gdańsk", "Poznań", "Wrocław", "Białystok", "Toruń", "Kielce"]
SEARCHES = ["kozlowski", "lodz", "601 23", "tomasz ziel", "qqq"]


def rows(n: int) -> list[list[Any]]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        e164 = f"+4860{rng.randrange(10**7):07d}"
        city = rng.choice(CITIES)
        data = {
            "id": i + 1, "contact_id": i + 1, "name": name, "e164": e164, "state": "ready",
            "blocked": 0, "attempts": 0, "next_at": 0.0, "callback_at": None,
            "callback_agent": None, "priority": 0, "rank_major": 0, "rank_minor": i,
            "last_disposition": None, "last_attempt_at": None, "timezone": "Europe/Warsaw",
            "extra": f"{city} ul. Długa {i % 200}",
        }  # fmt: skip
        out.append([data[f] for f in LIST_FIELDS])
    return out


def legacy_view(items: list[LeadItem], needle: str, now: float) -> list[LeadItem]:
    """The earlier find: name and number only, casefolded, then a full sort per keystroke."""
    text = needle.casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    shown = (
        i
        for i in items
        if text in f"{i.name.casefold()} {i.e164}" or (len(digits) >= 3 and digits in i.e164)
    )
    return leadview.ordered(shown, now)


class Desk(App[None]):
    def compose(self) -> ComposeResult:
        yield LeadList(SystemClock(), id="leads")


def ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:6.1f} ms   p99"
        f" {percentile(values, 0.99) * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms"
    )


async def main(n: int, rounds: int) -> None:
    data = rows(n)
    t0 = time.perf_counter()
    items = LeadItem.from_rows(list(LIST_FIELDS), data)
    made = time.perf_counter() - t0
    app = Desk()
    new: list[float] = []
    old: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        leads = app.query_one(LeadList)
        t0 = time.perf_counter()
        leads.load(items)
        await pilot.pause()
        loaded = time.perf_counter() - t0
        for _ in range(rounds):
            for search in SEARCHES:
                for end in range(1, len(search) + 1):
                    t0 = time.perf_counter()
                    leads.filter(search[:end])
                    await pilot.pause()
                    new.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    leads.view = legacy_view(items, search[:end], time.time())
                    leads.refresh()
                    await pilot.pause()
                    old.append(time.perf_counter() - t0)
                leads.filter("")
        matched = {s: sum(1 for i in items if leadview.Needle(s).matches(i)) for s in SEARCHES}
        # a contact changing (a disposition, a do-not-call entry): kept in place vs a full sort
        rng = random.Random(9)
        kept: list[float] = []
        resorted: list[float] = []
        for _ in range(rounds * 20):
            lead = rng.choice(items)
            change = {"id": lead.id, "state": "waiting", "next_at": time.time() + 7200}
            t0 = time.perf_counter()
            leads.apply([change])
            await pilot.pause()
            kept.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            leads.view = leadview.ordered(items, time.time())  # the earlier way: sort,
            Counter(leadview.bucket(i, time.time()) for i in items)  # and count, again
            leads.refresh()
            await pilot.pause()
            resorted.append(time.perf_counter() - t0)
    print(f"contacts {n:,}; rows -> items {made:.2f} s; load + sort + draw {loaded:.2f} s")
    print(f"matches per search: {matched}")
    print(
        f"find per keystroke (to a redrawn list), {len(new)} keystrokes:\n"
        f"  now      {ms(new)}\n"
        f"  earlier  {ms(old)}   (name and number only, a full sort each time)\n"
        f"  ratio    median x{statistics.median(old) / statistics.median(new):.1f}\n"
        f"a contact changes (to a redrawn list), {len(kept)} changes:\n"
        f"  kept in place  {ms(kept)}\n"
        f"  a full sort    {ms(resorted)}\n"
        f"  ratio    median x{statistics.median(resorted) / statistics.median(kept):.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.contacts, args.rounds))
