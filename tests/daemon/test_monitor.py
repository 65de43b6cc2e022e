"""The wallboard's daemon side (issue 15) on the simulated trunk and a virtual clock: the
snapshot a supervisor or an admin gets, the events that keep it live, and a supervisor of
one group learning nothing of another's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.errors import CctermError
from ccterm.sip.simulated import SimulatedTrunk
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import DESK_USERS, HUMAN, as_agent, load, status_is, until, wait

SALES_DID, SUPPORT_DID = "+48221234500", "+48221234600"
FRONT_DID = "+48221234700"  # a menu: 1 for sales, 2 for support
SALES_NUMBERS = ["+48601234500", "+48601234501", "+48601234502", "+48601234503"]
SUPPORT_NUMBERS = ["+48601234700", "+48601234701", "+48601234702", "+48601234703"]
USERS = (
    DESK_USERS
    + """
[[users]]
name = "zoe"
role = "agent"
group = "support"

[[users]]
name = "olga"
role = "supervisor"
group = "support"
"""
)
PLAN = (
    HUMAN
    + f"""
[[inbound]]
did = "{SALES_DID}"
client = "Acme Sales"
start = "queue:sales"

[[inbound]]
did = "{SUPPORT_DID}"
client = "Acme Help"
start = "queue:support"

[[inbound]]
did = "{FRONT_DID}"
client = "Acme Front"
start = "menu:front"

[menus.front]
prompt = ["hold"]
timeout = 5
repeat = 0
fallback = "hangup"
keys = {{ "1" = "queue:sales", "2" = "queue:support" }}

[queues.sales]
groups = ["sales"]
announce_every = 0
callback_after = 0
max_wait = 600

