"""The desk's list under Pilot, against a real daemon: changes made elsewhere, find, big lists."""

from __future__ import annotations

import asyncio
from typing import Any

from ccterm.screens.agent import AgentApp
from tests.conftest import RunningDaemon
from tests.desk_helpers import load
from tests.screens.test_agent_app import ids, loaded, make_app, select, wait_for

NUMBERS = [f"+4860123470{i}" for i in range(6)]


def row(app: AgentApp, lead_id: int) -> str:
    return app.desk.leads.render_line(ids(app).index(lead_id)).text


async def test_a_do_not_call_entry_made_elsewhere_reaches_the_open_desk_at_once(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:3])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        assert "new" in row(app, leads[1])
        await human.request("dnc.add", {"numbers": [NUMBERS[1]], "reason": "complaint"})
        await wait_for(pilot, lambda: "do not call" in row(app, leads[1]), within=3)
        assert row(app, leads[1]).startswith("x"), "marked, not only worded"
        assert "new" in row(app, leads[0]) and "new" in row(app, leads[2])
        await human.request("dnc.remove", {"numbers": [NUMBERS[1]]})
        await wait_for(pilot, lambda: "new" in row(app, leads[1]), within=3)
        assert not row(app, leads[1]).startswith("x")


async def test_find_ignores_accents_and_looks_in_every_field(human: RunningDaemon) -> None:
    names = ["Tomasz Kozłowski", "Anna Nowak", "Żaneta Wójcik", "Jan Kowal"]
    fields = [{"miasto": "Łódź"}, {"miasto": "Kraków"}, {"miasto": "Gdańsk"}, {"firma": "Łódź SA"}]
    leads = await load(human, "c", NUMBERS[:4], names=names, fields=fields)
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 4)
        await pilot.press("slash")
        await pilot.press(*"Kozlowski")
        await wait_for(pilot, lambda: ids(app) == [leads[0]])
        await pilot.press("escape")
        await pilot.press("slash", *"lodz")
        await wait_for(pilot, lambda: sorted(ids(app)) == [leads[0], leads[3]])
        await pilot.press("escape")
        await pilot.press("slash", *"ZANETA")
        await wait_for(pilot, lambda: ids(app) == [leads[2]])
        assert "1 of 4 contacts matching 'zaneta'" in str(app.desk.query_one("#empty").render())


async def test_the_find_box_is_visible_above_the_keys_at_100x30(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:2])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await pilot.press("slash", *"Contact")
        find = app.desk.query_one("#find")
        keys = app.desk.query_one("#keys")
        await wait_for(pilot, lambda: find.region.height == 3)
        assert find.region.y + find.region.height <= keys.region.y, "not under the key line"
        assert keys.region.y + keys.region.height <= 30
        assert "Contact" in find.value


async def test_a_long_list_says_it_is_loading_with_progress(human: RunningDaemon) -> None:
    leads = await load(human, "c", [f"+486012{i:05d}" for i in range(30)])
    app = make_app(human)
    app.desk.page = 10  # three pages; the second one is held until the test has looked
    release = asyncio.Event()
    asked: list[int] = []
    request = app.request

    async def held(op: str, args: dict[str, Any] | None = None) -> Any:
        if op == "leads.list":
            asked.append(int((args or {}).get("after_id", 0)))
            if len(asked) == 2:
                await release.wait()
        return await request(op, args)

    app.request = held  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        empty = app.desk.query_one("#empty")
        await wait_for(pilot, lambda: "Loading 30 contacts… 10 so far" in str(empty.render()))
        assert "No contacts" not in str(empty.render())
        release.set()
        await loaded(pilot, app, 30)
        assert "30 contacts: 30 ready" in str(empty.render())
        assert sorted(ids(app)) == sorted(leads)


async def test_a_due_callback_scrolled_away_is_announced_and_says_how_late(
    human: RunningDaemon,
) -> None:
    import time

    from ccterm.clock import VirtualClock

    leads = await load(human, "c", [f"+486012{i:05d}" for i in range(60)])
    start = time.time()
    await human.request("callback.set", {"lead_id": leads[59], "at": start + 90, "agent": "anna"})
    clock = VirtualClock(start)
    app = make_app(human, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 60)
        await select(pilot, app, leads[5])
        clock.advance(91)
        await wait_for(
            pilot,
            lambda: any("Callback due now: Contact 59" in n.message for n in app._notifications),
        )
        clock.advance(12 * 60)
        await wait_for(pilot, lambda: "overdue 12 min" in app.desk.leads.render_line(0).text)


async def test_the_desk_counts_as_the_report_does(human: RunningDaemon) -> None:
    import time

    from ccterm.model import BUCKET_LABELS, LEAD_BUCKETS
    from tests.screens.test_agent_app import db_update

    leads = await load(human, "c", NUMBERS[:6])
    await human.request("callback.set", {"lead_id": leads[0], "at": time.time() - 5})
    await human.request("callback.set", {"lead_id": leads[1], "at": time.time() + 3600})
    await human.request("dnc.add", {"numbers": [NUMBERS[2]]})
    db_update(
        human,
        "UPDATE leads SET state = 'done', last_disposition = 'done' WHERE id = ?",
        (leads[3],),
    )
    db_update(
        human,
        "UPDATE leads SET state = 'waiting', next_at = ?, attempts = 1,"
        " last_disposition = 'busy' WHERE id = ?",
        (time.time() + 600, leads[4]),
    )
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 6)
        progress = (await human.request("report.campaign", {"name": "c"}))["progress"]
        expected = ", ".join(
            f"{progress[str(b)]:,} {BUCKET_LABELS[b]}" for b in LEAD_BUCKETS if progress[str(b)]
        )
        line = str(app.desk.query_one("#empty").render())
        assert line.strip() == f"{progress['total']} contacts: {expected}"
        assert "1 callbacks due" in line and "1 blocked" in line and "1 done" in line
