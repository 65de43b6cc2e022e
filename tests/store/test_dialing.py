"""Rules checked at the moment of dialling: calling hours, the abandon rest, do-not-call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccterm.clock import VirtualClock
from ccterm.dialer.dispositions import effect
from ccterm.dialer.hours import CallingHours
from ccterm.model import Campaign
from ccterm.settings import CampaignSettings, DialMode, Disposition
from ccterm.store import campaigns, dialing, dnc
from ccterm.store.db import Store
from ccterm.store.leads import promote_due
from tests.store.conftest import land, lead

HOURS = CallingHours("08:00", "21:00", region="PL")
POWER = CampaignSettings(mode=DialMode.POWER)
CHICAGO = "+13125550101"
NEW_YORK = "+12125550102"
IDAHO = "+12085550103"


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def clock_of(store: Store) -> VirtualClock:
    assert isinstance(store.clock, VirtualClock)
    return store.clock


async def campaign(store: Store, name: str) -> Campaign:
    return await campaigns.get(store, name)


async def lead_state(store: Store, e164: str, campaign_id: int) -> tuple[str, float, int]:
    row = await store.fetchone(
        "SELECT l.state, l.next_at, l.attempts FROM leads l JOIN contacts c"
        " ON c.id = l.contact_id WHERE c.e164 = ? AND l.campaign_id = ?",
        (e164, campaign_id),
    )
    assert row is not None
    return row[0], row[1], row[2]


async def promote(store: Store) -> int:
    async with store.transaction() as db:
        return await promote_due(db, store.clock.now())


async def test_a_central_number_is_dialled_at_20_59_there_and_not_at_21_00(store: Store) -> None:
    clock = clock_of(store)
    await land(store, "c", [lead(2, CHICAGO, timezone="America/Chicago")], settings=POWER)
    c = await campaign(store, "c")
    clock.advance_to(utc("2026-01-16 03:00"))  # 21:00 in Chicago
    assert await dialing.take_next(store, c, agent="anna", mode="power", hours=HOURS) is None
    state, next_at, attempts = await lead_state(store, CHICAGO, c.id)
    assert (state, next_at, attempts) == ("waiting", utc("2026-01-16 14:00"), 0)
    assert await store.scalar("SELECT count(*) FROM attempts") == 0, "no attempt is counted"
    with pytest.raises(dialing.NotDialable) as refused:
        await dialing.take(store, c, 1, agent="anna", mode="manual", hours=HOURS)
    assert refused.value.reason == "its next call is not due yet"
    clock.advance_to(utc("2026-01-16 13:59"))
    assert await promote(store) == 0
    clock.advance_to(utc("2026-01-16 14:00"))  # 08:00 in Chicago: back in line
    assert await promote(store) == 1
    taken = await dialing.take_next(store, c, agent="anna", mode="power", hours=HOURS)
    assert taken is not None and taken.e164 == CHICAGO and taken.attempts == 1


async def test_the_same_instant_dials_chicago_and_holds_new_york(store: Store) -> None:
    clock = clock_of(store)
    await land(
        store,
        "c",
        [
            lead(2, NEW_YORK, timezone="America/New_York"),
            lead(3, CHICAGO, timezone="America/Chicago"),
        ],
        settings=POWER,
    )
    c = await campaign(store, "c")
    clock.advance_to(utc("2026-01-16 02:59"))  # 20:59 in Chicago, 21:59 in New York
    taken = await dialing.take_next(store, c, agent="anna", mode="power", hours=HOURS)
    assert taken is not None and taken.e164 == CHICAGO, "New York is first in line but too late"
    assert (await lead_state(store, NEW_YORK, c.id))[:2] == ("waiting", utc("2026-01-16 13:00"))


async def test_a_manual_dial_outside_hours_is_refused_in_words(store: Store) -> None:
    clock_of(store).advance_to(utc("2026-01-16 03:04"))
    await land(store, "c", [lead(2, CHICAGO, timezone="America/Chicago")])
    c = await campaign(store, "c")
    with pytest.raises(dialing.NotDialable) as refused:
        await dialing.take(store, c, 1, agent="anna", mode="manual", hours=HOURS)
    assert refused.value.reason == "it is 21:04 in America/Chicago; calls are allowed 08:00–21:00"
    assert await store.scalar("SELECT state FROM leads") == "ready", "a refusal moves nothing"
    taken = await dialing.take(store, c, 1, agent="anna", mode="manual")  # hours unchecked
    assert taken.e164 == CHICAGO


async def test_a_two_zone_number_waits_for_the_later_zone(store: Store) -> None:
    clock = clock_of(store)
    await land(
        store,
        "c",
        [lead(2, IDAHO, timezone="America/Boise|America/Los_Angeles")],
        settings=POWER,
    )
    c = await campaign(store, "c")
    clock.advance_to(utc("2026-01-16 15:30"))  # 08:30 in Boise, 07:30 in Los Angeles
    assert await dialing.take_next(store, c, agent=None, mode="power", hours=HOURS) is None
    assert (await lead_state(store, IDAHO, c.id))[:2] == ("waiting", utc("2026-01-16 16:00"))
    clock.advance_to(utc("2026-01-16 16:00"))
    await promote(store)
    assert await dialing.take_next(store, c, agent=None, mode="power", hours=HOURS) is not None


async def test_unknown_zones_use_the_numbers_own(store: Store) -> None:
    clock_of(store).advance_to(utc("2026-01-16 03:00"))  # 21:00 in Chicago, 04:00 in Warsaw
    await land(store, "c", [lead(2, CHICAGO, timezone="Etc/Unknown")])
    c = await campaign(store, "c")
    with pytest.raises(dialing.NotDialable) as refused:
        await dialing.take(store, c, 1, agent="anna", mode="manual", hours=HOURS)
    assert "in America/Chicago" in refused.value.reason


async def abandon(store: Store, c: Campaign, at: float) -> None:
    """Dial the campaign's next lead and have its call abandoned at `at`, disposed as such."""
    taken = await dialing.take_next(store, c, agent=None, mode="predictive")
    assert taken is not None
    await store.execute(
        "UPDATE attempts SET answered_at = ?, abandoned_at = ?, ended_at = ? WHERE id = ?",
        (at - 2, at, at + 10, taken.attempt_id),
    )
    update = effect(
        Disposition.ABANDONED, attempts=taken.attempts, settings=c.settings, now=store.clock.now()
    )
    await dialing.dispose(
        store,
        lead_id=taken.lead_id,
        campaign=c,
        code=Disposition.ABANDONED,
        update=update,
        actor="dialer",
        attempt_id=taken.attempt_id,
    )


