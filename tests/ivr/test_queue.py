"""Inbound queues as transcripts: first come first served, the longest-idle agent,
reservations that time out, overflow, announcements, and callbacks that keep a place."""

from __future__ import annotations

from ccterm.ivr.queue import (
    RESERVE_SECONDS,
    Acd,
    Announce,
    FreeAgent,
    OfferCallback,
    Overflow,
    QueueSpec,
    Reserve,
)

SALES = QueueSpec(
    "sales",
    frozenset({"sales"}),
    max_wait=300,
    overflow="queue:support",
    announce_every=0,
    callback_after=0,
)
SUPPORT = QueueSpec("support", frozenset({"support"}), announce_every=60, callback_after=90)


def acd() -> Acd:
    return Acd({"sales": SALES, "support": SUPPORT})


def agent(name: str, idle_since: float, *groups: str) -> FreeAgent:
    return FreeAgent(name, frozenset(groups or {"sales"}), idle_since)


def test_the_first_caller_goes_to_the_agent_idle_longest() -> None:
    q = acd()
    q.join("c1", "sales", 0.0)
    q.join("c2", "sales", 5.0)
    free = [agent("anna", 100.0), agent("piotr", 40.0)]  # piotr has waited longer
    assert q.match(free, 120.0) == [
        Reserve("c1", "piotr", callback=False),
        Reserve("c2", "anna", callback=False),
    ]


def test_an_agent_is_reserved_once_and_never_offered_two_callers() -> None:
    q = acd()
    q.join("c1", "sales", 0.0)
    q.join("c2", "sales", 1.0)
    assert q.match([agent("anna", 0.0)], 2.0) == [Reserve("c1", "anna", callback=False)]
    assert q.match([agent("anna", 0.0)], 3.0) == [], "anna is reserved for c1"


def test_a_reservation_not_taken_in_time_puts_the_caller_back_in_their_place() -> None:
    q = acd()
    q.join("c1", "sales", 0.0)
    q.join("c2", "sales", 1.0)
    q.match([agent("anna", 0.0)], 2.0)
    assert q.wake(2.0 + RESERVE_SECONDS) == []
    assert q.waiting["c1"].reserved is None
    assert q.match([agent("piotr", 0.0)], 30.0) == [Reserve("c1", "piotr", callback=False)]


def test_agents_take_only_their_groups_queues() -> None:
    q = acd()
    q.join("c1", "support", 0.0)
    assert q.match([agent("anna", 0.0, "sales")], 1.0) == []
    assert q.match([agent("ola", 0.0, "support")], 1.0) == [Reserve("c1", "ola", callback=False)]


def test_max_wait_overflows_and_the_caller_keeps_their_place_in_the_next_queue() -> None:
    q = acd()
    q.join("early", "sales", 0.0)
    q.join("other", "support", 100.0)
    assert not any(isinstance(c, Overflow) for c in q.wake(299.0))
    assert Overflow("early", "queue:support") in q.wake(300.0)
    assert "early" not in q.waiting
    entered = 0.0
    q.join("early", "support", 300.0, entered_at=entered)
    assert [c.id for c in q.in_line("support")] == ["early", "other"]


def test_announcements_and_the_callback_offer_come_on_time() -> None:
    q = acd()
    q.join("a", "support", 0.0)
    q.join("b", "support", 10.0)
    assert q.next_wake() == 60.0
    assert q.wake(60.0) == [Announce("a", 1)]
    assert q.wake(70.0) == [Announce("b", 2)]
    assert q.wake(90.0) == [OfferCallback("a")]


def test_a_callback_keeps_its_place_before_later_live_callers() -> None:
    """INBOUND-NOTES: A waits from 0, B from 10, A takes the callback, live C arrives at
    20: the next free agent calls A back before B or C."""
    q = Acd({"support": SUPPORT})
    q.join("A", "support", 0.0)
    q.join("B", "support", 10.0)
    q.take_callback("A")
    q.join("C", "support", 20.0)
    free = [agent("ola", 0.0, "support")]
    assert q.match(free, 25.0) == [Reserve("A", "ola", callback=True)]
