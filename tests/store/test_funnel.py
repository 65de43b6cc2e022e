"""The campaign report's funnel on a real SQLite file: contacts tried, answered, in a target
call and tagged, each counted once, with their calls beside; another campaign's calls never
count, and every query reads the campaign's rows through an index."""

from __future__ import annotations

from typing import Any

from ccterm.clock import VirtualClock
from ccterm.dialer.dispositions import effect
from ccterm.model import Campaign
from ccterm.settings import CampaignSettings, Disposition
from ccterm.store import campaigns, dialing, reports
from ccterm.store.db import Store
from ccterm.store.leads import promote_due
from tests.store.conftest import land, lead

TAGS = ("interested", "price", "send offer")
SETTINGS = CampaignSettings(tags=TAGS, target_seconds=30)


async def call(
    store: Store,
    c: Campaign,
    lead_id: int,
    talk: float | None,
    code: Disposition,
    tags: tuple[str, ...] = (),
    **kw: Any,
) -> None:
    """Dial the lead; a person answers and talks `talk` seconds with anna (None: nobody
    answers); then the disposition, with its tags, as the daemon commits it."""
    clock = store.clock
    assert isinstance(clock, VirtualClock)
    taken = await dialing.take(store, c, lead_id, agent="anna", mode="manual")
    clock.advance(5)
    answered = clock.now() if talk is not None else None
    if talk is not None:
        await dialing.mark_connected(
            store, taken.attempt_id, clock.now(), "anna", answered_at=answered
        )
        clock.advance(talk)
    await dialing.finish_attempt(
        store,
        taken.attempt_id,
        outcome="answered" if talk is not None else "no_answer",
        code=None,
        answered_at=answered,
        ended_at=clock.now(),
    )
    update = effect(code, attempts=taken.attempts, settings=c.settings, now=clock.now(), **kw)
    await dialing.dispose(
        store,
        lead_id=lead_id,
        campaign=c,
        code=code,
        update=update,
        actor="anna",
        attempt_id=taken.attempt_id,
        tags=tags,
    )


async def from_the_list(store: Store, c: Campaign, lead_id: int, tags: tuple[str, ...]) -> None:
    """A disposition set on the contact after its call (wrap-up ran out): no attempt."""
    update = effect(Disposition.DONE, attempts=1, settings=c.settings, now=store.clock.now())
    await dialing.dispose(
        store,
        lead_id=lead_id,
        campaign=c,
        code=Disposition.DONE,
        update=update,
        actor="anna",
        tags=tags,
    )


async def test_the_funnel_counts_contacts_with_their_calls_beside(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, VirtualClock)
    numbers = [f"+4860100000{i}" for i in range(6)]
    await land(store, "c", [lead(i + 2, n) for i, n in enumerate(numbers)], settings=SETTINGS)
    await land(store, "other", [lead(2, "+48602000000")], settings=SETTINGS)
    c = await campaigns.get(store, "c")
    other = await campaigns.get(store, "other")
    ids = [
        r[0] for r in await store.fetchall("SELECT id FROM leads WHERE campaign_id = ?", (c.id,))
    ]
    # contact 0: two target calls, tagged both times; a new contact in between
    await call(
        store, c, ids[0], 45, Disposition.CALLBACK, ("interested", "price"),
        callback_at=clock.now() + 60, agent="anna",
    )  # fmt: skip
    clock.advance(120)
    async with store.transaction() as db:
        await promote_due(db, clock.now())
    await call(store, c, ids[0], 35, Disposition.DONE, ("interested",))
    # contact 1: a short talk (not a target call), tagged
    await call(store, c, ids[1], 10, Disposition.DONE, ("interested",))
    # contact 2: nobody answered
    await call(store, c, ids[2], None, Disposition.NO_ANSWER)
    # contact 3: a target call left undisposed, tagged afterwards from the list
    await call(store, c, ids[3], 40, Disposition.NOT_DISPOSED)
    await from_the_list(store, c, ids[3], ("price",))
    # contact 4: never called; contact 5: a tag the campaign has since dropped
    await call(store, c, ids[5], 5, Disposition.DONE, ("old tag",))
    # another campaign's tagged target call counts only there
    elsewhere = await store.scalar("SELECT id FROM leads WHERE campaign_id = ?", (other.id,))
    await call(store, other, int(elsewhere), 60, Disposition.DONE, ("interested",))

    report = await reports.campaign_report(store, c)
    assert report["funnel"] == {
        "contacts": 6,
        "tried": 5,
        "answered": 4,
        "answered_calls": 5,
        "target": 2,
        "target_calls": 3,
        "target_seconds": 30,
        "tagged": 4,
        "tagged_calls": 5,
        "tags": {
            "interested": {"contacts": 2, "calls": 3},
            "price": {"contacts": 2, "calls": 2},
            "send offer": {"contacts": 0, "calls": 0},
            "old tag": {"contacts": 1, "calls": 1, "former": True},
        },
    }
    assert report["attempts"] == {"total": 6, "calls": 6, "answered": 5}
    # the target is the campaign's setting of now: 45 s and more leaves one call
    await campaigns.edit(store, "c", changes={"target_seconds": 45}, actor="root")
    report = await reports.campaign_report(store, await campaigns.get(store, "c"))
    assert (report["funnel"]["target"], report["funnel"]["target_calls"]) == (1, 1)


async def test_a_talk_still_going_counts_as_long_as_it_has_run(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, VirtualClock)
    await land(store, "c", [lead(2, "+48601000001")], settings=SETTINGS)
    c = await campaigns.get(store, "c")
    taken = await dialing.take(store, c, 1, agent="anna", mode="manual")
    now = clock.now()
    await dialing.mark_connected(store, taken.attempt_id, now, "anna", answered_at=now)
    clock.advance(29)
    assert (await reports.campaign_report(store, c))["funnel"]["target_calls"] == 0
    clock.advance(1)
    assert (await reports.campaign_report(store, c))["funnel"]["target_calls"] == 1


async def test_the_funnel_reads_the_campaign_through_its_indexes(store: Store) -> None:
    """No pass over every campaign's leads, calls or dispositions: it grows with the
    campaign, not with the history."""
    params = {"campaign": 1, "now": 0.0, "target": 30}
    plans = {}
    for name in ("_CALLS", "_TAGGED", "_BY_TAG"):
        rows = await store.fetchall("EXPLAIN QUERY PLAN " + getattr(reports, name), params)
        plans[name] = [r["detail"] for r in rows]
    steps = [s for plan in plans.values() for s in plan]
    scans = [s for s in steps if s.startswith("SCAN") and "VIRTUAL TABLE" not in s]
    assert not scans, plans  # json_each walks one row's tags: a virtual table
    assert any(
        "attempts USING INDEX attempts_campaign (campaign_id=?)" in s for s in plans["_CALLS"]
    ), plans
    for name in ("_TAGGED", "_BY_TAG"):
        assert any("leads_campaign" in s for s in plans[name]), plans
        assert any("USING INDEX dispositions_lead (lead_id=?)" in s for s in plans[name]), plans