async def also_in(store: Store, name: str, e164: str, settings: CampaignSettings) -> Campaign:
    """A second campaign holding the same contact (imports skip numbers already in the base)."""
    created = await campaigns.create(
        store, name=name, settings=settings, start_at=store.clock.now(), end_at=None, actor="root"
    )
    await store.execute(
        "INSERT INTO leads (campaign_id, contact_id, created_at)"
        " SELECT ?, id, 0 FROM contacts WHERE e164 = ?",
        (created.id, e164),
    )
    return created


async def test_an_abandoned_call_rests_the_number_in_every_campaign(store: Store) -> None:
    clock = clock_of(store)
    clock.advance_to(utc("2026-01-16 12:00"))  # 13:00 in Warsaw
    await land(store, "a", [lead(2, "+48601000001")], settings=POWER)
    a = await campaign(store, "a")
    b = await also_in(store, "b", "+48601000001", POWER)
    short = await also_in(store, "short", "+48601000001", POWER.merged({"abandon_retry_hours": 24}))
    abandoned_at = clock.now() + 20
    await abandon(store, a, abandoned_at)
    clock.advance(60)
    for other in (b, short):
        assert await dialing.take_next(store, other, agent=None, mode="power", hours=HOURS) is None
    until = abandoned_at + 72 * 3600
    assert await lead_state(store, "+48601000001", b.id) == ("waiting", until, 0)
    day_later = abandoned_at + 24 * 3600  # each campaign rests it for its own hours
    assert await lead_state(store, "+48601000001", short.id) == ("waiting", day_later, 0)
    clock.advance_to(day_later)
    await promote(store)
    assert await dialing.take_next(store, short, agent=None, mode="power", hours=HOURS)
    clock.advance_to(until - 1)
    await promote(store)
    assert (await lead_state(store, "+48601000001", b.id))[0] == "waiting"
    clock.advance_to(until)
    await promote(store)
    taken = await dialing.take_next(store, b, agent=None, mode="power", hours=HOURS)
    assert taken is not None and taken.campaign_id == b.id


