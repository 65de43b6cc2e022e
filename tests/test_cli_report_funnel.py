"""`ccterm report CAMPAIGN` prints the funnel as text, CSV and JSON, from calls an agent
tagged through the daemon (the same printers the wallboard's `v` shows)."""

from __future__ import annotations

import asyncio
import json
import subprocess

from tests.conftest import RunningDaemon, ccterm
from tests.desk_helpers import as_agent, load, status_is, until, wait

NUMBERS = [f"+4860123480{i}" for i in range(4)]
TAGS = ["interested", "price", "send offer"]


async def tagged_calls(daemon: RunningDaemon) -> None:
    """Three contacts of four called; two talks, one of them long enough to be a target
    call (20 s of 10), each tagged; the third call's disposition has no tags."""
    leads = await load(daemon, "c", NUMBERS, tags=TAGS, target_seconds=10, wrapup_seconds=600)
    anna = await as_agent(daemon, "anna")
    for lead_id, talk, tags in ((leads[0], 20, ["interested", "price"]), (leads[1], 2, ["price"])):
        await anna.request("call.dial", {"lead_id": lead_id})
        await until(status_is(anna, "on_call"))
        await wait(talk)
        await anna.request("call.hangup")
        await until(status_is(anna, "wrapup"))
        await anna.request("disposition.set", {"lead_id": lead_id, "code": "done", "tags": tags})
        await until(status_is(anna, "ready"))
    await anna.request("call.dial", {"lead_id": leads[2]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    await anna.request("disposition.set", {"lead_id": leads[2], "code": "busy"})
    await anna.close()


async def report(daemon: RunningDaemon, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(ccterm, "report", "c", *args, config=daemon.config.path)


async def test_the_report_prints_the_funnel_in_text_csv_and_json(human: RunningDaemon) -> None:
    await tagged_calls(human)
    text = (await report(human)).stdout
    funnel = text[text.index("Funnel") : text.index("List quality")].splitlines()
    assert funnel[:13] == [
        "Funnel (contacts; calls beside)",
        "  contacts                  4",
        "  tried                     3   75.0 % of contacts; 3 attempts",
        "  answered                  3  100.0 % of tried; 3 calls",
        "  target call               1   33.3 % of answered; 1 call of 10 s or more",
        "  tagged                    2   66.7 % of answered; 2 calls",
        "    interested              1   33.3 % of answered; 1 call",
        "    price                   2   66.7 % of answered; 2 calls",
        "    send offer              0    0.0 % of answered; 0 calls",
        "  by status (each contact's last disposition)",
        "    done                    2",
        "    busy                    1",  # a tie: by name
        "    new                     1",
    ]
    assert "Last disposition" not in text and "\nAttempts\n" not in text, "said once, above"

    rows = (await report(human, "--csv")).stdout.splitlines()
    funnel_rows = [r for r in rows if r.startswith("funnel,")]
    assert funnel_rows[:4] == [
        "funnel,contacts,4",
        "funnel,tried,3",
        "funnel,answered,3",
        "funnel,answered_calls,3",
    ]
    for row in (
        "funnel,target,1",
        "funnel,target_seconds,10",
        "funnel,tag:price:contacts,2",
        "funnel,tag:price:calls,2",
        "funnel,tag:send offer:calls,0",
    ):
        assert row in funnel_rows, funnel_rows

    data = json.loads((await report(human, "--json")).stdout)
    assert data["funnel"]["tags"] == {
        "interested": {"contacts": 1, "calls": 1},
        "price": {"contacts": 2, "calls": 2},
        "send offer": {"contacts": 0, "calls": 0},
    }
    assert (data["funnel"]["target"], data["funnel"]["target_calls"]) == (1, 1)
    assert data["dispositions"] == {"done": 2, "busy": 1, "new": 1}


async def test_a_campaign_without_tags_says_how_to_add_them(human: RunningDaemon) -> None:
    await load(human, "c", NUMBERS[:1])
    text = (await report(human)).stdout
    assert (
        "  tagged                    -  no funnel tags: a supervisor adds them"
        " (ccterm campaign edit 'c' --tag NAME)"
    ) in text
