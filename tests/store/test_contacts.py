"""A number's contact and its whole history (the screen pop's), and a contact added by hand."""

from __future__ import annotations

import json

import pytest

from ccterm.clock import VirtualClock
from ccterm.dialer.dispositions import effect
from ccterm.errors import Conflict
from ccterm.settings import Disposition
from ccterm.store import campaigns, contacts, dialing
from ccterm.store.db import Store
from tests.store.conftest import land, lead

T0 = 1_767_603_600.0
NUMBER = "+48601234567"


def clock_of(store: Store) -> VirtualClock:
    assert isinstance(store.clock, VirtualClock)
    return store.clock


async def inbound_row(
    store: Store, call_id: str, e164: str | None, at: float, outcome: str, agent: str | None
) -> None:
    """An inbound_calls row as the inbound flow will write it (its store module comes with it)."""
    await store.execute(
        "INSERT INTO inbound_calls (call_id, did, client, caller, e164, queue, arrived_at,"
        " outcome, agent) VALUES (?, '+48221234500', 'Acme', ?, ?, 'sales', ?, ?, ?)",
        (call_id, e164 or "anonymous", e164, at, outcome, agent),
    )


async def test_history_combines_attempts_dispositions_and_inbound_calls_in_time_order(
    store: Store,
) -> None:
    clock = clock_of(store)
    clock.advance_to(T0)
    await land(store, "spring", [lead(2, NUMBER, "Anna Nowak"), lead(3, "+48601234568")])
    c = await campaigns.get(store, "spring")
    await inbound_row(store, "in-1", NUMBER, T0 + 10, "abandoned", None)
    clock.advance_to(T0 + 100)
    taken = await dialing.take(store, c, (await lead_id(store, NUMBER)), agent="anna", mode="m")
    await dialing.finish_attempt(
        store,
        taken.attempt_id,
        outcome="answered",
        code=200,
        answered_at=T0 + 105,
        ended_at=T0 + 160,
    )
    clock.advance_to(T0 + 170)
    update = effect(Disposition.DONE, attempts=1, settings=c.settings, now=T0 + 170)
    await dialing.dispose(
        store,
        lead_id=taken.lead_id,
        campaign=c,
        code=Disposition.DONE,
        update=update,
        actor="anna",
        attempt_id=taken.attempt_id,
        note="wants the offer by mail",
    )
    await inbound_row(store, "in-2", NUMBER, T0 + 200, "answered", "piotr")
    clock.advance_to(T0 + 300)  # set from the list, no call
    update = effect(Disposition.WRONG_NUMBER, attempts=1, settings=c.settings, now=T0 + 300)
    await dialing.dispose(
        store,
        lead_id=taken.lead_id,
        campaign=c,
        code=Disposition.WRONG_NUMBER,
        update=update,
        actor="sam",
    )
    await inbound_row(store, "in-3", "+48601234568", T0 + 250, "answered", "anna")  # not ours

    found = await contacts.find_by_number(store, NUMBER)
    assert found is not None
    assert found["contact"] == {
        "id": taken.contact_id,
        "e164": NUMBER,
        "name": "Anna Nowak",
        "fields": {"city": "Kraków"},
        "timezone": "Europe/Warsaw",
    }
    assert [(h["kind"], h["at"]) for h in found["history"]] == [
        ("inbound", T0 + 10),
        ("outbound", T0 + 100),
        ("inbound", T0 + 200),
        ("disposition", T0 + 300),
    ]
    first, attempt, answered, by_hand = found["history"]
    assert first == {
        "kind": "inbound",
        "at": T0 + 10,
        "client": "Acme",
        "queue": "sales",
        "outcome": "abandoned",
        "agent": None,
    }
    assert attempt == {
        "kind": "outbound",
        "at": T0 + 100,
        "campaign": "spring",
        "outcome": "answered",
        "agent": "anna",
        "disposition": "done",
        "note": "wants the offer by mail",
    }
    assert (answered["outcome"], answered["agent"]) == ("answered", "piotr")
    assert (by_hand["campaign"], by_hand["disposition"], by_hand["agent"]) == (
        "spring",
        "wrong_number",
        "sam",
    )
    assert [(n["author"], n["text"]) for n in found["notes"]] == [
        ("anna", "wants the offer by mail")
    ]


async def test_an_unknown_number_is_none_and_a_quiet_one_has_no_history(store: Store) -> None:
    clock_of(store).advance_to(T0)
    await land(store, "spring", [lead(2, NUMBER, "Anna Nowak")])
    assert await contacts.find_by_number(store, "+48601234599") is None
    found = await contacts.find_by_number(store, NUMBER)
    assert found is not None and found["history"] == [] and found["notes"] == []


async def test_create_commits_a_contact_in_no_campaign_and_refuses_a_known_number(
    store: Store,
) -> None:
    await land(store, "spring", [lead(2, NUMBER, "Anna Nowak")])
    new = await contacts.create(
        store,
        "+48601234599",
        "Jan Kowalski",
        {"city": "Gdańsk"},
        "anna",
        T0,
        timezone="Europe/Warsaw",
    )
    row = await store.fetchone(
        "SELECT e164, name, fields, timezone, created_at FROM contacts WHERE id = ?", (new,)
    )
    assert row is not None
    assert (row[0], row[1], json.loads(row[2]), row[3], row[4]) == (
        "+48601234599",
        "Jan Kowalski",
        {"city": "Gdańsk"},
        "Europe/Warsaw",
        T0,
    )
    assert await store.scalar("SELECT count(*) FROM leads WHERE contact_id = ?", (new,)) == 0
    found = await contacts.find_by_number(store, "+48601234599")
    assert found is not None and found["contact"]["id"] == new
    logged = await store.fetchone("SELECT actor, kind FROM event_log ORDER BY id DESC LIMIT 1")
    assert logged is not None and tuple(logged) == ("anna", "contact.create")
    for taken in (NUMBER, "+48601234599"):
        with pytest.raises(Conflict) as caught:
            await contacts.create(store, taken, "Someone", {}, "anna", T0)
        assert "already in the contact base" in caught.value.message
    assert await store.scalar("SELECT count(*) FROM contacts") == 2


async def lead_id(store: Store, e164: str) -> int:
    value = await store.scalar(
        "SELECT l.id FROM leads l JOIN contacts c ON c.id = l.contact_id WHERE c.e164 = ?", (e164,)
    )
    return int(value)
