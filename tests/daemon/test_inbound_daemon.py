"""Inbound calls through the whole daemon (issue 14) on the simulated trunk and a virtual
clock: a caller dials the client's number, hears the menu, presses a key, waits in line,
reaches the agent who waited longest, and the call is in the database as it happened.
(The same flow over real SIP with RFC 2833 keys is tests/integration/test_sip_inbound.py.)"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.clock import VirtualClock
from ccterm.sip.simulated import SimulatedTrunk
from tests.conftest import RunningDaemon, start_daemon, write_config
from tests.desk_helpers import DESK_USERS, HUMAN, as_agent, event_of, load, until

DID = "+48221234500"
PLAN = (
    HUMAN
    + f"""
[[inbound]]
did = "{DID}"
client = "Acme Bank"
start = "menu:main"
script = "acme.txt"
language = "pl"

[menus.main]
prompt = ["hold"]
timeout = 5
repeat = 0
fallback = "queue:sales"
keys = {{ "1" = "queue:sales", "0" = "hangup" }}

[queues.sales]
groups = ["sales"]
announce_every = 0
callback_after = 0
max_wait = 120
overflow = "voicemail"
"""
)


@pytest.fixture
async def daemon(workdir: Path) -> AsyncIterator[RunningDaemon]:
    (workdir / "acme.txt").write_text("Acme Bank, {name} speaking, how can I help?\n")
    cfg = config_mod.load(write_config(workdir, users=DESK_USERS + OTHER, extra=PLAN))
    running = await start_daemon(cfg, VirtualClock(time.time()))
    try:
        yield running
    finally:
        running.stop.set()
        await running.task


OTHER = """
[[users]]
name = "olga"
role = "supervisor"
group = "support"
"""


def trunk(daemon: RunningDaemon) -> SimulatedTrunk:
    assert daemon.runner is not None
    found = daemon.runner.trunk
    assert isinstance(found, SimulatedTrunk)
    return found


async def status(client: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await client.request("agent.state"))["agent"]
    return found


def row(daemon: RunningDaemon, call_id: str) -> dict[str, Any]:
    con = sqlite3.connect(daemon.config.daemon.database)
    con.row_factory = sqlite3.Row
    try:
        found = con.execute("SELECT * FROM inbound_calls WHERE call_id = ?", (call_id,)).fetchone()
    finally:
        con.close()
    assert found is not None, f"no record of {call_id}"
    return dict(found)


async def test_a_caller_walks_the_menu_and_reaches_the_longest_idle_agent(
    daemon: RunningDaemon,
) -> None:
    await load(daemon, "c", ["+48601234500"], names=["Jan Kowalski"])
    anna = await as_agent(daemon, "anna", campaign=None)
    hello = await anna.request("agent.login", {"campaign": ""})  # inbound only
    assert hello["status"] == "ready" and hello["campaign"] is None, hello
    await daemon.advance(5)
    piotr = await as_agent(daemon, "piotr", campaign=None)
    await piotr.request("agent.login", {"campaign": ""})
    trunk(daemon).offer("sim-1", DID, "+48601234500", keys="1", hold=60)

    async def on_call() -> Any:
        state = await status(anna)
        return state if state["status"] == "on_call" else None

    state = await until(on_call, within=10)
    call = state["call"]
    assert call["direction"] == "inbound"
    assert call["inbound"]["client"] == "Acme Bank"
    assert call["inbound"]["e164"] == "+48601234500"
    assert call["inbound"]["script"].startswith("Acme Bank, {name} speaking")
    assert call["inbound"]["queue"] == "sales"
    assert (await status(piotr))["status"] == "ready"  # anna waited longer
    found = await anna.request("contact.find", {"call_id": call["id"]})
    assert found["contact"]["name"] == "Jan Kowalski"

    record = row(daemon, "sim-1")
    assert (record["client"], record["queue"], record["agent"]) == ("Acme Bank", "sales", "anna")
    assert record["answered_at"] is not None and record["ended_at"] is None
    await daemon.advance(60)  # the caller hangs up
    assert (await status(anna))["status"] == "wrapup"
    record = row(daemon, "sim-1")
    assert (record["outcome"], record["hung_up_by"]) == ("answered", "caller")
    path = json.loads(record["path"])
    assert path[:3] == ["menu:main", "key:1", "to:queue:sales"]
    assert "queue:sales" in path and "agent:anna" in path
    await anna.request("agent.ready")  # nothing to dispose on an inbound call: ready again
    assert (await status(anna))["status"] == "ready"
    await anna.close()
    await piotr.close()


async def test_a_caller_nobody_takes_hangs_up_and_is_abandoned(daemon: RunningDaemon) -> None:
    trunk(daemon).offer("sim-2", DID, "+48601234501", keys="1", hold=30)
    await daemon.advance(31)
    record = row(daemon, "sim-2")
    assert (record["outcome"], record["hung_up_by"], record["queue"]) == (
        "abandoned",
        "caller",
        "sales",
    )
    assert record["entered_at"] is not None and record["answered_at"] is None


async def test_no_key_is_the_fallback_and_an_unknown_number_is_not_in_service(
    daemon: RunningDaemon,
) -> None:
    trunk(daemon).offer("sim-3", DID, "+48601234502", hold=20)
    trunk(daemon).offer("sim-4", "+48229999999", "+48601234503", hold=20)
    await daemon.advance(10)
    assert json.loads(row(daemon, "sim-3")["path"])[:3] == [
        "menu:main",
        "timeout",
        "to:queue:sales",
    ]
    record = row(daemon, "sim-4")
    assert (record["outcome"], record["hung_up_by"]) == ("not_in_service", "system")
    await daemon.advance(15)
    assert row(daemon, "sim-3")["outcome"] == "abandoned"


@pytest.fixture
async def callbacks(workdir: Path) -> AsyncIterator[RunningDaemon]:
    """The plan above, its queue offering a callback after 10 s in line."""
    plan = PLAN.replace("callback_after = 0", "callback_after = 10")
    (workdir / "acme.txt").write_text("Acme Bank\n")
    cfg = config_mod.load(write_config(workdir, users=DESK_USERS, extra=plan))
    running = await start_daemon(cfg, VirtualClock(time.time()))
    try:
        yield running
    finally:
        running.stop.set()
        await running.task


def callback_rows(daemon: RunningDaemon) -> list[dict[str, Any]]:
    con = sqlite3.connect(daemon.config.daemon.database)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM queue_callbacks ORDER BY id")]
    finally:
        con.close()


async def test_a_callback_keeps_the_place_and_is_placed_once_agent_first(
    callbacks: RunningDaemon,
) -> None:
    daemon = callbacks
    sim = trunk(daemon)
    sim.offer("sim-1", DID, "+48601234500", keys="1", hold=600)
    await daemon.advance(14)  # in line since ~3.5 s; the offer at ~13.5 s
    sim.press("sim-1", "1")
    await daemon.advance(15)  # the confirmation, goodbye, and the daemon hangs up
    record = row(daemon, "sim-1")
    assert (record["outcome"], record["hung_up_by"]) == ("callback", "system")  # after "bye"
    (waiting,) = callback_rows(daemon)
    assert (waiting["state"], waiting["e164"], waiting["queue"]) == (
        "waiting",
        "+48601234500",
        "sales",
    )
    assert waiting["entered_at"] == record["entered_at"]  # the caller's place, kept
    sim.offer("sim-2", DID, "+48601234502", keys="1", hold=600)  # a live caller, later
    await daemon.advance(6)

    anna = await as_agent(daemon, "anna", campaign=None)
    await anna.request("agent.login", {"campaign": ""})

    async def on_call() -> Any:
        state = await status(anna)
        return state if state["status"] == "on_call" else None

    state = await until(on_call, within=10)
    assert state["call"]["e164"] == "+48601234500"  # the callback first, not sim-2
    assert state["call"]["inbound"]["client"] == "callback · sales"
    (placing,) = callback_rows(daemon)
    assert (placing["state"], placing["tries"], placing["agent"]) == ("placing", 1, "anna")
    await daemon.advance(30)
    await anna.request("call.hangup")
    await daemon.advance(1)
    (done,) = callback_rows(daemon)
    assert (done["state"], done["tries"]) == ("done", 1)  # placed exactly once
    await anna.request("agent.ready")
    state = await until(on_call, within=5)
    assert state["call"]["id"] == "sim-2"  # then the live caller
    await anna.close()


async def test_dispositions_on_inbound_calls_and_a_callback_on_the_agents_campaign(
    daemon: RunningDaemon,
) -> None:
    await load(daemon, "c", ["+48601234599"])  # the caller is not on this list
    anna = await as_agent(daemon, "anna")  # logged in to campaign c: blended
    trunk(daemon).offer("sim-7", DID, "+48601234577", keys="1", hold=20)

    async def in_wrapup() -> Any:
        state = await status(anna)
        return state if state["status"] == "wrapup" else None

    state = await until(in_wrapup, within=30)
    call_id = state["call"]["id"]
    assert call_id == "sim-7" and state["call"]["direction"] == "inbound"
    at = daemon.clock.now() + 3600 if daemon.clock else 0.0
    done = await anna.request(
        "disposition.set",
        {"call_id": call_id, "code": "callback", "callback_at": at, "note": "wants an offer"},
    )
    assert done["lead"]["callback_at"] == at and done["lead"]["callback_agent"] == "anna"
    assert (await status(anna))["status"] == "ready"
    record = row(daemon, "sim-7")
    assert (record["disposition"], record["disposition_note"]) == ("callback", "wants an offer")
    con = sqlite3.connect(daemon.config.daemon.database)
    try:
        ((campaign, e164, state_),) = con.execute(
            "SELECT c.name, k.e164, l.state FROM leads l JOIN contacts k ON k.id = l.contact_id"
            " JOIN campaigns c ON c.id = l.campaign_id WHERE k.e164 = '+48601234577'"
        ).fetchall()
    finally:
        con.close()
    assert (campaign, e164, state_) == ("c", "+48601234577", "waiting")
    with pytest.raises(Exception, match="not your inbound call"):
        await anna.request("disposition.set", {"call_id": call_id, "code": "done"})
    await anna.close()


async def test_the_queue_state_is_published_each_second_to_its_groups_only(
    daemon: RunningDaemon,
) -> None:
    sam = await daemon.client()
    await sam.hello(act_as="sam")  # supervisor of sales, which takes the queue
    olga = await daemon.client()
    await olga.hello(act_as="olga")  # supervisor of support: not hers
    seen: list[str] = []

    async def listen() -> None:
        async for event in olga.events():
            seen.append(event["event"])

    task = asyncio.create_task(listen())
    trunk(daemon).offer("sim-9", DID, "+48601234509", keys="1", hold=60)
    await daemon.advance(5)
    state = await event_of(sam, "queue.state")
    while state["waiting"] == 0:  # the seconds before the caller pressed 1
        state = await event_of(sam, "queue.state")
    assert state["queue"] == "sales" and state["waiting"] == 1 and state["agents_free"] == 0
    later = await event_of(sam, "queue.state")  # a second on, the caller waits longer
    assert later["longest_wait"] > state["longest_wait"]
    await daemon.advance(3)
    task.cancel()
    assert "queue.state" not in seen
    await sam.close()
    await olga.close()


async def test_a_callback_in_review_sent_back_is_placed_in_its_place(
    daemon: RunningDaemon,
) -> None:
    """A restart left a callback in review; sam (supervisor of sales) calls it again: it is
    back in line and dialled for the next free agent; an agent may list, not resolve."""
    now = daemon.clock.now() if daemon.clock else time.time()
    con = sqlite3.connect(daemon.config.daemon.database)
    con.execute(
        "INSERT INTO inbound_calls (call_id, did, caller, arrived_at) VALUES ('x', '1', '', ?)",
        (now,),
    )
    con.execute(
        "INSERT INTO queue_callbacks (inbound_id, queue, e164, entered_at, created_at,"
        " expires_at, state, tries, note) VALUES (1, 'sales', '+48601234588', ?, ?, ?,"
        " 'review', 1, 'it may have rung')",
        (now - 60, now - 50, now + 3600),
    )
    con.commit()
    con.close()
    anna = await as_agent(daemon, "anna", campaign=None)
    (listed,) = (await anna.request("queue.callbacks"))["callbacks"]
    assert (listed["state"], listed["e164"]) == ("review", "+48601234588")
    with pytest.raises(Exception, match="supervisor"):
        await anna.request("queue.callback.resolve", {"id": 1, "again": True})
    sam = await daemon.client()
    await sam.hello(act_as="sam")
    done = await sam.request("queue.callback.resolve", {"id": 1, "again": True})
    assert done["callback"]["state"] == "waiting"
    await anna.request("agent.login", {"campaign": ""})

    async def dialled() -> Any:
        state = await status(anna)
        return state if state["call"] and state["call"]["e164"] == "+48601234588" else None

    await until(dialled, within=5)
    assert callback_rows(daemon)[0]["state"] in ("placing", "done")
    await anna.close()
    await sam.close()
