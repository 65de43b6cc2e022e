"""The agent's TUI under Pilot, against a real daemon: what the agent sees and what lands in the DB."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from textual.widgets import Input, SelectionList, Static

from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.screens.agent import AgentApp
from ccterm.screens.card import ContactCard
from ccterm.screens.dialogs import CallbackDialog, Confirm, MessagePopup, TagPicker
from ccterm.screens.widgets import LeadList
from tests.conftest import STEP, VIRTUAL, RunningDaemon, start_daemon
from tests.desk_helpers import db, load

NUMBERS = [f"+4860123460{i}" for i in range(8)]
T = TypeVar("T")


async def wait_for(pilot: Any, check: Callable[[], Any], within: float = 8.0) -> Any:
    """Until `check` holds on screen; a daemon on a virtual clock moves a step each time."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {within} s")
        for daemon in list(VIRTUAL):
            await daemon.advance(STEP)
        await pilot.pause(0.05)


async def shown(pilot: Any, app: AgentApp, kind: type[T]) -> T:
    """Wait until a screen of `kind` is on top; that screen."""
    screen: T = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, kind) else None)
    return screen


def ids(app: AgentApp) -> list[int]:
    return [i.id for i in app.desk.leads.view]


def status(app: AgentApp) -> str | None:
    return (app.desk.agent or {}).get("status")


def make_app(
    daemon: RunningDaemon, clock: VirtualClock | None = None, campaign: str = "c"
) -> AgentApp:
    return AgentApp(
        daemon.socket, clock=clock or VirtualClock(time.time()), act_as="anna", campaign=campaign
    )


async def loaded(pilot: Any, app: AgentApp, count: int) -> None:
    await wait_for(pilot, lambda: len(app.desk.leads.items) == count and status(app))


async def select(pilot: Any, app: AgentApp, lead_id: int) -> None:
    leads = app.desk.leads
    leads.cursor = ids(app).index(lead_id)
    await pilot.pause()


async def test_the_list_follows_the_lead_order_with_due_callbacks_first(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:5], lead_order="priority")
    # priorities as a supervisor set them: lead 3 highest
    for lead_id, priority in zip(leads, [0, 1, 9, 5, 0], strict=True):
        db_update(
            human,
            "UPDATE leads SET priority = ?, rank_major = ? WHERE id = ?",
            (priority, -priority, lead_id),
        )
    await human.request("callback.set", {"lead_id": leads[4], "at": time.time()})  # due now
    await human.request("callback.set", {"lead_id": leads[0], "at": time.time() + 3600})
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 5)
        assert ids(app) == [leads[4], leads[2], leads[3], leads[1], leads[0]]
        first = app.desk.leads.render_line(0).text
        assert first.startswith("!") and "CALLBACK DUE" in first
        assert app.desk.leads.render_line(4).text.startswith("@")


def db_update(daemon: RunningDaemon, sql: str, params: tuple[Any, ...]) -> None:
    import sqlite3

    con = sqlite3.connect(daemon.config.daemon.database)
    con.execute(sql, params)
    con.commit()
    con.close()


async def test_a_callback_turns_red_the_moment_it_falls_due(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:4])
    start = time.time()
    await human.request("callback.set", {"lead_id": leads[2], "at": start + 120, "agent": "anna"})
    clock = VirtualClock(start)
    app = make_app(human, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 4)
        row = ids(app).index(leads[2])
        assert row == 3, "a callback not yet due waits at the end"
        strip = app.desk.leads.render_line(row)
        assert strip.text.startswith("@") and not any(
            seg.style and seg.style.bgcolor and seg.style.bgcolor.name == "red" for seg in strip
        )
        clock.advance(121)  # no refresh, no key: only the clock moves
        await wait_for(pilot, lambda: ids(app)[0] == leads[2], within=3)
        strip = app.desk.leads.render_line(0)
        assert strip.text.startswith("!") and "CALLBACK DUE" in strip.text
        assert any(
            seg.style and seg.style.bgcolor and seg.style.bgcolor.name == "red" for seg in strip
        )


