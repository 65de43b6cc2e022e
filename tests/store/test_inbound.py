"""Inbound calls as stored, the queue report counted from them by hand, and queue callbacks
that are never placed twice: not by two tasks at once, not across a restart."""

from __future__ import annotations

import asyncio

import pytest

from ccterm.clock import VirtualClock
from ccterm.store import inbound, queue_report
from ccterm.store.db import Store
from tests.store.inbound_day import a_day_of_calls, at, call

pytestmark = pytest.mark.usefixtures("here_is_warsaw")  # the per-hour rows are local hours


async def test_a_call_is_recorded_as_it_goes(store: Store) -> None:
    ids = await a_day_of_calls(store)
    c6 = await inbound.get(store, ids["c6"])
    assert c6 is not None
    assert c6.path == [
        "menu:main",
        "key:1",
        "to:queue:sales",
        "queue:sales",
        "overflow:queue:support",
        "queue:support",
    ]
    assert c6.queue == "support", "the last queue"
    assert c6.entered_at == at("10:00:00"), "the first entry is the caller's place"
    assert (c6.answered_at, c6.agent, c6.hung_up_by) == (at("10:05:30"), "bob", "agent")
    assert (c6.outcome, c6.recording) == ("answered", "rec/c6.wav")
    c1 = await inbound.get(store, ids["c1"])
    assert c1 is not None and c1.offered_at == at("09:00:08") and c1.caller == "+48601000001"
    assert not await inbound.answered(store, ids["c1"], "zoe", at("12:00:00")), "answered once"
    assert not await inbound.ended(store, ids["c1"], at("12:00:00"), "system", "failed")
    assert (await inbound.get(store, ids["c1"])) == c1, "the first answer and end stand"
    assert await inbound.get(store, 999) is None


async def test_a_restart_ends_the_calls_it_lost(store: Store) -> None:
    ids = await a_day_of_calls(store)
    assert await inbound.close_orphans(store, at("12:00:00")) == 1
    c10 = await inbound.get(store, ids["c10"])
    assert c10 is not None
    assert (c10.ended_at, c10.hung_up_by, c10.outcome) == (at("12:00:00"), "system", "failed")


async def test_the_queue_report_counts_a_day_as_by_hand(store: Store) -> None:
    await a_day_of_calls(store)
    day = (at("00:00:00"), at("00:00:00", "2026-01-03"))
    report = await queue_report.queue_report(store, "sales", *day, service_level=20)
    hours = report.pop("hours")
    assert report == {
        "queue": "sales",
        "from": day[0],
        "to": day[1],
        "service_level": 20,
        "short_abandon": 5.0,
        "offered": 10,
        "answered": 4,  # waits 10, 20, 45, 5
        "abandoned": 2,  # after 3 and 60 s
        "overflowed": 1,  # c6, to support
        "voicemail": 1,
        "callback": 1,
        "other": 0,
        "waiting": 1,
        "answered_within": 3,  # 10, 20 (the limit counts), 5
        "sl_answered": 0.75,  # 3 / 4
        "sl_offered": 0.5,  # 3 / (4 + 2)
        "asa": 20.0,  # (10 + 20 + 45 + 5) / 4
        "longest_wait": 60.0,  # the abandoned c5
        "abandon_wait": 31.5,  # (3 + 60) / 2
        "abandoned_short": 1,  # c4, within 5 s
        "callbacks": {"waiting": 1},
    }
    assert [h["hour"] for h in hours] == ["2026-01-02 09:00", "2026-01-02 10:00"]
    nine, ten = hours
    assert nine["start"] == at("09:00:00")
    assert {k: nine[k] for k in ("offered", "answered", "abandoned", "answered_within")} == {
        "offered": 5,
        "answered": 3,
        "abandoned": 2,
        "answered_within": 2,
    }
    assert (nine["sl_answered"], nine["sl_offered"]) == (0.6667, 0.4)  # 2/3, 2/5
    assert (nine["asa"], nine["longest_wait"], nine["abandoned_short"]) == (25.0, 60.0, 1)
    assert {k: ten[k] for k in ("offered", "answered", "overflowed", "voicemail")} == {
        "offered": 5,
        "answered": 1,
        "overflowed": 1,
        "voicemail": 1,
    }
    assert (ten["callback"], ten["waiting"], ten["abandoned"]) == (1, 1, 0)
    assert (ten["sl_answered"], ten["sl_offered"], ten["asa"], ten["longest_wait"]) == (
        1.0,
        1.0,
        5.0,
        5.0,
    )
    assert ten["abandon_wait"] is None


async def test_an_overflow_is_offered_again_in_the_queue_it_went_to(store: Store) -> None:
    await a_day_of_calls(store)
    day = (at("00:00:00"), at("00:00:00", "2026-01-03"))
    report = await queue_report.queue_report(store, "support", *day, service_level=30)
    assert (report["offered"], report["answered"], report["answered_within"]) == (2, 2, 1)
    assert (report["sl_answered"], report["sl_offered"]) == (0.5, 0.5)
    assert report["asa"] == 180.0, "c6 waited 330 s since it first joined a queue, c13 30 s"
    assert report["longest_wait"] == 330.0 and report["callbacks"] == {}
    assert [h["hour"] for h in report["hours"]] == ["2026-01-02 10:00", "2026-01-02 11:00"]


