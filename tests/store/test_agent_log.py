"""Agents' logged states over a range, several agents in one query: the rows before the
range are left out but the one that runs into it, which is cut at its start."""

from __future__ import annotations

import pytest

from ccterm.store import agent_log, agent_report
from ccterm.store.db import Store

DAY = 86400.0
START = 10 * DAY  # "today" from here


async def test_a_range_holds_the_state_running_into_it_and_an_open_one_up_to_now(
    store: Store,
) -> None:
    # yesterday: anna's long history, then ready from 22:00 across midnight to 01:00
    for n in range(50):
        await agent_log.changed(store, "anna", "ready", "", START - DAY + n * 60)
        await agent_log.changed(store, "anna", "paused", "old", START - DAY + n * 60 + 30)
    await agent_log.changed(store, "anna", "offline", "", START - DAY + 3000)
    await agent_log.changed(store, "anna", "ready", "", START - 7200)
    await agent_log.changed(store, "anna", "on_call", "", START + 3600)
    await agent_log.changed(store, "anna", "wrapup", "", START + 3900)
    await agent_log.changed(store, "anna", "paused", "lunch", START + 4000)  # open
    # bob: yesterday only; carl: not asked for
    await agent_log.changed(store, "bob", "ready", "", START - 600)
    await agent_log.changed(store, "bob", "offline", "", START - 300)
    await agent_log.changed(store, "carl", "ready", "", START)
    now = START + 4600

    found = await agent_log.spans(store, ["anna", "bob", "anna", "dora"], START, now, now)
    assert found == {
        "anna": [
            ("ready", "", 3600.0),  # from midnight, not from 22:00
            ("on_call", "", 300.0),
            ("wrapup", "", 100.0),
            ("paused", "lunch", 600.0),  # still on: up to now
        ],
        "bob": [],
        "dora": [],
    }
    assert await agent_log.spans(store, [], START, now, now) == {}

    times = await agent_report.times(store, ["anna"], START, now, now)
    anna = times["anna"]
    assert anna.logged_in == 4600.0 and anna.pauses == {"lunch": 600.0}
    assert anna.occupancy == pytest.approx(round(400 / 4600, 3))
    yesterday = await agent_log.spans(store, ["anna"], START - DAY, START, now)
    assert sum(s for _, _, s in yesterday["anna"]) == pytest.approx(50 * 60 + 7200)