@pytest.mark.parametrize(
    ("key", "code", "state", "mark"),
    [
        ("1", "done", "done", None),
        ("2", "callback", "waiting", None),
        ("3", "no_answer", "waiting", None),
        ("4", "voicemail", "waiting", None),
        ("5", "busy", "waiting", None),
        ("6", "wrong_number", "done", "wrong_number"),
        ("7", "fax", "done", "fax"),
    ],
)
async def test_one_key_per_disposition(
    human: RunningDaemon, key: str, code: str, state: str, mark: str | None
) -> None:
    leads = await load(human, "c", NUMBERS[:3], retry_minutes={"no_answer": 90})
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        await select(pilot, app, leads[1])
        before = time.time()
        await pilot.press(key)
        if code in ("no_answer", "voicemail", "busy", "wrong_number", "fax"):
            # a call outcome on a contact never called: asked first
            confirm = await shown(pilot, app, Confirm)
            assert "was never called" in confirm.question
            await pilot.press("y")
        if code == "callback":
            await wait_for(pilot, lambda: isinstance(app.screen, CallbackDialog))
            await pilot.press("1")  # in one hour
        await wait_for(
            pilot, lambda: db(human, "SELECT code FROM dispositions WHERE lead_id = ?", (leads[1],))
        )
        assert db(human, "SELECT code, agent FROM dispositions WHERE lead_id = ?", (leads[1],)) == [
            (code, "anna")
        ]
        got_state, next_at, callback_at = db(
            human, "SELECT state, next_at, callback_at FROM leads WHERE id = ?", (leads[1],)
        )[0]
        assert got_state == state
        if code == "no_answer":
            assert abs(next_at - (before + 90 * 60)) < 10
        if code == "callback":
            assert abs(callback_at - (before + 3600)) < 10
        assert db(human, "SELECT mark FROM number_marks") == ([(mark,)] if mark else [])
        await wait_for(pilot, lambda: app.desk.leads.items[leads[1]].last_disposition == code)


def notes(app: AgentApp) -> list[str]:
    """The notifications on screen now."""
    return [n.message for n in app._notifications]


def card_text(card: ContactCard, part: str) -> str:
    return str(card.query_one(part).render())


async def test_the_card_follows_the_call_and_an_undisposed_call_is_explained(
    human: RunningDaemon,
) -> None:
    """Dial, talk, hang up, let wrap-up run out — with the card open the whole time: it shows
    the call's state and timers as they move, then what was saved, and the agent is told why
    they are paused."""
    leads = await load(human, "c", NUMBERS[:2], wrapup_seconds=2)
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await select(pilot, app, leads[0])
        await pilot.press("d")
        card = await shown(pilot, app, ContactCard)
        assert card.lead_id == leads[0], "the card pops for the call"
        await wait_for(pilot, lambda: "on the line" in card_text(card, "#card-status"))
        assert "ON CALL" in card_text(card, "#card-bar"), "the call's line stays in sight"
        await wait_for(pilot, lambda: "this call" in card_text(card, "#history"))
        await pilot.press("h")
        await wait_for(pilot, lambda: "wrap-up: choose 1-7" in card_text(card, "#card-status"))
        assert "s left" in card_text(card, "#card-bar"), "the countdown is visible on the card"
        await wait_for(pilot, lambda: status(app) == "paused", within=6)
        assert app.desk.agent["pause_reason"] == "wrap-up ran out: Contact 0 not disposed"
        await wait_for(pilot, lambda: "not disposed by anna" in card_text(card, "#history"))
        assert "this call" not in card_text(card, "#history")
        assert "not disposed" in card_text(card, "#card-status")
        assert "PAUSED" in card_text(card, "#card-bar")
        assert any("Wrap-up ran out" in n and "p when ready" in n for n in notes(app))
        assert db(human, "SELECT code, agent FROM dispositions") == [("not_disposed", "anna")]
        await pilot.press("escape")  # close the card
        assert "wrap-up ran out: Contact 0 not disposed" in str(app.desk.query_one("#bar").render())
        await pilot.press("p")
        await wait_for(pilot, lambda: status(app) == "ready")