[queues.support]
groups = ["support"]
announce_every = 0
callback_after = 0
max_wait = 600
service_level = 20
"""
)


@pytest.fixture
async def daemon(workdir: Path) -> AsyncIterator[RunningDaemon]:
    cfg = config_mod.load(write_config(workdir, users=USERS, extra=PLAN))
    running = await start_daemon(cfg, VirtualClock(time.time()))
    try:
        yield running
    finally:
        running.stop.set()
        await running.task


def trunk(daemon: RunningDaemon) -> SimulatedTrunk:
    assert daemon.runner is not None
    found = daemon.runner.trunk
    assert isinstance(found, SimulatedTrunk)
    return found


async def campaigns(daemon: RunningDaemon) -> None:
    """spring: sales' power campaign; helpdesk: support's."""
    await load(daemon, "spring", SALES_NUMBERS, names=["Jan Sales"] * 4, mode="power")
    await load(
        daemon,
        "helpdesk",
        SUPPORT_NUMBERS,
        names=["Ewa Help"] * 4,
        mode="power",
        groups=["support"],
    )


async def supervisor(daemon: RunningDaemon, name: str | None) -> DaemonClient:
    client = await daemon.client()
    await client.hello(act_as=name)  # None: root, an admin
    return client


class Collector:
    """Every event a client receives, from now on."""

    def __init__(self, client: DaemonClient) -> None:
        self.events: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._run(client))

    async def _run(self, client: DaemonClient) -> None:
        async for event in client.events():
            self.events.append(event)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e["data"] for e in self.events if e["event"] == name]

    def stop(self) -> None:
        self.task.cancel()


async def test_the_snapshot_shows_a_supervisor_their_group_and_an_admin_everything(
    daemon: RunningDaemon,
) -> None:
    await campaigns(daemon)
    anna = await as_agent(daemon, "anna", campaign="spring")
    zoe = await as_agent(daemon, "zoe", campaign="helpdesk")
    await until(status_is(anna, "on_call"))
    await until(status_is(zoe, "on_call"))
    trunk(daemon).offer("in-1", SUPPORT_DID, "+48601239999", hold=600)  # zoe is busy: it waits
    await wait(5)

    sam = await supervisor(daemon, "sam")
    board = await sam.request("monitor.snapshot")
    assert set(board) == {"now", "trunk", "agents", "calls", "queues", "campaigns", "alerts"}
    assert board["trunk"] == {"state": "up", "detail": "simulated trunk"}
    (agent,) = board["agents"]
    assert (agent["name"], agent["group"], agent["status"]) == ("anna", "sales", "on_call")
    assert agent["campaign"]["name"] == "spring" and agent["call"]["e164"] in SALES_NUMBERS
    today = agent["today"]
    assert set(today) == {
        "calls",
        "talk_s",
        "wrap_s",
        "aht_s",
        "occupancy",
        "logged_in_s",
        "paused_s",
    }
    assert today["calls"] == 1 and today["talk_s"] > 0 and today["logged_in_s"] > 5
    assert 0 < today["occupancy"] <= 1
    (call,) = board["calls"]
    assert (call["direction"], call["state"], call["agent"]) == ("outbound", "connected", "anna")
    assert [q["queue"] for q in board["queues"]] == ["sales"]
    (queue,) = board["queues"]
    assert queue["service_level"] == 20.0
    assert queue["today"] == {"offered": 0, "answered": 0, "abandoned": 0, "sl_answered": None}
    (campaign,) = board["campaigns"]
    assert campaign["name"] == "spring" and campaign["settings"]["mode"] == "power"
    assert campaign["today"] == {"dials": 1, "connects": 1, "abandons": 0}
    assert campaign["abandon"] == {"24h": 0.0, "30d": 0.0, "cap": 3.0}
    assert campaign["pacing"]["pacing"]["policy"] == "power:1"
    assert board["alerts"] == []

    olga = await supervisor(daemon, "olga")
    board = await olga.request("monitor.snapshot")
    assert [a["name"] for a in board["agents"]] == ["zoe"]
    assert [c["name"] for c in board["campaigns"]] == ["helpdesk"]
    assert [q["queue"] for q in board["queues"]] == ["support"]
    assert board["queues"][0]["waiting"] == 1
    assert {(c["direction"], c["state"]) for c in board["calls"]} == {
        ("outbound", "connected"),
        ("inbound", "queued"),
    }
    inbound = next(c for c in board["calls"] if c["direction"] == "inbound")
    assert (inbound["queue"], inbound["client"], inbound["e164"]) == (
        "support",
        "Acme Help",
        "+48601239999",
    )
    assert board["alerts"] == []  # 5 s in line: within the service level

    admin = await supervisor(daemon, None)
    board = await admin.request("monitor.snapshot")
    assert [a["name"] for a in board["agents"]] == ["anna", "zoe"]
    assert [c["name"] for c in board["campaigns"]] == ["helpdesk", "spring"]
    assert [q["queue"] for q in board["queues"]] == ["sales", "support"]
    assert len(board["calls"]) == 3

    with pytest.raises(CctermError, match="ccterm monitor is for supervisors and admins"):
        await anna.request("monitor.snapshot")
    for client in (anna, zoe, sam, olga, admin):
        await client.close()


def lives(events: list[dict[str, Any]], call_id: str) -> list[str]:
    """A call's states as call.changed told them, repeats folded."""
    out: list[str] = []
    for data in events:
        if data["id"] == call_id:
            state = data["state"] + (" (ended)" if data.get("ended") else "")
            if not out or out[-1] != state:
                out.append(state)
    return out


