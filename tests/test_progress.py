"""Every count of a campaign's leads has one definition: the parts add up to the whole.

A campaign is put through every lead state with the store's own operations (take,
dispose, callbacks, do-not-call, the attempt cap, a retry time passing), then read
the three ways a user sees it: `ccterm report`, `ccterm campaign show` and the
agent's list (leads.list, counted with model.lead_bucket as the desk counts it).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ccterm import config as config_mod
from ccterm.clock import VirtualClock
from ccterm.dialer.dispositions import effect
from ccterm.model import LEAD_BUCKETS, OPEN_BUCKETS, lead_bucket
from ccterm.settings import CampaignSettings, Disposition
from ccterm.store import campaigns, dialing, dnc, imports, reports
from ccterm.store.db import Store
from ccterm.store.leads import promote_due
from tests.conftest import ccterm, running_daemon, write_config

START = 1_767_258_000.0  # 2026-01-01 09:00 UTC
HOUR = 3600.0
NUMBERS = [f"+4860123456{i}" for i in range(10)] + ["+48601234570", "+48601234571"]


async def dispose(store: Store, name: str, lead_id: int, code: Disposition, **kw: Any) -> None:
    c = await campaigns.get(store, name)
    taken = await dialing.take(store, c, lead_id, agent="anna", mode="manual")
    update = effect(code, attempts=taken.attempts, settings=c.settings, now=store.clock.now(), **kw)
    await dialing.dispose(
        store, lead_id=lead_id, campaign=c, code=code, update=update, actor="anna",
        attempt_id=taken.attempt_id,
    )  # fmt: skip


async def a_campaign_in_every_state(store: Store, clock: VirtualClock) -> dict[str, int]:
    """Twelve leads, every bucket held, with the cases easy to count twice: a retry time
    passed but not yet promoted, a callback due but not yet promoted, a wrong number
    that is also done. Returns the counts expected."""
    staging = await imports.begin(store)
    rows = [[i + 2, n, f"Contact {i}", {}, "Europe/Warsaw", 0] for i, n in enumerate(NUMBERS)]
    await imports.add(store, staging, rows)
    await imports.commit(
        store, staging, campaign_name="c", new_settings=CampaignSettings(max_attempts=2),
        file_name="c.csv", columns=["phone"], region="PL", rows=len(rows), invalid=0,
        file_duplicates=0, actor="root", authorize=lambda c: None,
    )  # fmt: skip
    ids = {n: i + 1 for i, n in enumerate(NUMBERS)}
    now = clock.now()
    await dispose(store, "c", ids[NUMBERS[0]], Disposition.BUSY)  # exhausted, after a second try
    clock.advance(3 * HOUR)
    async with store.transaction() as db:
        await promote_due(db, clock.now())
    await dispose(store, "c", ids[NUMBERS[0]], Disposition.BUSY)
    await dispose(store, "c", ids[NUMBERS[1]], Disposition.DONE)
    await dispose(store, "c", ids[NUMBERS[2]], Disposition.INVALID)
    await dispose(store, "c", ids[NUMBERS[3]], Disposition.WRONG_NUMBER)  # blocked everywhere
    await dispose(store, "c", ids[NUMBERS[4]], Disposition.NO_ANSWER)  # waits 2 h
    now = clock.now()
    await dispose(store, "c", ids[NUMBERS[5]], Disposition.CALLBACK, callback_at=now + HOUR)
    await dispose(store, "c", ids[NUMBERS[6]], Disposition.CALLBACK, callback_at=now + 60)
    await dispose(store, "c", ids[NUMBERS[7]], Disposition.VOICEMAIL)  # its retry will pass
    await dnc.add(store, [NUMBERS[8]], reason="asked", actor="root")
    clock.advance(2 * HOUR + 30)  # voicemail's retry and the first callback are due, unpromoted
    await dispose(store, "c", ids[NUMBERS[4]], Disposition.CALLBACK, callback_at=clock.now() + 9e3)
    await dispose(store, "c", ids[NUMBERS[11]], Disposition.NO_ANSWER)  # waits 2 h from now
    c = await campaigns.get(store, "c")
    await dialing.take(store, c, ids[NUMBERS[9]], agent="anna", mode="manual")  # on a call
    return {
        "exhausted": 1, "done": 1, "no_such_number": 1, "blocked": 2, "callback": 1,
        "callback_due": 2, "ready": 2, "dialing": 1, "waiting": 1,
    }  # fmt: skip


def check_parts(progress: dict[str, Any]) -> None:
    parts = [progress[str(b)] for b in LEAD_BUCKETS]
    assert sum(parts) == progress["total"], progress
    assert progress["open"] == sum(progress[str(b)] for b in OPEN_BUCKETS)


async def test_every_bucket_and_the_parts_add_up(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    store = await Store.open(tmp_path / "ccterm.db", clock)
    try:
        expected = await a_campaign_in_every_state(store, clock)
        c = await campaigns.get(store, "c")
        report = await reports.campaign_report(store, c)
    finally:
        await store.close()
    progress = report["progress"]
    assert {k: progress[k] for k in expected} == expected
    assert progress["total"] == len(NUMBERS) and progress["open"] == 7
    check_parts(progress)
    assert sum(report["dispositions"].values()) == progress["total"]
    assert report["quality"]["blocked"] == progress["blocked"]
    assert report["quality"]["no_such_number"] == progress["no_such_number"] == 1


async def test_report_show_and_the_desk_count_alike_in_every_campaign_state(
    workdir: Path,
) -> None:
    """One definition, three readers; through running, paused, stopped, archived, finished."""
    cfg = config_mod.load(write_config(workdir))
    clock = VirtualClock(START)
    store = await Store.open(cfg.daemon.database, clock)
    try:
        await a_campaign_in_every_state(store, clock)
    finally:
        await store.close()
    async with running_daemon(cfg, clock) as daemon:  # recovery puts the call back in line

        async def cli(*args: str) -> dict[str, Any]:
            done = await asyncio.to_thread(ccterm, *args, "--json", config=cfg.path)
            assert done.returncode == 0, done.stderr
            data: dict[str, Any] = json.loads(done.stdout)
            return data

        for step in ("running", "pause", "stop", "archive", "restore", "finish"):
            if step == "finish":
                await daemon.request("campaign.edit", {"name": "c", "end_at": clock.now() + 1})
                clock.advance(2)
                await daemon.request("campaign.show", {"name": "c"})  # the clock's pass
            elif step != "running":
                await daemon.request(f"campaign.{step}", {"name": "c"})
            report = (await cli("report", "c"))["progress"]
            shown = (await cli("campaign", "show", "c"))["progress"]
            page = await daemon.request("leads.list", {"campaign": "c"})
            rows = [dict(zip(page["fields"], row, strict=True)) for row in page["rows"]]
            now = clock.now()
            desk = Counter(
                str(lead_bucket(
                    r["state"], r["blocked"], r["callback_at"], r["next_at"],
                    r["last_disposition"], now,
                ))
                for r in rows
            )  # fmt: skip
            check_parts(report)
            assert shown == report, step
            assert {str(b): desk[str(b)] for b in LEAD_BUCKETS} == {
                str(b): report[str(b)] for b in LEAD_BUCKETS
            }, step
            assert report["dialing"] == 0 and report["ready"] == 3, "the call went back in line"