async def test_enter_during_a_call_opens_the_call_and_notes_land_on_it(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:3])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        await select(pilot, app, leads[1])
        await pilot.press("d")
        await wait_for(pilot, lambda: status(app) == "on_call")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactCard))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.desk)
        await select(pilot, app, leads[2])  # another contact selected on the list
        await pilot.press("enter")
        card = await shown(pilot, app, ContactCard)
        assert card.lead_id == leads[1], "Enter during a call means the contact on the line"
        await pilot.press("n", *"prosi o ofertę", "enter")
        await wait_for(pilot, lambda: db(human, "SELECT lead_id, text FROM notes"))
        assert db(human, "SELECT lead_id, text FROM notes") == [(leads[1], "prosi o ofertę")]


async def test_enter_saves_a_note_and_hands_the_keys_back(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:2])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await select(pilot, app, leads[0])
        await pilot.press("enter")
        card = await shown(pilot, app, ContactCard)
        await pilot.press("n", *"ok", "enter")
        await wait_for(pilot, lambda: db(human, "SELECT text FROM notes"))
        assert not isinstance(card.focused, Input), "the keys are back with the card"
        await pilot.press("1")  # acts: done (the contact is new, so 1 goes ahead)
        await wait_for(
            pilot, lambda: db(human, "SELECT code FROM dispositions WHERE lead_id = ?", (leads[0],))
        )
        await wait_for(pilot, lambda: app.screen is app.desk)  # handled: the card closes
        assert db(human, "SELECT text FROM notes") == [("ok",)]
        # Esc leaves the box without saving
        await pilot.press("enter")
        card = await shown(pilot, app, ContactCard)
        await pilot.press("n", *"half", "escape")
        assert not isinstance(card.focused, Input) and isinstance(app.screen, ContactCard)


async def test_power_mode_dials_the_next_contact_by_itself(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:3], mode="power")
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: status(app) == "on_call")
        card = await shown(pilot, app, ContactCard)
        assert card.lead_id == leads[0]
        await pilot.press("h")
        await wait_for(pilot, lambda: status(app) == "wrapup")
        await pilot.press("1")  # done, from the card
        await wait_for(pilot, lambda: (app.desk.agent.get("call") or {}).get("lead_id") == leads[1])
        assert db(human, "SELECT code FROM dispositions WHERE lead_id = ?", (leads[0],)) == [
            ("done",)
        ]


async def test_a_message_stays_until_dismissed(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:1])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await human.request("message.send", {"to": "anna", "text": "Przerwa o 12:00"})
        popup = await shown(pilot, app, MessagePopup)
        assert popup.message["text"] == "Przerwa o 12:00"
        await pilot.pause(1.0)
        assert isinstance(app.screen, MessagePopup), "it waits for the agent"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MessagePopup))


async def test_reconnects_and_resyncs_after_a_daemon_restart(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:3])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        human.stop.set()
        await asyncio.wait_for(human.task, 15)
        banner = app.desk.query_one("#banner")
        await wait_for(pilot, lambda: banner.has_class("shown"))
        # while it is away, a supervisor's change lands (the new daemon will have it)
        db_update(
            human,
            "UPDATE leads SET state = 'done', last_disposition = 'done' WHERE id = ?",
            (leads[0],),
        )
        restarted = await start_daemon(human.config)
        human.task, human.stop = restarted.task, restarted.stop  # the fixture stops this one
        await wait_for(pilot, lambda: not banner.has_class("shown"), within=10)
        await wait_for(pilot, lambda: status(app) == "ready")
        await wait_for(pilot, lambda: app.desk.leads.items[leads[0]].state == "done")


async def test_find_and_the_card(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:3], script="Dzień dobry {name} z {city}")
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        await pilot.press("slash", *"Contact 1")
        await wait_for(pilot, lambda: ids(app) == [leads[1]])
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: len(ids(app)) == 3)
        await select(pilot, app, leads[2])
        await pilot.press("enter")
        card = await shown(pilot, app, ContactCard)
        assert "Dzień dobry Contact 2 z Kraków" in str(card.query_one("#script").render())
        await pilot.press("n", *"oddzwonić jutro", "enter")
        await wait_for(pilot, lambda: db(human, "SELECT text FROM notes"))
        assert db(human, "SELECT author, text FROM notes") == [("anna", "oddzwonić jutro")]


