"""`report.agent` (ccterm report --agent): one agent's day from the states the daemon
logged and the calls as stored, on a virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

from ccterm.client import DaemonClient
from tests.conftest import RunningDaemon
from tests.desk_helpers import as_agent, load, status_is, until


async def report(client: DaemonClient, name: str) -> dict[str, Any]:
    found: dict[str, Any] = await client.request("report.agent", {"name": name})
    return found


async def test_an_agents_day_pauses_by_reason_calls_talk_and_dispositions(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", ["+48601234500", "+48601234501"])
    anna = await as_agent(human, "anna")  # ready
    await human.advance(20)
    await anna.request("agent.pause", {"reason": "lunch"})
    await human.advance(60)
    await anna.request("agent.ready")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await human.advance(100)  # talking
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await human.advance(10)
    await anna.request("disposition.set", {"lead_id": leads[0], "code": "done"})
    await human.advance(5)
    mine = await report(anna, "anna")  # an agent reads their own
    assert mine["pauses"] == {"lunch": pytest.approx(60, abs=0.2)}
    assert mine["calls"] == 1 and mine["calls_outbound"] == 1
    assert mine["talk_s"] == pytest.approx(100, abs=1)
    assert mine["wrapup_s"] == pytest.approx(10, abs=1)
    assert mine["target_calls"] == 1  # 100 s against the campaign's target of 30 s
    assert mine["dispositions"] == {"done": 1}
    total = mine["ready_s"] + mine["on_call_s"] + mine["wrapup_s"] + mine["paused_s"]
    assert mine["logged_in_s"] == pytest.approx(total, abs=0.5)
    assert mine["logged_in_s"] == pytest.approx(20 + 60 + 100 + 10 + 5, abs=2)
    assert mine["occupancy"] == pytest.approx((mine["on_call_s"] + 10) / mine["logged_in_s"], 0.01)
    sam = await human.client()
    await sam.hello(act_as="sam")  # their supervisor
    assert (await report(sam, "anna"))["calls"] == 1
    piotr = await as_agent(human, "piotr")
    with pytest.raises(Exception, match="no agent 'anna' of yours"):
        await report(piotr, "anna")
    for client in (anna, sam, piotr):
        await client.close()


def test_the_command_prints_the_agents_day_and_refuses_two_subjects(live: Any) -> None:
    from tests.conftest import ccterm

    done = ccterm("report", "--agent", "nobody", config=live)
    assert done.returncode == 0, done.stderr
    assert "Agent 'nobody'" in done.stdout and "logged in" in done.stdout
    assert "target calls" in done.stdout
    rows = ccterm("report", "--agent", "nobody", "--csv", config=live).stdout.splitlines()
    assert rows[0] == "section,metric,value" and "agent,calls,0" in rows
    both = ccterm("report", "c", "--agent", "nobody", config=live)
    assert both.returncode != 0 and "name one campaign" in both.stderr


async def test_a_time_that_is_not_a_number_is_refused_and_csv_text_stays_text(
    human: RunningDaemon,
) -> None:
    from ccterm.commands.agent_view import inert

    anna = await as_agent(human, "anna", campaign=None)
    with pytest.raises(Exception, match="must be a time"):
        await anna.request("report.agent", {"name": "anna", "from": float("inf")})
    assert inert('=HYPERLINK("x")') == '\'=HYPERLINK("x")' and inert("lunch") == "lunch"
    await anna.close()