async def test_a_range_with_no_calls_has_no_shares(store: Store) -> None:
    await a_day_of_calls(store)
    report = await queue_report.queue_report(
        store, "sales", at("12:00:00"), at("13:00:00"), service_level=20
    )
    assert report["offered"] == 0 and report["hours"] == []
    assert report["sl_answered"] is report["sl_offered"] is report["asa"] is None
    assert report["longest_wait"] is None
    evening = await queue_report.queue_report(
        store, "sales", at("23:00:00", "2026-01-01"), at("00:00:00"), service_level=20
    )
    assert evening["offered"] == evening["answered"] == 1, "the day before, c12"
    assert await queue_report.has_history(store, "sales")
    assert not await queue_report.has_history(store, "billing")


# -- queue callbacks ------------------------------------------------------------------------


async def a_callback(store: Store, n: int, entered: str, expires: str = "18:00:00") -> int:
    row = await call(store, 100 + n, "sales", entered, ended_after=70, outcome="callback")
    return await inbound.callback_add(
        store, row, "sales", f"+4860100{n:04}", at(entered), at(entered) + 70, at(expires)
    )


async def test_callbacks_are_listed_by_the_callers_place(store: Store) -> None:
    late = await a_callback(store, 1, "10:00:00")
    early = await a_callback(store, 2, "09:00:00")
    row = await inbound.callback_add(
        store, 1, "sales", "+48601000003", at("09:30:00"), at("09:40:00"), at("18:00:00"), "vm.wav"
    )
    opened = await inbound.callbacks_open(store)
    assert [c.id for c in opened] == [early, row, late]
    assert opened[1].voicemail == "vm.wav" and opened[1].state == "waiting"
    assert opened[0].tries == 0 and opened[0].created_at == at("09:01:10")


async def test_two_attempts_at_once_place_a_callback_once(store: Store) -> None:
    cb = await a_callback(store, 1, "09:00:00")
    now = at("11:00:00")
    won = await asyncio.gather(
        inbound.callback_placing(store, cb, "anna", now),
        inbound.callback_placing(store, cb, "bob", now),
    )
    assert sorted(won) == [False, True]
    other = await Store.open(store.path, VirtualClock(now))  # another connection, as a process
    try:
        assert not await inbound.callback_placing(other, cb, "zoe", now)
    finally:
        await other.close()
    placed = await inbound.callback_get(store, cb)
    assert placed is not None
    assert (placed.state, placed.tries, placed.placing_at) == ("placing", 1, now)
    assert placed.agent == ("anna" if won[0] else "bob")


async def test_a_callback_being_placed_at_a_crash_is_not_redialled(store: Store) -> None:
    cb = await a_callback(store, 1, "09:00:00")
    waiting = await a_callback(store, 2, "09:10:00")
    assert await inbound.callback_placing(store, cb, "anna", at("11:00:00"))
    path = store.path
    await store.close()  # the daemon dies mid-dial
    again = await Store.open(path, VirtualClock(at("11:05:00")))
    try:
        found = await inbound.callbacks_recover(again, at("11:05:00"))
        assert [c.id for c in found] == [cb] and found[0].state == "review"
        assert "may have rung" in found[0].note
        assert [c.id for c in await inbound.callbacks_open(again)] == [waiting]
        assert not await inbound.callback_placing(again, cb, "bob", at("11:06:00"))
        assert not await inbound.callback_done(again, cb, at("11:06:00"))
        assert await inbound.callbacks_expire(again, at("23:00:00")) == [waiting]
        assert [c.id for c in await inbound.callbacks_review(again)] == [cb], "a person decides"
        assert await inbound.callback_resolve(again, cb, "sue", at("11:10:00"), call_again=True)
        assert await inbound.callback_placing(again, cb, "bob", at("11:11:00"))
        assert await inbound.callback_done(again, cb, at("11:15:00"), "spoke to them")
        done = await inbound.callback_get(again, cb)
        assert done is not None and (done.state, done.tries, done.agent) == ("done", 2, "bob")
        assert not await inbound.callback_resolve(
            again, cb, "sue", at("11:20:00"), call_again=False
        )
    finally:
        await again.close()


async def test_a_failed_try_waits_for_its_retry_then_gives_up(store: Store) -> None:
    cb = await a_callback(store, 1, "09:00:00")
    assert await inbound.callback_placing(store, cb, "anna", at("11:00:00"))
    assert await inbound.callback_failed(store, cb, at("11:01:00"), retry_at=at("11:30:00"))
    assert not await inbound.callback_failed(store, cb, at("11:01:00"), retry_at=None)
    assert not await inbound.callback_placing(store, cb, "anna", at("11:29:59")), "not yet"
    assert await inbound.callback_placing(store, cb, "anna", at("11:30:00"))
    assert await inbound.callback_failed(store, cb, at("11:31:00"), retry_at=None, note="no answer")
    failed = await inbound.callback_get(store, cb)
    assert failed is not None
    assert (failed.state, failed.tries, failed.done_at, failed.note) == (
        "failed",
        2,
        at("11:31:00"),
        "no answer",
    )
    assert await inbound.callbacks_open(store) == []


async def test_callbacks_expire_unless_being_placed(store: Store) -> None:
    soon = await a_callback(store, 1, "09:00:00", expires="10:00:00")
    placing = await a_callback(store, 2, "09:05:00", expires="10:00:00")
    later = await a_callback(store, 3, "09:10:00", expires="12:00:00")
    assert await inbound.callback_placing(store, placing, "anna", at("09:59:00"))
    assert not await inbound.callback_placing(store, soon, "bob", at("10:00:00")), "expired"
    assert await inbound.callbacks_expire(store, at("10:00:00")) == [soon]
    assert await inbound.callbacks_expire(store, at("10:00:00")) == []
    assert [c.id for c in await inbound.callbacks_open(store)] == [placing, later]
    expired = await inbound.callback_get(store, soon)
    assert expired is not None and (expired.state, expired.done_at) == ("expired", at("10:00:00"))