async def test_quitting_logs_out_at_once(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:1])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code is not None)
    state = await human.request("user.list")
    assert [u["online"] for u in state["users"] if u["name"] == "anna"] == [False]
    async with DaemonClient(human.socket) as probe:
        await probe.hello(act_as="anna")
        assert (await probe.request("agent.state"))["agent"]["status"] == "offline"


async def test_fits_80_by_24(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:8])
    app = make_app(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, 8)
        leads = app.desk.query_one(LeadList)
        assert leads.region.height >= 12 and leads.region.width >= 78
        keys = app.desk.query_one("#keys")
        assert keys.region.y + keys.region.height <= 24
        row = leads.render_line(0).text
        assert "+48 601 234 600" in row and len(row) <= 80


async def test_an_unknown_user_is_told_why(human: RunningDaemon) -> None:
    app = AgentApp(human.socket, act_as="zenon", campaign="c")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 77 and "no user 'zenon'" in app.error_text


async def test_q_on_the_card_during_a_call_asks_before_quitting(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:3], mode="power")
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: status(app) == "on_call")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactCard))
        await pilot.press("q")
        confirm = await shown(pilot, app, Confirm)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code is not None)
        assert confirm is not None


async def test_a_popped_card_never_covers_a_question(human: RunningDaemon) -> None:
    """The dialer's card must not land on top of the quit question the agent is answering."""
    await load(human, "c", NUMBERS[:3])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen is not app.desk)
        question = app.screen
        await human.request("campaign.edit", {"name": "c", "settings": {"mode": "power"}})
        await wait_for(pilot, lambda: status(app) in ("dialing", "on_call"))
        await pilot.pause(0.5)
        assert app.screen is question


async def test_t_tags_the_call_and_its_disposition_carries_them(human: RunningDaemon) -> None:
    """Tags are picked on the card during the call, shown on the card and the status line,
    and saved with the disposition; a campaign without tags says so."""
    tags = ["interested", "price", "send offer"]
    leads = await load(human, "c", NUMBERS[:2], tags=tags, wrapup_seconds=600)
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await pilot.press("t")
        await wait_for(
            pilot, lambda: any("t works on a call or in wrap-up" in n for n in notes(app))
        )
        assert not isinstance(app.screen, TagPicker)
        await select(pilot, app, leads[0])
        await pilot.press("d")
        card = await shown(pilot, app, ContactCard)
        await wait_for(pilot, lambda: status(app) == "on_call")
        await pilot.press("t")
        picker = await shown(pilot, app, TagPicker)
        # 1 and 3 tick the first and the third; Enter ticks the highlighted; 3 again unticks
        await pilot.press("1", "3", "down", "enter", "3")
        assert list(picker.query_one(SelectionList).selected) == ["interested", "price"]
        ticked = picker.query_one("#ticked", Static).render()
        assert str(ticked) == "ticked: interested, price", "in words, not by colour only"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is card)
        await wait_for(pilot, lambda: "tags: interested, price" in card_text(card, "#card-status"))
        assert "tags: interested, price" in str(app.desk.query_one("#bar").render())
        await pilot.press("h")
        await wait_for(pilot, lambda: status(app) == "wrapup")
        await pilot.press("1")
        await wait_for(pilot, lambda: db(human, "SELECT tags FROM dispositions"))
        assert db(human, "SELECT lead_id, code, tags FROM dispositions") == [
            (leads[0], "done", '["interested", "price"]')
        ]
        await wait_for(pilot, lambda: any("tags interested, price" in n for n in notes(app)))
        assert app.desk.tagged is None and app.desk.tags_of(leads[0]) == ()

        # the supervisor takes the tags away: the desk hears it, and t says so
        await human.request("campaign.edit", {"name": "c", "settings": {"tags": []}})
        await wait_for(pilot, lambda: app.desk.campaign_tags() == [])
        await wait_for(pilot, lambda: status(app) == "ready")
        await wait_for(pilot, lambda: app.screen is app.desk)
        await select(pilot, app, leads[1])
        await pilot.press("d")
        await wait_for(pilot, lambda: status(app) == "on_call")
        await pilot.press("t")
        await wait_for(pilot, lambda: any("has no funnel tags" in n for n in notes(app)))
        assert not isinstance(app.screen, TagPicker)
