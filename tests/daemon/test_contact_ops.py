"""contact.find and contact.save through a real daemon: who may look up and add which caller.

The inbound flow that puts a caller through to an agent is not wired yet: these tests
plant the connected inbound call on the daemon's floor (desk_helpers.inbound_on), so the
ops check the floor exactly as they will for a real call.
"""

from __future__ import annotations

import pytest

from ccterm.daemon.floor.state import Inbound
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon
from tests.desk_helpers import as_agent, db, inbound_on, load

KNOWN = "+48601234500"
UNKNOWN = "+48601234599"


def caller(e164: str | None, raw: str = "") -> Inbound:
    return Inbound(
        did="+48221234500",
        caller=raw or e164 or "anonymous",
        e164=e164,
        client="Acme",
        script="Dzień dobry {name}",
    )


def inbound_row(daemon: RunningDaemon, e164: str, at: float, agent: str) -> None:
    import sqlite3

    con = sqlite3.connect(daemon.config.daemon.database)
    con.execute(
        "INSERT INTO inbound_calls (call_id, did, client, caller, e164, queue, arrived_at,"
        " outcome, agent) VALUES ('old-1', '+48221234500', 'Acme', ?, ?, 'sales', ?,"
        " 'answered', ?)",
        (e164, e164, at, agent),
    )
    con.commit()
    con.close()


async def test_an_agent_finds_the_caller_of_their_inbound_call(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN], names=["Anna Nowak"], fields=[{"city": "Kraków"}])
    inbound_row(human, KNOWN, 1000.0, "piotr")
    anna = await as_agent(human, "anna")
    async with inbound_on(human, "anna", caller(KNOWN), waited=12.0) as wire:
        call = wire["call"]
        assert call["direction"] == "inbound" and call["inbound"] == {
            "client": "Acme",
            "did": "+48221234500",
            "caller": KNOWN,
            "e164": KNOWN,
            "queue": "sales",
            "script": "Dzień dobry {name}",
            "waited": 12.0,
        }
        found = await anna.request("contact.find", {"call_id": call["id"]})
    assert found["e164"] == KNOWN
    assert found["contact"]["name"] == "Anna Nowak"
    assert found["contact"]["fields"] == {"city": "Kraków"}
    assert [(h["kind"], h["agent"]) for h in found["history"]] == [("inbound", "piotr")]
    await anna.close()


async def test_nobody_else_may_look_the_caller_up(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN])
    anna = await as_agent(human, "anna")
    piotr = await as_agent(human, "piotr")
    with pytest.raises(RemoteError) as caught:
        await anna.request("contact.find", {"call_id": "c90-in"})
    assert caught.value.code == "forbidden" and "not on inbound call c90-in" in caught.value.message
    async with inbound_on(human, "anna", caller(KNOWN)) as wire:
        call_id = wire["call"]["id"]
        with pytest.raises(RemoteError) as caught:
            await piotr.request("contact.find", {"call_id": call_id})
        assert caught.value.code == "forbidden", "another agent's caller"
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.find", {"call_id": "c1-other"})
        assert caught.value.code == "forbidden", "a call anna is not on"
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.find", {"e164": KNOWN})
        assert caught.value.code == "forbidden" and "call_id" in caught.value.hint
    with pytest.raises(RemoteError) as caught:  # the call is over: so is the look-up
        await anna.request("contact.find", {"call_id": call_id})
    assert caught.value.code == "forbidden"
    await anna.close()
    await piotr.close()


async def test_a_supervisor_looks_up_any_number_as_typed(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN], names=["Anna Nowak"])
    sam = await as_agent(human, "sam", campaign=None)
    found = await sam.request("contact.find", {"e164": "601 234 500"})
    assert (found["e164"], found["contact"]["name"]) == (KNOWN, "Anna Nowak")
    nobody = await sam.request("contact.find", {"e164": UNKNOWN})
    assert nobody == {"e164": UNKNOWN, "contact": None, "history": [], "notes": []}
    with pytest.raises(RemoteError) as caught:
        await sam.request("contact.find", {"e164": "12"})
    assert caught.value.code == "bad_request" and "'12'" in caught.value.message
    await sam.close()


async def test_an_unknown_caller_is_added_by_their_agent(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN])
    anna = await as_agent(human, "anna")
    async with inbound_on(human, "anna", caller(UNKNOWN, raw="0048601234599")) as wire:
        found = await anna.request("contact.find", {"call_id": wire["call"]["id"]})
        assert found == {"e164": UNKNOWN, "contact": None, "history": [], "notes": []}
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.save", {"e164": UNKNOWN, "name": " ", "fields": {}})
        assert "nothing to save" in caught.value.message
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.save", {"e164": "60123", "name": "Jan"})
        assert caught.value.code == "bad_request" and "'60123'" in caught.value.message
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.save", {"e164": KNOWN, "name": "Jan"})
        assert caught.value.code == "forbidden", "only the caller she is on"
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.save", {"e164": UNKNOWN, "fields": {"city": ["x"]}})
        assert "must be text" in caught.value.message
        saved = await anna.request(
            "contact.save",
            {"e164": "+48 601 234 599", "name": "Jan Kowalski", "fields": {"city": "Gdańsk"}},
        )
        assert saved["contact"]["name"] == "Jan Kowalski" and saved["e164"] == UNKNOWN
        assert saved["contact"]["fields"] == {"city": "Gdańsk"}
        assert saved["contact"]["timezone"] == "Europe/Warsaw"
        # committed before the reply
        assert db(human, "SELECT name FROM contacts WHERE e164 = ?", (UNKNOWN,)) == [
            ("Jan Kowalski",)
        ]
        with pytest.raises(RemoteError) as caught:
            await anna.request("contact.save", {"e164": UNKNOWN, "name": "Again"})
        assert caught.value.code == "conflict" and "already in the contact base" in (
            caught.value.message
        )
        again = await anna.request("contact.find", {"call_id": wire["call"]["id"]})
        assert again["contact"]["id"] == saved["contact"]["id"]
    sam = await as_agent(human, "sam", campaign=None)
    other = await sam.request("contact.save", {"e164": "+48601234598", "name": "Ewa"})
    assert other["contact"]["name"] == "Ewa"
    await sam.close()
    await anna.close()


async def test_a_withheld_number_finds_nobody(human: RunningDaemon) -> None:
    await load(human, "c", [KNOWN])
    anna = await as_agent(human, "anna")
    async with inbound_on(human, "anna", caller(None)) as wire:
        found = await anna.request("contact.find", {"call_id": wire["call"]["id"]})
    assert found == {"e164": None, "contact": None, "history": [], "notes": []}
    await anna.close()