async def test_call_changed_follows_an_outbound_and_an_inbound_call(
    daemon: RunningDaemon,
) -> None:
    await campaigns(daemon)
    sam = await supervisor(daemon, "sam")
    seen = Collector(sam)
    anna = await as_agent(daemon, "anna", campaign="spring")
    on_call = await until(status_is(anna, "on_call"))
    call_id = on_call["call"]["id"]
    await wait(2)
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await anna.request("disposition.set", {"lead_id": on_call["call"]["lead_id"], "code": "done"})
    await anna.request("agent.pause", {"reason": "inbound now"})
    await wait(1)
    changes = seen.named("call.changed")
    assert lives(changes, call_id) == ["dialing", "ringing", "connected", "ended (ended)"]
    last = [c for c in changes if c["id"] == call_id][-1]
    assert (last["direction"], last["campaign_id"], last["agent"]) == ("outbound", 1, "anna")

    await anna.request("agent.logout")
    await anna.request("agent.login", {"campaign": ""})  # inbound only: the sales queue
    trunk(daemon).offer("in-7", SALES_DID, "+48601238888", hold=30)
    await until(status_is(anna, "on_call"))
    await wait(31)  # the caller hangs up
    changes = seen.named("call.changed")
    assert lives(changes, "in-7") == ["answering", "connected", "ended (ended)"]
    last = [c for c in changes if c["id"] == "in-7"][-1]
    assert (last["direction"], last["queue"], last["client"]) == ("inbound", "sales", "Acme Sales")
    seen.stop()
    await anna.close()
    await sam.close()


async def test_a_supervisor_of_one_group_hears_nothing_of_the_other(
    daemon: RunningDaemon,
) -> None:
    """Both groups work (outbound, inbound, alerts); every event each supervisor gets is
    checked for the other group's agents, campaigns, queues and numbers."""
    await campaigns(daemon)
    sam, olga = await supervisor(daemon, "sam"), await supervisor(daemon, "olga")
    sams, olgas = Collector(sam), Collector(olga)
    anna = await as_agent(daemon, "anna", campaign="spring")
    zoe = await as_agent(daemon, "zoe", campaign="helpdesk")
    await until(status_is(anna, "on_call"))
    await until(status_is(zoe, "on_call"))  # both busy: the callers below wait
    sim = trunk(daemon)
    sim.offer("in-s", SALES_DID, "+48601235555", hold=40)
    sim.offer("in-h", SUPPORT_DID, "+48601236666", hold=40)
    await wait(30)  # the inbound callers wait past their service level: alerts
    for agent in (anna, zoe):  # whatever call each is on: over, and disposed
        call = (await agent.request("agent.state"))["agent"]["call"]
        await agent.request("call.hangup")
        await until(status_is(agent, "wrapup"))
        which = {"lead_id": call["lead_id"]} if call["lead_id"] else {"call_id": call["id"]}
        await agent.request("disposition.set", {**which, "code": "done"})
    await wait(20)
    sams.stop()
    olgas.stop()
    ids = {c["name"]: c["id"] for c in (await daemon.request("monitor.snapshot"))["campaigns"]}
    sales_words = ["anna", "piotr", "spring", '"sales"', "Jan Sales", "Acme Sales", "+48601235555"]
    support_words = ["zoe", "helpdesk", '"support"', "Ewa Help", "Acme Help", "+48601236666"]
    sales_words += SALES_NUMBERS
    support_words += SUPPORT_NUMBERS
    for collected, foreign, own_campaign in (
        (sams, support_words, ids["spring"]),
        (olgas, sales_words, ids["helpdesk"]),
    ):
        names = {e["event"] for e in collected.events}
        assert {"agent.changed", "call.changed", "queue.state", "alert.raised"} <= names, names
        for event in collected.events:
            text = json.dumps(event["data"], ensure_ascii=False)
            leaked = [word for word in foreign if word in text]
            assert not leaked, (event["event"], leaked, text)
            campaign_id = event["data"].get("campaign_id")
            assert campaign_id in (None, own_campaign), (event["event"], text)
    assert {a["id"] for a in olgas.named("alert.raised")} >= {"queue_wait:support"}
    assert {a["id"] for a in sams.named("alert.raised")} >= {"queue_wait:sales"}
    for client in (anna, zoe, sam, olga):
        await client.close()


