"""`ccterm monitor` under Pilot, against a real daemon: what the supervisor sees and what
the keys do to the agents (their own clients see it)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text

from ccterm.client import DaemonClient
from ccterm.daemon.ops.monitor import PROGRESS_FRESH
from ccterm.screens.dialogs import Confirm
from ccterm.screens.monitor import MonitorApp
from ccterm.screens.monitor_dialogs import AskText, MessageDialog
from tests.conftest import STEP, VIRTUAL, RunningDaemon
from tests.desk_helpers import as_agent, event_of, load, status_is, until

NUMBERS = [f"+4860123470{i}" for i in range(4)]


async def wait_for(pilot: Any, check: Callable[[], Any], within: float = 8.0) -> Any:
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


def rows(app: MonitorApp, table: str = "agents") -> dict[str, str]:
    """What the table shows, by row key: the cells' text joined."""
    return {
        key: " ".join(c.plain if isinstance(c, Text) else str(c) for c in cells)
        for key, cells in app.board.shown[table]
    }


def row(app: MonitorApp, key: str) -> str:
    return rows(app).get(key, "")


def notes(app: MonitorApp) -> list[str]:
    return [n.message for n in app._notifications]


def monitor(daemon: RunningDaemon, user: str = "sam") -> MonitorApp:
    assert daemon.virtual is not None
    return MonitorApp(daemon.socket, clock=daemon.virtual, act_as=user)


async def cursor_on(pilot: Any, app: MonitorApp, name: str) -> None:
    keys = [k for k, _ in app.board.shown["agents"]]
    app.board.table("agents").move_cursor(row=keys.index(name))
    await pilot.pause()
    assert app.board.selected("agents") == name


async def test_agents_appear_as_they_log_in_and_change_state(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "piotr" in rows(app))  # the group's roster
        anna = await as_agent(human, "anna")
        await wait_for(pilot, lambda: "READY" in row(app, "anna"))
        assert "c" in row(app, "anna").split()
        await anna.request("agent.pause", {"reason": "lunch"})
        await wait_for(pilot, lambda: "PAUSED" in row(app, "anna") and "lunch" in row(app, "anna"))
        summary = str(app.board.query_one("#summary").render())
        assert "1 paused" in summary and "trunk" in summary
        await anna.close()


def drawn(app: MonitorApp, table: str = "agents") -> list[str]:
    """The table's lines as the screen shows them (rendered, not the model)."""
    widget = app.board.table(table)
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


async def test_a_pause_reason_is_shown_as_typed_not_read_as_markup(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        await anna.request("agent.pause", {"reason": "[/] back [b]soon[/b]"})
        await wait_for(pilot, lambda: "PAUSED" in row(app, "anna"))
        await wait_for(pilot, lambda: any("[/] back [b]soon[/b]" in line for line in drawn(app)))
        await anna.close()


async def test_time_in_state_ticks_on_screen_and_escalates(human: RunningDaemon) -> None:
    """The clock cell as drawn (the cells are kept between redraws: only the clocks move),
    with steps at 1, 2 and 3 s for a short test."""
    await load(human, "c", NUMBERS)
    assert human.virtual is not None
    app = MonitorApp(human.socket, clock=human.virtual, act_as="sam", steps=(1.0, 2.0, 3.0))
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        await anna.request("agent.pause", {"reason": "tea"})
        await wait_for(pilot, lambda: any("PAUSED" in line for line in drawn(app)))
        await cursor_on(pilot, app, "piotr")  # (the cursor's row has the cursor's colours)

        def clock() -> tuple[str, Any]:
            table = app.board.table("agents")
            for y in range(table.size.height):
                segments = list(table.render_line(y))
                if " anna " in "".join(s.text for s in segments):
                    cell = next(s for s in segments if ":" in s.text)  # 0:05 !!
                    return cell.text.strip(), cell.style
            raise AssertionError("anna not on screen")

        assert clock()[0] in ("0:00", "0:01 !")
        for text, colour in (("!", "green"), ("!!", "yellow"), ("!!!", "red")):
            await wait_for(pilot, lambda text=text: clock()[0].endswith(" " + text))
            assert clock()[1].color.name == colour
        seen = clock()[0]
        await wait_for(pilot, lambda: clock()[0] != seen)  # still ticking, each second
        await anna.close()


async def test_the_cursor_stays_on_its_agent_when_rows_re_sort(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        piotr = await as_agent(human, "piotr")
        await wait_for(pilot, lambda: "READY" in row(app, "anna") and "READY" in row(app, "piotr"))
        assert [k for k, _ in app.board.shown["agents"]] == ["anna", "piotr"]
        await cursor_on(pilot, app, "anna")
        await piotr.request("agent.pause", {"reason": ""})
        await anna.request("agent.pause", {"reason": ""})
        await piotr.request("agent.ready")  # piotr (ready) now sorts before anna (paused)
        await wait_for(pilot, lambda: next(k for k, _ in app.board.shown["agents"]) == "piotr")
        await pilot.pause(0.3)
        assert app.board.selected("agents") == "anna"
        await anna.close()
        await piotr.close()


async def test_m_sends_a_message_that_reaches_the_agent(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        await wait_for(pilot, lambda: "READY" in row(app, "anna"))
        await cursor_on(pilot, app, "anna")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageDialog))
        await pilot.press(*"call me", "enter")
        message = await event_of(anna, "message.received")
        assert message["text"] == "call me" and message["from"] == "sam"
        await wait_for(pilot, lambda: any("Message sent to anna" in n for n in notes(app)))
        await anna.close()


async def test_space_tags_and_m_writes_to_the_tagged(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        piotr = await as_agent(human, "piotr")
        await wait_for(pilot, lambda: "READY" in row(app, "anna") and "READY" in row(app, "piotr"))
        await cursor_on(pilot, app, "anna")
        await pilot.press("space", "space")  # tags anna, then piotr (the cursor moves down)
        assert app.board.tagged == {"anna", "piotr"}
        await wait_for(pilot, lambda: row(app, "anna").startswith("*"))
        await pilot.press("m")
        dialog = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, MessageDialog) else None
        )
        assert dialog.targets[0][0] == "tagged"
        await pilot.press(*"team huddle", "enter")
        for client in (anna, piotr):
            assert (await event_of(client, "message.received"))["text"] == "team huddle"
        await anna.close()
        await piotr.close()


