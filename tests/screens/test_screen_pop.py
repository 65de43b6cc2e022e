"""The inbound screen pop on the agent's desk, under Pilot, against a real daemon.

The daemon's inbound flow (IVR, queues, putting a caller through) is wired separately:
until it is, these tests stand in for it in two places. The connected inbound call is
planted on the daemon's floor (desk_helpers.inbound_on), so contact.find and
contact.save check it for real, and the agent.changed event that carries it is posted
to the desk as a DaemonEvent, exactly as the desk receives daemon events. The end-to-end
path, a real inbound call reaching the desk, is tested with that flow.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from textual.widgets import Input

from ccterm.app import DaemonEvent
from ccterm.daemon.floor.state import Inbound
from ccterm.screens.agent import AgentApp
from ccterm.screens.pop import ScreenPop, fill, history_lines, parse_fields
from tests.conftest import RunningDaemon
from tests.desk_helpers import db, inbound_on, load
from tests.screens.test_agent_app import loaded, make_app, shown, wait_for

KNOWN = "+48601234700"
UNKNOWN = "+48601234799"
SCRIPT = "Dzień dobry {name} z {city}, tu {client}. Numer {e164}, umowa {contract}."


def caller(e164: str) -> Inbound:
    return Inbound(
        did="+48221234500",
        caller=e164,
        e164=e164,
        client="Acme",
        script=SCRIPT,
    )


def text(pop: ScreenPop, part: str) -> str:
    return str(pop.query_one(part).render())


def put_through(app: AgentApp, wire: dict[str, Any]) -> None:
    """The agent.changed the daemon will send when the caller is put through."""
    app.post_message(DaemonEvent("agent.changed", wire, seq=0))


def earlier_inbound_call(daemon: RunningDaemon, e164: str, at: float) -> None:
    con = sqlite3.connect(daemon.config.daemon.database)
    con.execute(
        "INSERT INTO inbound_calls (call_id, did, client, caller, e164, queue, arrived_at,"
        " outcome, agent) VALUES ('old-1', '+48221234500', 'Acme', ?, ?, 'support', ?,"
        " 'answered', 'piotr')",
        (e164, e164, at),
    )
    con.commit()
    con.close()


async def test_a_known_caller_pops_with_fields_history_and_the_script(
    human: RunningDaemon,
) -> None:
    await load(
        human, "c", [KNOWN], names=["Anna Nowak"], fields=[{"city": "Kraków", "plan": "gold"}]
    )
    app = make_app(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, 1)
        await pilot.press("d")  # an outbound call first: answered, hung up, done
        await wait_for(pilot, lambda: (app.desk.agent or {}).get("status") == "on_call")
        await pilot.press("escape", "h")
        await wait_for(pilot, lambda: (app.desk.agent or {}).get("status") == "wrapup")
        await pilot.press("1")
        await wait_for(pilot, lambda: db(human, "SELECT code FROM dispositions"))
        await wait_for(pilot, lambda: (app.desk.agent or {}).get("status") == "ready")
        earlier_inbound_call(human, KNOWN, time.time() + 60)
        async with inbound_on(human, "anna", caller(KNOWN)) as wire:
            put_through(app, wire)
            pop = await shown(pilot, app, ScreenPop)
            await wait_for(pilot, lambda: "Anna Nowak" in text(pop, "#pop-contact"))
            title = text(pop, "#pop-title")
            assert "Inbound · Acme · +48 601 234 700" in title and "waited 1:15" in title
            contact = text(pop, "#pop-contact")
            assert "city: Kraków" in contact and "plan: gold" in contact
            history = text(pop, "#pop-history").splitlines()
            assert len(history) == 2
            assert "in   Acme, queue support: answered (piotr)" in history[0], "newest first"
            assert "out  c: answered -> done (anna)" in history[1]
            assert text(pop, "#pop-script") == (
                "Dzień dobry Anna Nowak z Kraków, tu Acme. Numer +48601234700, umowa {contract}."
            )
            assert not pop.query_one("#pop-form").display, "a known caller needs no form"
            assert "ON CALL" in text(pop, "#pop-bar")
            # readable at 80x24: the pop fits, its body scrolls
            body = pop.query_one("#pop-body")
            assert body.region.y + body.region.height <= 24 and body.region.width >= 70
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.desk)
            await pilot.press("enter")  # during the call, Enter brings the caller back
            await shown(pilot, app, ScreenPop)


async def test_an_unknown_caller_is_filled_in_saved_and_shown(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN])
    app = make_app(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, 1)
        async with inbound_on(human, "anna", caller(UNKNOWN)) as wire:
            put_through(app, wire)
            pop = await shown(pilot, app, ScreenPop)
            await wait_for(pilot, lambda: "Unknown caller" in text(pop, "#pop-contact"))
            assert pop.query_one("#pop-form").display
            assert "+48 601 234 799" in text(pop, "#pop-number"), "prefilled with the number"
            assert text(pop, "#pop-script").startswith("Dzień dobry {name} z {city}, tu Acme.")
            await pilot.press("e", *"Jan Kowalski")
            assert isinstance(pop.focused, Input), "e goes to the form"
            await pilot.press("tab", *"city=Gdańsk", "enter", *"vip=yes")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "Jan Kowalski" in text(pop, "#pop-contact"))
            assert db(human, "SELECT name, fields FROM contacts WHERE e164 = ?", (UNKNOWN,)) == [
                ("Jan Kowalski", '{"city": "Gdańsk", "vip": "yes"}')
            ]
            assert not pop.query_one("#pop-form").display
            assert "city: Gdańsk" in text(pop, "#pop-contact")
            assert text(pop, "#pop-script").startswith(
                "Dzień dobry Jan Kowalski z Gdańsk, tu Acme."
            )
            assert text(pop, "#pop-history") == "none"
            await pilot.press("ctrl+s")  # nothing left to save: no second contact
            await pilot.pause(0.2)
            assert db(human, "SELECT count(*) FROM contacts") == [(2,)]


def test_the_script_fills_what_it_knows_and_never_breaks() -> None:
    values = {"name": "Ewa", "e164": "+48601", "empty": ""}
    assert fill("{name} {e164} {city} {empty}", values) == "Ewa +48601 {city} {empty}"
    for odd in ("{name.first}", "{0}", "{", "}{", "{{name}}", "{name!r}", "{a:{b}}"):
        fill(odd, values)  # never raises
    assert fill("{{name}}", values) == "{Ewa}"


def test_form_fields_are_key_value_lines() -> None:
    assert parse_fields("city = Gdańsk\n\nvip=yes\nnote=a=b\nempty=") == (
        {"city": "Gdańsk", "vip": "yes", "note": "a=b"},
        [],
    )
    assert parse_fields("just words\n=x") == ({}, ["just words", "=x"])


def test_history_reads_newest_first_both_ways() -> None:
    lines = history_lines(
        [
            {"kind": "outbound", "at": 1.0, "campaign": "c", "outcome": "no_answer",
             "agent": None, "disposition": None, "note": ""},
            {"kind": "disposition", "at": 2.0, "campaign": "c", "disposition": "callback",
             "agent": "anna", "note": "after 5"},
            {"kind": "inbound", "at": 3.0, "client": "Acme", "queue": None,
             "outcome": None, "agent": None},
        ]
    )  # fmt: skip
    assert [line.split("  ", 1)[1] for line in lines] == [
        "in   Acme: in progress (-)",
        "set  c: callback (anna)  «after 5»",
        "out  c: no answer (-)",
    ]


async def test_x_during_an_inbound_call_blocks_the_caller_not_the_selected_contact(
    human: RunningDaemon,
) -> None:
    await load(human, "c", [KNOWN])  # the list's selected contact is someone else
    app = make_app(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, 1)
        async with inbound_on(human, "anna", caller(UNKNOWN)) as wire:
            put_through(app, wire)
            await shown(pilot, app, ScreenPop)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.desk)
            await pilot.press("x")
            await wait_for(pilot, lambda: app.screen is not app.desk)
            await pilot.press(*"asked on the phone", "enter")
            await wait_for(pilot, lambda: db(human, "SELECT e164 FROM dnc"))
    assert db(human, "SELECT e164 FROM dnc") == [(UNKNOWN,)]
