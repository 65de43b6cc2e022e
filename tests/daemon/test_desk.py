"""The agent's desk through the socket: log in, dial, talk, dispose — against a real daemon."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import pytest

from ccterm.client import DaemonClient
from ccterm.daemon.floor.base import GONE_AFTER
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon
from tests.desk_helpers import as_agent, db, load, status_is, until, wait

NUMBERS = [f"+4860123450{i}" for i in range(8)]


async def test_login_makes_ready_and_hello_carries_the_state(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:2])
    anna = await as_agent(human, "anna")
    state = (await anna.request("agent.state"))["agent"]
    assert (state["status"], state["campaign"]["name"], state["phone"]) == (
        "ready",
        "c",
        "simulated",
    )
    again = await human.client()
    hello = await again.hello(act_as="anna")
    assert hello["user"] == "anna" and hello["role"] == "agent"
    assert hello["snapshot"]["agent"]["status"] == "ready"
    await again.close()
    await anna.close()


async def test_only_an_admin_may_act_as_someone(human: RunningDaemon) -> None:
    anna = await as_agent(human, "anna", campaign=None)
    with pytest.raises(RemoteError) as caught:
        await anna.hello(act_as="piotr")
    assert caught.value.code == "forbidden"
    with pytest.raises(RemoteError) as caught:
        await (await human.client()).hello(act_as="ana")
    assert "did you mean 'anna'" in caught.value.message
    await anna.close()


async def test_manual_call_talk_hang_up_and_dispose(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:3], retry_minutes={"busy": 30})
    anna = await as_agent(human, "anna")
    call = await anna.request("call.dial", {"lead_id": leads[1]})
    assert call["e164"] == NUMBERS[1]
    on_call = await until(status_is(anna, "on_call"))
    assert on_call["call"]["lead_id"] == leads[1] and on_call["call"]["state"] == "connected"
    with pytest.raises(RemoteError) as caught:
        await anna.request("disposition.set", {"lead_id": leads[1], "code": "busy"})
    assert "hang up first" in caught.value.hint
    await anna.request("call.hangup")
    wrap = await until(status_is(anna, "wrapup"))
    assert wrap["wrapup_until"] is not None
    before = time.time()
    lead = (await anna.request("disposition.set", {"lead_id": leads[1], "code": "busy"}))["lead"]
    # committed before the reply: the database says so already
    assert db(human, "SELECT code, agent FROM dispositions WHERE lead_id = ?", (leads[1],)) == [
        ("busy", "anna")
    ]
    state, next_at, attempts = db(
        human, "SELECT state, next_at, attempts FROM leads WHERE id = ?", (leads[1],)
    )[0]
    assert (state, attempts) == ("waiting", 1) and abs(next_at - (before + 1800)) < 5
    assert lead["state"] == "waiting"
    answered = db(
        human,
        "SELECT answered_at IS NOT NULL, outcome, agent FROM attempts WHERE lead_id = ?",
        (leads[1],),
    )
    assert answered == [(1, "answered", "anna")]
    await until(status_is(anna, "ready"))
    with pytest.raises(RemoteError) as caught:
        await anna.request("call.dial", {"lead_id": leads[1]})
    assert "not due yet" in caught.value.message, "a retry time that has not come is honoured"
    await anna.close()


@pytest.mark.parametrize(
    ("code", "state", "mark"),
    [
        ("done", "done", None),
        ("no_answer", "waiting", None),
        ("voicemail", "waiting", None),
        ("busy", "waiting", None),
        ("wrong_number", "done", "wrong_number"),
        ("fax", "done", "fax"),
        ("callback", "waiting", None),
    ],
)
async def test_every_disposition_from_the_list(
    human: RunningDaemon, code: str, state: str, mark: str | None
) -> None:
    leads = await load(human, "c", NUMBERS[:2])
    # the same number in another campaign (added later, to a second contact list)
    anna = await as_agent(human, "anna")
    args: dict[str, Any] = {"lead_id": leads[0], "code": code, "note": "asked to call later"}
    if code == "callback":
        args["callback_at"] = time.time() + 3600
    lead = (await anna.request("disposition.set", args))["lead"]
    assert lead["state"] == state and lead["last_disposition"] == code
    marks = db(human, "SELECT mark FROM number_marks WHERE e164 = ?", (NUMBERS[0],))
    assert marks == ([(mark,)] if mark else [])
    if mark:
        assert db(human, "SELECT blocked FROM leads WHERE id = ?", (leads[0],)) == [(1,)]
    if code == "callback":
        due, agent = db(
            human, "SELECT due_at, agent FROM callbacks WHERE lead_id = ?", (leads[0],)
        )[0]
        assert agent == "anna" and abs(due - args["callback_at"]) < 1
        assert lead["callback_agent"] == "anna"
    notes = db(human, "SELECT author, text FROM notes WHERE lead_id = ?", (leads[0],))
    assert notes == [("anna", "asked to call later")]
    await anna.close()


async def test_a_callback_needs_a_time(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    with pytest.raises(RemoteError) as caught:
        await anna.request("disposition.set", {"lead_id": leads[0], "code": "callback"})
    assert "needs the date and time" in caught.value.message
    with pytest.raises(RemoteError) as caught:
        await anna.request("disposition.set", {"lead_id": leads[0], "code": "abandoned"})
    assert "set by the dialer" in caught.value.message
    await anna.close()


async def test_an_answered_call_left_undisposed_is_never_no_answer_and_keeps_its_callback(
    human: RunningDaemon,
) -> None:
    """A due callback answered, talked, wrap-up runs out: the appointment stays anna's, the
    call reads 'not disposed' by anna, and anna is paused with the reason."""
    leads = await load(human, "c", NUMBERS[:1], wrapup_seconds=1, retry_minutes={"no_answer": 30})
    booked = time.time() - 5  # due now
    await human.request("callback.set", {"lead_id": leads[0], "at": booked, "agent": "anna"})
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    ended = time.time()
    paused = await until(status_is(anna, "paused"), within=5)
    assert paused["pause_reason"] == "wrap-up ran out: Contact 0 not disposed"
    assert db(human, "SELECT code, agent FROM dispositions ORDER BY id DESC LIMIT 1") == [
        ("not_disposed", "anna")
    ]
    state, last, callback_at, owner, next_at = db(
        human,
        "SELECT state, last_disposition, callback_at, callback_agent, next_at FROM leads",
    )[0]
    assert (state, last, owner) == ("waiting", "not_disposed", "anna")
    # the appointment stays, after the usual rest rather than at once
    assert callback_at == next_at and abs(callback_at - (ended + 30 * 60)) < 10
    assert db(human, "SELECT count(*) FROM callbacks WHERE done_at IS NULL") == [(1,)]
    report = await human.request("report.campaign", {"name": "c"})
    assert report["not_disposed_by"] == {"anna": 1} and report["progress"]["callback"] == 1
    await anna.request("agent.ready")
    await until(status_is(anna, "ready"))
    await anna.close()


async def test_undisposed_without_a_callback_waits_and_done_is_the_other_default(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:2], wrapup_seconds=1)
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    await until(status_is(anna, "paused"), within=5)
    assert db(
        human, "SELECT state, last_disposition, callback_at FROM leads WHERE id = ?", (leads[0],)
    ) == [("waiting", "not_disposed", None)]
    with pytest.raises(RemoteError) as caught:
        await human.request(
            "campaign.edit", {"name": "c", "settings": {"wrapup_default": "no_answer"}}
        )
    assert "not_disposed" in caught.value.message
    await human.request("campaign.edit", {"name": "c", "settings": {"wrapup_default": "done"}})
    await anna.request("agent.ready")
    await anna.request("call.dial", {"lead_id": leads[1]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    paused = await until(status_is(anna, "paused"), within=5)
    assert paused["pause_reason"] == "wrap-up ran out: Contact 1 saved as done"
    assert db(human, "SELECT state FROM leads WHERE id = ?", (leads[1],)) == [("done",)]
    await anna.close()


async def test_power_mode_dials_by_itself_in_order_and_never_a_listed_number(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:4], mode="power")
    await human.request("dnc.add", {"numbers": [NUMBERS[0]]})
    anna = await as_agent(human, "anna")
    first = await until(status_is(anna, "on_call"))
    assert first["call"]["lead_id"] == leads[1], "the do-not-call number is skipped"
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await anna.request("disposition.set", {"lead_id": leads[1], "code": "done"})
    second = await until(status_is(anna, "on_call"))
    assert second["call"]["lead_id"] == leads[2]
    await anna.request("agent.pause", {})  # the call in hand finishes, then a pause
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await anna.request("disposition.set", {"lead_id": leads[2], "code": "done"})
    paused = await until(status_is(anna, "paused"))
    assert paused["call"] is None
    await wait(30.0)
    assert db(human, "SELECT count(*) FROM attempts") == [(2,)], "paused: nothing more is dialled"
    assert db(human, "SELECT count(*) FROM attempts WHERE e164 = ?", (NUMBERS[0],)) == [(0,)]
    await anna.close()


async def test_the_dialer_disposes_calls_nobody_took(busy: RunningDaemon) -> None:
    leads = await load(busy, "c", NUMBERS[:2], retry_minutes={"busy": 10})
    anna = await as_agent(busy, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(lambda: asyncio.sleep(0, db(busy, "SELECT code FROM dispositions")))
    assert db(busy, "SELECT code, agent FROM dispositions") == [("busy", "dialer")]
    assert db(busy, "SELECT outcome, sip_code FROM attempts") == [("busy", 486)]
    await until(status_is(anna, "ready"))
    await anna.close()


async def test_attempt_cap_and_exhaustion(busy: RunningDaemon) -> None:
    leads = await load(busy, "c", NUMBERS[:1], max_attempts=1)
    anna = await as_agent(busy, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(
        lambda: asyncio.sleep(0, db(busy, "SELECT state FROM leads WHERE state = 'exhausted'"))
    )
    await until(status_is(anna, "ready"))
    with pytest.raises(RemoteError) as caught:
        await anna.request("call.dial", {"lead_id": leads[0]})
    assert "has had its 1 attempts" in caught.value.message
    await anna.close()


async def test_a_lost_agent_keeps_the_customer_and_is_gone_after_the_grace(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.close()  # the terminal went away
    watcher = await as_agent(human, "sam", campaign=None)
    await wait(GONE_AFTER + 1.0)
    anna_now = await watcher.request("user.list")
    assert [u["online"] for u in anna_now["users"] if u["name"] == "anna"] == [False]
    calls = db(human, "SELECT ended_at FROM attempts")
    assert calls == [(None,)], "the customer is still on the line"
    # the customer hangs up later: the call is closed with the default and anna is logged out
    back = await as_agent(human, "anna", campaign=None)
    state = (await back.request("agent.state"))["agent"]
    assert state["status"] == "on_call" and state["call"]["lead_id"] == leads[0]
    await back.request("agent.login", {"campaign": "c"})
    await back.request("call.hangup")
    await until(status_is(back, "wrapup"))
    await back.request("disposition.set", {"lead_id": leads[0], "code": "done"})
    await back.close()
    await watcher.close()


async def test_gone_without_a_call_logs_out(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    await anna.close()
    probe = await as_agent(human, "anna", campaign=None)
    await wait(GONE_AFTER - 1.0)
    assert (await probe.request("agent.state"))["agent"]["status"] == "ready", "in the grace"
    await until(status_is(probe, "offline"), within=3)
    await probe.close()


async def test_messages_reach_only_their_agent(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    piotr = await as_agent(human, "piotr")
    sam = await as_agent(human, "sam", campaign=None)
    sent = await sam.request("message.send", {"to": "anna", "text": "Przerwa o 12:00"})
    assert sent == {"sent": True, "online": True, "to": ["anna"], "reached": ["anna"]}

    async def next_message(client: DaemonClient) -> dict[str, Any]:
        async for event in client.events():
            if event["event"] == "message.received":
                return event["data"]
        raise AssertionError("no message")

    got = await asyncio.wait_for(next_message(anna), 5)
    assert (got["from"], got["text"]) == ("sam", "Przerwa o 12:00")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(next_message(piotr), 0.5)
    with pytest.raises(RemoteError):
        await anna.request("message.send", {"to": "piotr", "text": "hi"})
    for c in (anna, piotr, sam):
        await c.close()


async def test_a_paused_campaign_does_not_dial(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    await human.request("campaign.pause", {"name": "c"})
    anna = await as_agent(human, "anna")
    with pytest.raises(RemoteError) as caught:
        await anna.request("call.dial", {"lead_id": leads[0]})
    assert "is paused" in caught.value.message
    await anna.close()


async def test_the_contact_card(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:1], script="Dzień dobry, {name} z {city}!")
    anna = await as_agent(human, "anna")
    await anna.request("lead.note", {"lead_id": leads[0], "text": "prefers mornings"})
    card = await anna.request("lead.show", {"lead_id": leads[0]})
    assert (
        card["fields"] == {"city": "Kraków"} and card["script"] == "Dzień dobry, {name} z {city}!"
    )
    assert [n["text"] for n in card["notes"]] == ["prefers mornings"]
    assert card["lead"]["e164"] == NUMBERS[0]
    await anna.close()


async def test_a_disposition_that_cannot_be_written_is_refused_and_the_wrapup_stays(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    with sqlite3.connect(human.config.daemon.database) as con:  # the store refuses writes
        con.execute(
            "CREATE TRIGGER full BEFORE INSERT ON dispositions"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    with pytest.raises(RemoteError):
        await anna.request("disposition.set", {"lead_id": leads[0], "code": "done"})
    state = (await anna.request("agent.state"))["agent"]
    assert state["status"] == "wrapup", "not acknowledged, so nothing moved on"
    assert state["call"]["lead_id"] == leads[0]
    with sqlite3.connect(human.config.daemon.database) as con:
        con.execute("DROP TRIGGER full")
    await anna.request("disposition.set", {"lead_id": leads[0], "code": "done"})
    assert db(human, "SELECT code, agent FROM dispositions") == [("done", "anna")]
    await until(status_is(anna, "ready"))
    await anna.close()
