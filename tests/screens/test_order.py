"""The list's call order kept as contacts change and time passes, checked against a fresh sort."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from ccterm.screens import leadview
from ccterm.screens.order import CallOrder
from tests.screens.test_leadview import NOW, item


def fresh(order: CallOrder, now: float) -> list[int]:
    return [i.id for i in leadview.ordered(order.items.values(), now)]


def kept(order: CallOrder) -> list[int]:
    return [i.id for i in order.sorted]


def test_a_change_moves_one_contact_and_the_counts_follow() -> None:
    order = CallOrder()
    order.load([item(n, rank_minor=n) for n in range(1, 6)], NOW)
    assert kept(order) == [1, 2, 3, 4, 5] and order.shown_counts() == {leadview.LeadBucket.READY: 5}
    touched = order.apply([{"id": 3, "state": "done", "last_disposition": "done"}], NOW)
    assert [i.id for i in touched] == [1 + 2] and kept(order) == [1, 2, 4, 5, 3]
    order.apply([{"id": 5, "callback_at": NOW - 1, "next_at": NOW - 1, "state": "waiting"}], NOW)
    assert kept(order) == [5, 1, 2, 4, 3]
    assert order.shown_counts() == {
        leadview.LeadBucket.CALLBACK_DUE: 1,
        leadview.LeadBucket.READY: 3,
        leadview.LeadBucket.DONE: 1,
    }
    assert order.index(order.items[4]) == 3


def test_the_clock_moves_each_contact_at_its_moment() -> None:
    order = CallOrder()
    order.load(
        [
            item(1),
            item(2, state="waiting", next_at=NOW + 60, callback_at=NOW + 60),  # a callback
            item(3, state="waiting", next_at=NOW + 30),  # a retry
        ],
        NOW,
    )
    assert kept(order) == [1, 3, 2] and order.next_turn() == NOW + 30
    assert order.advance(NOW + 29) == []
    assert order.advance(NOW + 30) == [] and kept(order) == [1, 3, 2]  # 3 is ready: rank order
    assert order.items[3].bucket is leadview.LeadBucket.READY
    due = order.advance(NOW + 61)
    assert [i.id for i in due] == [2] and kept(order)[0] == 2
    assert order.next_turn() is None


def test_another_agents_callback_leaves_and_a_whole_row_joins() -> None:
    order = CallOrder()
    order.load([item(1), item(2)], NOW)
    order.apply([{"id": 2, "callback_at": NOW + 99, "callback_agent": "piotr"}], NOW, "anna")
    assert kept(order) == [1] and 2 not in order.items
    row: dict[str, Any] = {**vars_of(item(7)), "callback_agent": "anna"}
    order.apply([row], NOW, "anna")
    assert sorted(kept(order)) == [1, 7]


def vars_of(lead: leadview.LeadItem) -> dict[str, Any]:
    names = leadview._ROW_FIELDS
    return {name: getattr(lead, name) for name in names}


def test_random_changes_and_time_keep_the_order_a_fresh_sort_would_give() -> None:
    rng = random.Random(7)
    states = ["ready", "waiting", "dialing", "done", "exhausted"]
    order = CallOrder()
    order.load([item(n, rank_minor=rng.randrange(50)) for n in range(1, 300)], NOW)
    now = NOW
    for step in range(400):
        batch = []
        for _ in range(rng.choice([1, 1, 2, 5, 80])):  # 80: more than 1 % of the list
            lead_id = rng.randrange(1, 300)
            if lead_id not in order.items:
                continue
            change: dict[str, Any] = {"id": lead_id, "state": rng.choice(states)}
            roll = rng.random()
            if roll < 0.3:
                at = now + rng.uniform(-100, 300)
                change.update(callback_at=at, next_at=at, state="waiting")
            elif roll < 0.5:
                change.update(next_at=now + rng.uniform(-50, 300), callback_at=None)
            elif roll < 0.6:
                change.update(blocked=rng.random() < 0.5)
            batch.append(change)
        order.apply(batch, now)
        now += rng.uniform(0, 20)
        order.advance(now)
        assert kept(order) == fresh(order, now), f"step {step}"
        counted = Counter(leadview.bucket(i, now) for i in order.items.values())
        assert order.counts == counted, f"step {step}"