async def test_the_abandon_rest_is_named_with_its_times(store: Store) -> None:
    clock = clock_of(store)
    clock.advance_to(utc("2026-01-16 12:00"))
    await land(store, "a", [lead(2, "+48601000001")], settings=POWER)
    a = await campaign(store, "a")
    b = await also_in(store, "b", "+48601000001", CampaignSettings())
    await abandon(store, a, clock.now())
    with pytest.raises(dialing.NotDialable) as refused:
        await dialing.take(store, b, 2, agent="anna", mode="manual")
    abandoned = datetime.fromtimestamp(clock.now(), UTC).astimezone()
    until = datetime.fromtimestamp(clock.now() + 72 * 3600, UTC).astimezone()
    assert refused.value.reason == (
        f"its call was abandoned at {abandoned:%H:%M};"
        f" it may be called again after {until:%Y-%m-%d %H:%M}"
    )


async def test_the_abandon_lookup_uses_the_number_index(store: Store) -> None:
    params = dialing.lead_params(1, CampaignSettings(), 0.0)
    plan = await store.fetchall("EXPLAIN QUERY PLAN " + dialing._LEAD, params)
    details = " ".join(r["detail"] for r in plan)
    assert "USING INDEX attempts_e164 (e164=? AND started_at>?)" in details


async def test_a_number_listed_while_first_in_line_is_not_dialled(store: Store) -> None:
    await land(store, "c", [lead(2, "+48601000001"), lead(3, "+48601000002")], settings=POWER)
    c = await campaign(store, "c")
    # listed through the do-not-call list: flagged at once, the pick passes it by
    await dnc.add(store, ["+48601000001"], reason="asked", actor="sam")
    taken = await dialing.take_next(store, c, agent="anna", mode="power")
    assert taken is not None and taken.e164 == "+48601000002"
    with pytest.raises(dialing.NotDialable) as refused:
        await dialing.take(store, c, 1, agent="anna", mode="manual")
    assert refused.value.reason == "the number is on the do-not-call list"
    assert await store.scalar("SELECT count(*) FROM attempts WHERE e164 = '+48601000001'") == 0


async def test_a_listing_the_pick_missed_is_caught_at_dial_time(store: Store) -> None:
    await land(store, "c", [lead(2, "+48601000001"), lead(3, "+48601000002")], settings=POWER)
    c = await campaign(store, "c")
    # the entry lands with the lead still unflagged and first in line (as if the pick
    # had been read a moment before): the check inside the dialling transaction stops it
    await store.execute(
        "INSERT INTO dnc (e164, reason, added_by, added_at) VALUES ('+48601000001', '', 'x', 0)"
    )
    taken = await dialing.take_next(store, c, agent="anna", mode="power")
    assert taken is not None and taken.e164 == "+48601000002"
    assert await store.scalar("SELECT blocked FROM leads WHERE contact_id = 1") == 1
    assert await store.scalar("SELECT count(*) FROM attempts WHERE e164 = '+48601000001'") == 0