async def test_p_pauses_the_selected_agent_with_a_reason(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        await wait_for(pilot, lambda: "READY" in row(app, "anna"))
        await cursor_on(pilot, app, "anna")
        await pilot.press("p")
        box = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, AskText) else None)
        assert box.value == "by sam"
        await pilot.press("enter")
        agent = await until(status_is(anna, "paused"))
        assert agent["pause_reason"] == "by sam"
        await wait_for(pilot, lambda: "PAUSED" in row(app, "anna"))
        await anna.close()


async def test_o_logs_out_an_idle_agent_and_refuses_one_on_a_call(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        piotr = await as_agent(human, "piotr")
        await anna.request("call.dial", {"lead_id": leads[0]})
        await until(status_is(anna, "on_call"))
        await wait_for(pilot, lambda: "ON CALL" in row(app, "anna"))
        assert "out" in row(app, "anna").split()  # the call's direction
        await cursor_on(pilot, app, "anna")
        await pilot.press("o")
        await wait_for(pilot, lambda: any("anna has a customer" in n for n in notes(app)))
        assert not isinstance(app.screen, Confirm)
        assert (await anna.request("agent.state"))["agent"]["status"] == "on_call"
        await wait_for(pilot, lambda: "READY" in row(app, "piotr"))
        await cursor_on(pilot, app, "piotr")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(status_is(piotr, "offline"))
        await wait_for(pilot, lambda: "offline" in row(app, "piotr"))
        await anna.close()
        await piotr.close()


async def test_slash_filters_and_escape_clears(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: {"anna", "piotr"} <= set(rows(app)))
        await pilot.press("slash", *"piot")
        await wait_for(pilot, lambda: set(rows(app)) == {"piotr"})
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: {"anna", "piotr"} <= set(rows(app)))


async def test_tab_moves_between_tables_and_campaign_keys_act(human: RunningDaemon) -> None:
    leads = await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: rows(app, "campaigns"))
        assert "0% done, 4 to call" in next(iter(rows(app, "campaigns").values()))
        anna = await as_agent(human, "anna")
        await anna.request("call.dial", {"lead_id": leads[0]})
        await until(status_is(anna, "on_call"))
        await anna.request("call.hangup")
        await until(status_is(anna, "wrapup"))
        await anna.request("disposition.set", {"lead_id": leads[0], "code": "done"})
        await anna.close()
        await human.advance(PROGRESS_FRESH)  # the daemon counts a campaign's list anew
        app.board.refresh_today()  # what the wallboard's 15 s timer does
        await wait_for(
            pilot, lambda: "25% done, 3 to call" in next(iter(rows(app, "campaigns").values()))
        )
        for table in ("calls", "queues", "campaigns"):
            await pilot.press("tab")
            assert app.board.current == table
            assert app.board.table().has_class("current")
        await human.request("campaign.start", {"name": "c"})
        await wait_for(pilot, lambda: "running" in next(iter(rows(app, "campaigns").values())))
        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in next(iter(rows(app, "campaigns").values())))


async def test_listening_without_a_phone_says_so(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS)
    app = monitor(human)
    async with app.run_test(size=(120, 30)) as pilot:
        anna = await as_agent(human, "anna")
        await wait_for(pilot, lambda: "READY" in row(app, "anna") and app.board.floor.users)
        await cursor_on(pilot, app, "anna")
        await pilot.press("l")
        await wait_for(pilot, lambda: any("You have no phone" in n for n in notes(app)))
        await anna.close()