async def test_a_call_that_leaves_a_supervisors_view_is_taken_off_their_wallboard(
    daemon: RunningDaemon,
) -> None:
    """In the menu both groups may get the caller, so both supervisors see the call; once
    it is in support's queue sales' supervisor is told it is gone from their view (by its
    id alone), and hears nothing of it after, while support's follows it to its end."""
    sam, olga = await supervisor(daemon, "sam"), await supervisor(daemon, "olga")
    admin = await supervisor(daemon, None)
    sams, olgas, admins = Collector(sam), Collector(olga), Collector(admin)
    zoe = await as_agent(daemon, "zoe", campaign=None)
    await zoe.request("agent.login", {"campaign": ""})  # inbound only: support's queue
    trunk(daemon).offer("in-f", FRONT_DID, "+48601234999", keys="2", hold=20)
    await wait(2)  # in the menu: both see it
    (sams_board, olgas_board) = [await s.request("monitor.snapshot") for s in (sam, olga)]
    assert [c["id"] for c in sams_board["calls"]] == [c["id"] for c in olgas_board["calls"]]
    assert [c["id"] for c in sams_board["calls"]] == ["in-f"]
    await until(status_is(zoe, "on_call"))  # the caller pressed 2: support's queue, zoe
    await wait(25)  # the caller hangs up
    for collector in (sams, olgas, admins):
        collector.stop()

    mine = [e["data"] for e in sams.events if e["event"] == "call.changed"]
    *shown, last = [d for d in mine if d["id"] == "in-f"]
    assert shown and all(d["state"] in ("answering", "ivr") for d in shown), shown
    assert all((d["queue"], d["agent"], d["client"]) == (None, None, "Acme Front") for d in shown)
    assert last == {"id": "in-f", "ended": True, "gone": True}  # nothing of support's
    assert mine[-1] is last  # and nothing after
    for event in sams.events:
        text = json.dumps(event["data"], ensure_ascii=False)
        assert "zoe" not in text and "support" not in text, (event["event"], text)
    for collected in (olgas, admins):  # they see it to its end, and nothing gone
        theirs = collected.named("call.changed")
        assert lives(theirs, "in-f")[-2:] == ["connected", "ended (ended)"]
        assert not [d for d in theirs if d.get("gone")]
        final = [d for d in theirs if d["id"] == "in-f"][-1]
        assert (final["queue"], final["agent"], final["client"]) == ("support", "zoe", "Acme Front")
    for client in (sam, olga, admin, zoe):
        await client.close()


async def test_alerts_arrive_as_events_and_clear(daemon: RunningDaemon) -> None:
    olga = await supervisor(daemon, "olga")
    seen = Collector(olga)
    trunk(daemon).offer("in-w", SUPPORT_DID, "+48601237777", hold=30)
    await wait(25)  # in line since ~0 s; past the 20 s service level
    (raised,) = seen.named("alert.raised")
    assert (raised["id"], raised["kind"], raised["queue"]) == (
        "queue_wait:support",
        "queue_wait",
        "support",
    )
    assert "past the service level of 20 s" in raised["text"]
    board = await olga.request("monitor.snapshot")
    assert [a["id"] for a in board["alerts"]] == ["queue_wait:support"]
    await wait(10)  # the caller gave up
    assert [a["id"] for a in seen.named("alert.cleared")] == ["queue_wait:support"]

    await trunk(daemon).stop()
    await wait(2)  # a moment down is no outage (a re-registration)
    assert seen.named("alert.raised")[-1]["kind"] != "trunk"
    await wait(5)
    trunk_alert = seen.named("alert.raised")[-1]
    assert (trunk_alert["kind"], trunk_alert["text"]) == ("trunk", "trunk down: stopped")
    trunk(daemon).up()
    await wait(2)
    assert seen.named("alert.cleared")[-1]["id"] == "trunk"
    seen.stop()
    await olga.close()
