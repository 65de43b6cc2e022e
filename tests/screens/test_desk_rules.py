"""The desk's small rules under Pilot, against a real daemon: what a key asks before it acts,
what the status line says, and how dialogs fit the terminal."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from textual.widgets import Input, OptionList

from ccterm.clock import VirtualClock, local
from ccterm.screens.agent import AgentApp
from ccterm.screens.dialogs import (
    CallbackDialog,
    Confirm,
    DoNotCall,
    HelpScreen,
    PickCampaign,
    typed_example,
)
from tests.conftest import RunningDaemon
from tests.desk_helpers import db, load
from tests.screens.test_agent_app import (
    db_update,
    ids,
    loaded,
    make_app,
    select,
    shown,
    status,
    wait_for,
)

NUMBERS = [f"+4860123480{i}" for i in range(6)]


def bar(app: AgentApp) -> str:
    return str(app.desk.query_one("#bar").render())


async def test_a_result_key_on_a_finished_contact_asks_and_no_keeps_it(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:2])
    db_update(
        human,
        "UPDATE leads SET state = 'done', last_disposition = 'done', attempts = 1 WHERE id = ?",
        (leads[0],),
    )
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await select(pilot, app, leads[0])
        await pilot.press("5")
        confirm = await shown(pilot, app, Confirm)
        assert "is finished here (done)" in confirm.question
        await pilot.press("n")
        await pilot.pause(0.3)
        assert db(human, "SELECT code FROM dispositions") == [], "no: nothing overwritten"
        assert db(human, "SELECT state FROM leads WHERE id = ?", (leads[0],)) == [("done",)]
        await select(pilot, app, leads[1])
        await pilot.press("1")  # done on a new contact: nothing to overwrite, no question
        await wait_for(
            pilot, lambda: db(human, "SELECT code FROM dispositions WHERE lead_id = ?", (leads[1],))
        )


async def test_the_callback_dialog_keeps_a_past_time_and_suggests_future_ones(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await select(pilot, app, leads[0])
        await pilot.press("2")
        dialog = await shown(pilot, app, CallbackDialog)
        box = dialog.query_one("#when", Input)
        example_day = box.placeholder.split(", ")[1].split()[0]
        today = local(time.time()).date()
        assert date.fromisoformat(example_day) > today
        yesterday = f"{today - timedelta(days=1):%Y-%m-%d} 09:00"
        box.focus()
        await pilot.press(*yesterday, "enter")
        assert isinstance(app.screen, CallbackDialog), "a past time does not close the dialog"
        assert box.value == yesterday, "and what was typed stays to be corrected"
        assert "has passed" in str(dialog.query_one("#error").render())
        box.value = "+2h"
        await pilot.press("enter")
        await wait_for(pilot, lambda: db(human, "SELECT callback_at FROM leads WHERE callback_at"))
        (at,) = db(human, "SELECT callback_at FROM leads")[0]
        assert abs(at - (time.time() + 7200)) < 30


def test_the_typed_example_is_always_ahead() -> None:
    now = time.time()
    day = typed_example(now).split(", ")[1].split()[0]
    assert date.fromisoformat(day) > local(now).date()


async def test_pause_words_and_pausing_during_a_call(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:2])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await pilot.press("p")
        await wait_for(pilot, lambda: status(app) == "paused")
        assert "PAUSED" in bar(app) and "p when ready" in bar(app)
        assert "(paused)" not in bar(app)
        await pilot.press("p")
        await wait_for(pilot, lambda: status(app) == "ready")
        await select(pilot, app, leads[0])
        await pilot.press("d")
        await wait_for(pilot, lambda: status(app) == "on_call")
        await pilot.press("escape")  # the popped card
        await pilot.press("p")
        await wait_for(pilot, lambda: "pausing after this call" in bar(app))
        assert any("pause after this call" in n.message for n in app._notifications)
        assert status(app) == "on_call"
        await pilot.press("h")
        await wait_for(pilot, lambda: status(app) == "wrapup")
        await pilot.press("1")
        await wait_for(pilot, lambda: status(app) == "paused")


async def test_do_not_call_asks_why_and_keeps_the_answer(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:2])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        await select(pilot, app, leads[1])
        await pilot.press("x")
        dialog = await shown(pilot, app, DoNotCall)
        reason = dialog.query_one(Input)
        assert reason.value == "customer asked"
        reason.value = ""
        await pilot.press(*"angry, asked twice", "enter")
        await wait_for(pilot, lambda: db(human, "SELECT e164, reason FROM dnc"))
        assert db(human, "SELECT e164, reason, added_by FROM dnc") == [
            (NUMBERS[1], "angry, asked twice", "anna")
        ]


async def test_the_campaign_picker_keeps_its_order_and_marks_the_current_one(
    human: RunningDaemon,
) -> None:
    await load(human, "c", NUMBERS[:1])
    await load(human, "b", NUMBERS[1:2])
    await load(human, "a", NUMBERS[2:3])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await human.request("campaign.pause", {"name": "a"})  # a change arrives as an event
        await wait_for(pilot, lambda: any(c["status"] == "paused" for c in app.desk.campaigns))
        await pilot.press("c")
        picker = await shown(pilot, app, PickCampaign)
        options = picker.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert [p.split()[0] for p in prompts] == ["a", "b", "▸"], prompts
        assert "c" in prompts[2] and "yours now" in prompts[2]
        assert options.highlighted == 2


async def test_a_campaign_switch_leaves_the_old_pause_reason_behind(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS[:1], wrapup_seconds=1)
    await load(human, "other", NUMBERS[1:2])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await select(pilot, app, leads[0])
        await pilot.press("d")
        await wait_for(pilot, lambda: status(app) == "on_call")
        await pilot.press("h")
        await wait_for(pilot, lambda: status(app) == "paused", within=6)
        assert "wrap-up ran out" in bar(app)
        await pilot.press("escape")  # the card
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, PickCampaign))
        await pilot.press("down", "enter")  # 'other' (after 'c')
        await wait_for(pilot, lambda: app.desk.campaign == "other")
        await wait_for(pilot, lambda: "other" in bar(app))
        assert status(app) == "paused" and "wrap-up ran out" not in bar(app)


async def test_help_fits_80_by_24_and_the_bar_never_wraps(human: RunningDaemon) -> None:
    long_name = "Kampania jesienna dla klientów indywidualnych i firm — region Mazowsze"
    await load(human, long_name, NUMBERS[:1])
    app = make_app(human, campaign=long_name)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, 1)
        hours = app.desk.leads.hours  # the daemon's calling hours reach the desk at hello
        assert hours is not None and hours.rule.window == ("00:00", "24:00")
        the_bar = app.desk.query_one("#bar")
        assert the_bar.region.height == 2 and "READY" in bar(app)
        await pilot.press("question_mark")
        help_screen = await shown(pilot, app, HelpScreen)
        box = help_screen.query_one("Vertical")
        assert box.region.x >= 0 and box.region.right <= 80
        assert box.region.bottom <= 24


async def test_a_long_question_wraps_inside_its_dialog(human: RunningDaemon) -> None:
    name = "Aleksandra Konstantynopolitańczykiewiczówna-Wielkopolska"
    leads = await load(human, "c", NUMBERS[:1], names=[name])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        await select(pilot, app, leads[0])
        await pilot.press("x")
        dialog = await shown(pilot, app, DoNotCall)
        title = dialog.query_one(".title")
        assert title.region.right <= 100 and title.region.height >= 2
        text = " ".join(str(title.render()).split())
        assert name in text and "in any campaign." in text


async def test_without_the_daemon_the_bar_says_so_and_the_banner_says_why(
    workdir: Path,
) -> None:
    gone = workdir / "gone" / "ccterm.sock"
    app = AgentApp(gone, clock=VirtualClock(time.time()), act_as="anna", campaign="c")
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.desk.query_one("#banner")
        await wait_for(pilot, lambda: banner.has_class("shown"))
        assert f"the daemon's directory {gone.parent} is gone" in str(banner.render())
        assert "NO DAEMON" in bar(app) and "READY" not in bar(app)


async def test_the_daemon_going_away_turns_ready_into_no_daemon(human: RunningDaemon) -> None:
    import asyncio

    await load(human, "c", NUMBERS[:1])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        assert "READY" in bar(app)
        human.stop.set()
        await asyncio.wait_for(human.task, 15)
        await wait_for(pilot, lambda: "NO DAEMON" in bar(app))
        assert "READY" not in bar(app)
        assert ids(app), "the list stays to read"


async def test_the_status_line_reaches_a_card_pushed_a_moment_ago(human: RunningDaemon) -> None:
    """The twice-a-second tick may land between a card's push and its mount (it crashed the
    desk once, on a real trunk): the card is drawn in full when it mounts instead."""
    from ccterm.screens.card import ContactCard

    leads = await load(human, "c", NUMBERS[:1])
    app = make_app(human)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 1)
        card = await app.request("lead.show", {"lead_id": leads[0]})
        with app._context():  # as the desk's own worker does it
            app.push_screen(ContactCard(card, app.clock, desk=app.desk))
            app.desk.show_bar()  # before the card has mounted
        bar_of_card = await wait_for(
            pilot, lambda: isinstance(app.screen, ContactCard) and app.screen.query("#card-bar")
        )
        await wait_for(pilot, lambda: "READY" in str(bar_of_card.first().render()))
