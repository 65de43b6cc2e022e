"""Funnel tags through `disposition.set`, against a real daemon: only the campaign's own tags,
refused with the ones it has, and stored in the disposition's own commit."""

from __future__ import annotations

import json

import pytest

from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon
from tests.desk_helpers import as_agent, db, load, status_is, until

NUMBERS = [f"+4860123470{i}" for i in range(3)]
TAGS = ["interested", "price", "send offer"]


async def test_a_call_in_wrapup_takes_the_campaigns_tags_and_no_others(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:2], tags=TAGS)
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    await until(status_is(anna, "on_call"))
    await anna.request("call.hangup")
    await until(status_is(anna, "wrapup"))
    args = {"lead_id": leads[0], "code": "done"}
    with pytest.raises(RemoteError) as caught:
        await anna.request("disposition.set", {**args, "tags": ["price", "intrested"]})
    assert caught.value.code == "bad_request"
    assert caught.value.message == (
        "'intrested' is not a funnel tag of campaign 'c' (did you mean 'interested'?);"
        " its tags: interested, price, send offer"
    )
    with pytest.raises(RemoteError) as caught:
        await anna.request("disposition.set", {**args, "tags": "price"})
    assert "'tags' must be a list" in caught.value.message
    assert db(human, "SELECT count(*) FROM dispositions") == [(0,)], "nothing half-written"
    assert (await anna.request("agent.state"))["agent"]["status"] == "wrapup"

    # as the campaign spells them, once each; committed before the reply
    await anna.request("disposition.set", {**args, "tags": ["Price", " interested", "price"]})
    rows = db(human, "SELECT code, agent, attempt_id IS NOT NULL, tags FROM dispositions")
    assert [(c, a, on_call, json.loads(t)) for c, a, on_call, t in rows] == [
        ("done", "anna", 1, ["price", "interested"])
    ]
    card = await anna.request("lead.show", {"lead_id": leads[0]})
    assert card["dispositions"][0]["tags"] == ["price", "interested"]
    report = await human.request("report.campaign", {"name": "c"})
    assert report["funnel"]["tags"]["price"] == {"contacts": 1, "calls": 1}
    assert report["funnel"]["tags"]["send offer"] == {"contacts": 0, "calls": 0}

    # without tags, as before: the column keeps its empty list
    await until(status_is(anna, "ready"))
    await anna.request("disposition.set", {"lead_id": leads[1], "code": "done"})
    assert db(human, "SELECT tags FROM dispositions WHERE lead_id = ?", (leads[1],)) == [("[]",)]
    await anna.close()


async def test_a_campaign_without_tags_and_an_inbound_call_refuse_them(
    human: RunningDaemon,
) -> None:
    leads = await load(human, "c", NUMBERS[:1])
    anna = await as_agent(human, "anna")
    with pytest.raises(RemoteError) as caught:
        await anna.request(
            "disposition.set", {"lead_id": leads[0], "code": "done", "tags": ["interested"]}
        )
    assert caught.value.message == "campaign 'c' has no funnel tags, so 'interested' cannot be set"
    assert "ccterm campaign edit 'c' --tag" in caught.value.hint
    with pytest.raises(RemoteError) as caught:
        await anna.request(
            "disposition.set", {"call_id": "c9-in", "code": "done", "tags": ["interested"]}
        )
    assert caught.value.message == (
        "funnel tags belong to a campaign's calls; an inbound call has none"
    )
    assert db(human, "SELECT count(*) FROM dispositions") == [(0,)]
    await anna.close()
