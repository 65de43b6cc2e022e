"""A do-not-call change reaches every desk that shows the number, at once, and no other desk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from tests.conftest import RunningDaemon, running_daemon, write_config
from tests.desk_helpers import as_agent, load

USERS = """
[[users]]
name = "anna"
role = "agent"
group = "sales"

[[users]]
name = "bob"
role = "agent"
group = "support"
"""

SALES = ["+48601000001", "+48601000002"]
SUPPORT = ["+48601000003"]


@pytest.fixture
async def two_groups(workdir: Path) -> AsyncIterator[RunningDaemon]:
    cfg = config_mod.load(write_config(workdir, users=USERS))
    async with running_daemon(cfg) as running:
        yield running


async def next_event(client: DaemonClient, name: str) -> dict[str, Any]:
    """The data of the client's next event called `name` (others pass by)."""

    async def wait() -> dict[str, Any]:
        async for frame in client.events():
            if frame["event"] == name:
                data: dict[str, Any] = frame["data"]
                return data
        raise AssertionError(f"the connection ended before {name}")

    return await asyncio.wait_for(wait(), 5)


async def events_until(client: DaemonClient, name: str) -> list[str]:
    """The names of the client's events up to and including the next `name`."""

    async def wait() -> list[str]:
        names = []
        async for frame in client.events():
            names.append(frame["event"])
            if frame["event"] == name:
                return names
        raise AssertionError(f"the connection ended before {name}")

    return await asyncio.wait_for(wait(), 5)


async def test_dnc_add_and_remove_reach_the_desks_of_the_numbers_campaign_only(
    two_groups: RunningDaemon,
) -> None:
    sales = await load(two_groups, "sales1", SALES)
    support = await load(two_groups, "support1", SUPPORT, groups=["support"])
    shown = {c["name"]: c["id"] for c in (await two_groups.request("campaign.list"))["campaigns"]}
    anna = await as_agent(two_groups, "anna", "sales1")
    bob = await as_agent(two_groups, "bob", "support1")

    # listed from the admin's terminal, both agents' numbers at once
    await two_groups.request("dnc.add", {"numbers": ["601 000 001", SUPPORT[0]]})
    assert await next_event(anna, "leads.changed") == {
        "campaign_id": shown["sales1"],
        "leads": [{"id": sales[0], "blocked": True}],
    }
    assert await next_event(bob, "leads.changed") == {
        "campaign_id": shown["support1"],
        "leads": [{"id": support[0], "blocked": True}],
    }
    page = await anna.request("leads.list", {"campaign": "sales1"})
    blocked = page["fields"].index("blocked")
    assert [bool(row[blocked]) for row in page["rows"]] == [True, False], "the event is the truth"

    # a number only in the sales campaign: bob's next event is the pause, nothing before it
    await two_groups.request("dnc.add", {"numbers": [SALES[1]]})
    assert (await next_event(anna, "leads.changed"))["leads"] == [{"id": sales[1], "blocked": True}]
    await two_groups.request("campaign.pause", {"name": "support1"})
    assert "leads.changed" not in await events_until(bob, "campaign.changed")

    await two_groups.request("dnc.remove", {"numbers": [SALES[0], SUPPORT[0]]})
    assert await next_event(anna, "leads.changed") == {
        "campaign_id": shown["sales1"],
        "leads": [{"id": sales[0], "blocked": False}],
    }
    assert await next_event(bob, "leads.changed") == {
        "campaign_id": shown["support1"],
        "leads": [{"id": support[0], "blocked": False}],
    }
    await anna.close()
    await bob.close()


async def test_a_large_listing_arrives_in_events_of_at_most_2000_leads(
    two_groups: RunningDaemon,
) -> None:
    numbers = [f"+4860{i:07d}" for i in range(4_500)]
    leads = await load(two_groups, "big", numbers)
    anna = await as_agent(two_groups, "anna", "big")
    await two_groups.request("dnc.add", {"numbers": numbers})
    sizes: list[int] = []
    seen: list[int] = []
    while len(seen) < len(numbers):
        data = await next_event(anna, "leads.changed")
        sizes.append(len(data["leads"]))
        seen += [item["id"] for item in data["leads"] if item["blocked"]]
    assert sizes == [2000, 2000, 500]
    assert sorted(seen) == sorted(leads)
    await anna.close()