@pytest.mark.parametrize("user", ["anna"])
async def test_an_agent_is_refused(human: RunningDaemon, user: str) -> None:
    app = monitor(human, user)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.error_text)
    assert app.return_code == 77
    assert "for supervisors and admins" in app.error_text and "anna" in app.error_text


async def test_the_ops_check_the_group(human: RunningDaemon) -> None:
    """agent.pause_other on an agent who is not logged in, or of no one's group: not found."""
    async with DaemonClient(human.socket) as sam:
        await sam.hello(act_as="sam")
        with pytest.raises(Exception, match="not logged in"):
            await sam.request("agent.pause_other", {"agent": "anna"})


def chart_text(charts: Any, name: str) -> str:
    from textual_plotext import PlotextPlot

    rendered = charts.query_one(f"#{name}", PlotextPlot).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


def hour_columns(text: str) -> dict[str, int]:
    """Where each HH:00 label of the x axis sits, by column."""
    axis = [line for line in text.splitlines() if re.search(r"\d\d:00", line)][-1]
    return {m.group(): m.start() for m in re.finditer(r"\d\d:00", axis)}


async def test_g_shows_todays_calls_per_quarter_hour(human: RunningDaemon) -> None:
    """Two calls dialled and answered: the charts count them in the current quarter hour."""
    from ccterm.screens.monitor_charts import ChartsScreen

    leads = await load(human, "c", NUMBERS)
    anna = await as_agent(human, "anna")
    for lead in leads[:2]:
        await anna.request("call.dial", {"lead_id": lead})
        await until(status_is(anna, "on_call"))
        await anna.request("call.hangup")
        await until(status_is(anna, "wrapup"))
        await anna.request("disposition.set", {"lead_id": lead, "code": "done"})
    app = monitor(human)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "anna" in rows(app))
        await pilot.press("g")
        charts = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ChartsScreen) else None
        )
        data = await wait_for(pilot, lambda: charts.data)
        assert sum(data["dials"]) == 2 and sum(data["connects"]) == 2
        assert sum(data["abandons"]) == 0
        assert any(share for share in data["occupancy"] if share), "anna talked and wrapped up"
        now = human.virtual.now() if human.virtual else time.time()
        assert data["dials"][int((now - data["start"]) // data["step"])] == 2
        await pilot.pause(0.1)
        drawn = {name: chart_text(charts, name) for name in ("calls", "levels")}
        assert "0.17" not in drawn["calls"], "counts are whole numbers"
        hours = {name: hour_columns(text) for name, text in drawn.items()}
        assert hours["calls"] and hours["calls"] == hours["levels"], "the quarters line up"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.board)
    await anna.close()


async def test_v_shows_the_selected_agents_report_and_e_saves_it_as_csv(
    human: RunningDaemon, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccterm.screens.monitor_reports import ReportScreen

    monkeypatch.chdir(tmp_path)
    await load(human, "c", NUMBERS)
    anna = await as_agent(human, "anna")
    app = monitor(human)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "READY" in row(app, "anna"))
        await cursor_on(pilot, app, "anna")
        await pilot.press("v")
        report = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ReportScreen) else None
        )
        await wait_for(pilot, lambda: report.data is not None)
        body = str(report.query_one("#report-body").render())
        assert "Agent 'anna'" in body and "logged in" in body and "target calls" in body
        await pilot.press("e")
        saved = tmp_path / "ccterm-report-agent-anna.csv"
        await wait_for(pilot, saved.exists)
        assert saved.read_text().startswith("section,metric,value\nagent,logged_in_s,")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.board)
    await anna.close()


async def test_v_on_a_campaign_shows_its_funnel_and_e_saves_it(
    human: RunningDaemon, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccterm.screens.monitor_reports import ReportScreen

    monkeypatch.chdir(tmp_path)
    leads = await load(human, "c", NUMBERS, tags=["interested", "price"], wrapup_seconds=600)
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await anna.request(
        "disposition.set", {"lead_id": leads[0], "code": "done", "tags": ["interested"]}
    )
    app = monitor(human)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: rows(app, "campaigns"))
        await pilot.press("tab", "tab", "tab")
        assert app.board.current == "campaigns"
        await pilot.press("v")
        report = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ReportScreen) else None
        )
        await wait_for(pilot, lambda: report.data is not None)
        body = str(report.query_one("#report-body").render())
        assert "Funnel (contacts; calls beside)" in body
        assert "    interested              1  100.0 % of answered; 1 call" in body
        assert "    price                   0" in body
        await pilot.press("e")
        saved = tmp_path / "ccterm-report-campaign-c.csv"
        await wait_for(pilot, saved.exists)
        assert "funnel,tag:interested:contacts,1" in saved.read_text().splitlines()
    await anna.close()
