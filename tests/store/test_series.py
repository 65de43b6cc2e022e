"""The wallboard's charts: a day in 15-minute steps, counted by hand."""

from __future__ import annotations

import pytest

from ccterm.store import series
from ccterm.store.db import Store
from tests.store.inbound_day import a_day_of_calls, at

pytestmark = pytest.mark.usefixtures("here_is_warsaw")


async def test_a_queues_service_level_per_quarter_hour(store: Store) -> None:
    await a_day_of_calls(store)
    levels = await series.service_level(store, "sales", 20, at("09:00:00"), at("10:30:00"))
    # answered 09:00:10 (waited 10 s), 09:05:20 (20 s: the limit counts), 09:10:45 (45 s);
    # 10:15:05 (5 s); nothing answered in between
    assert levels == [pytest.approx(2 / 3), None, None, None, None, 1.0]


async def test_dials_connects_and_abandons_per_quarter_hour(store: Store) -> None:
    async with store.transaction() as db:
        await db.execute(
            "INSERT INTO campaigns (id, name, status, settings, start_at, created_at, updated_at)"
            " VALUES (1, 'c', 'running', '{}', 0, 0, 0), (2, 'other', 'running', '{}', 0, 0, 0)"
        )
        await db.execute(
            "INSERT INTO contacts (id, e164, created_at) VALUES (1, '+48601000001', 0)"
        )
        await db.execute(
            "INSERT INTO leads (id, campaign_id, contact_id, created_at) VALUES (1, 1, 1, 0)"
        )
        rows = [  # started, connected, abandoned, campaign
            (at("09:01:00"), at("09:01:10"), None, 1),
            (at("09:02:00"), None, at("09:02:09"), 1),
            (at("09:14:59"), at("09:15:05"), None, 1),  # connected in the next quarter
            (at("09:40:00"), None, None, 1),
            (at("09:05:00"), at("09:05:10"), None, 2),  # another campaign: not counted
            (at("08:59:59"), at("09:00:01"), None, 1),  # dialled before the day shown
        ]
        for started, connected, abandoned, campaign in rows:
            await db.execute(
                "INSERT INTO attempts (lead_id, campaign_id, contact_id, e164, started_at,"
                " connected_at, abandoned_at) VALUES (1, ?, 1, '+48601000001', ?, ?, ?)",
                (campaign, started, connected, abandoned),
            )
    day = await series.outbound(store, [1], at("09:00:00"), at("10:00:00"))
    assert day.dials == [3, 0, 1, 0]
    assert day.connects == [1, 1, 0, 0]
    assert day.abandons == [1, 0, 0, 0]
    assert (await series.outbound(store, [], at("09:00:00"), at("10:00:00"))).dials == [0] * 4


async def test_occupancy_per_quarter_hour_from_the_agents_states(store: Store) -> None:
    from ccterm.store import agent_log

    # anna: ready 09:00-09:05, on a call 09:05-09:20, wrap-up to 09:25, then paused (open)
    await agent_log.changed(store, "anna", "ready", "", at("09:00:00"))
    await agent_log.changed(store, "anna", "on_call", "", at("09:05:00"))
    await agent_log.changed(store, "anna", "wrapup", "", at("09:20:00"))
    await agent_log.changed(store, "anna", "paused", "lunch", at("09:25:00"))
    await agent_log.changed(store, "bob", "ready", "", at("09:00:00"))  # bob: ready till 09:30
    await agent_log.changed(store, "bob", "offline", "", at("09:30:00"))
    now = at("09:40:00")
    both = await series.occupancy(store, None, at("09:00:00"), at("10:00:00"), now)
    # 09:00-09:15: anna 10 of 15 busy, bob 0 of 15; 09:15-09:30: anna 10 of 15, bob 0 of 15;
    # 09:30-09:45: anna paused to now (10 min); 09:45-10:00: nobody (anna's row ends at now)
    assert both == [pytest.approx(10 / 30), pytest.approx(10 / 30), 0.0, None]
    anna = await series.occupancy(store, ["anna"], at("09:00:00"), at("10:00:00"), now)
    assert anna[:2] == [pytest.approx(10 / 15), pytest.approx(10 / 15)]
