"""The list's rules as pure functions: order, due callbacks, the words shown."""

from __future__ import annotations

from typing import Any

from ccterm.screens import leadview
from ccterm.screens.dialogs import parse_time, quick_times
from ccterm.screens.leadview import LeadItem

NOW = 1_800_000_000.0


def item(id: int, **kw: Any) -> LeadItem:
    data: dict[str, Any] = {
        "id": id,
        "contact_id": id,
        "name": f"C{id}",
        "e164": f"+4860100000{id}",
        "state": "ready",
        "blocked": 0,
        "attempts": 0,
        "next_at": 0,
        "callback_at": None,
        "callback_agent": None,
        "priority": 0,
        "rank_major": 0,
        "rank_minor": id,
        "last_disposition": None,
        "last_attempt_at": None,
        "timezone": "Europe/Warsaw",
    }
    data.update(kw)
    return LeadItem.from_dict(data)


def test_order_due_callbacks_then_dialable_then_waiting_then_the_rest() -> None:
    leads = [
        item(1),
        item(2, rank_major=-5),  # higher priority
        item(3, state="waiting", next_at=NOW + 600),  # a retry later
        item(4, state="waiting", next_at=NOW - 5, callback_at=NOW - 5),  # due callback
        item(5, state="done", last_disposition="done"),
        item(6, blocked=1),
        item(7, state="waiting", next_at=NOW + 60, callback_at=NOW + 60),  # callback soon
        item(8, state="waiting", next_at=NOW - 1),  # retry whose time has come
        item(9, state="dialing"),
    ]
    assert [i.id for i in leadview.ordered(leads, NOW)] == [4, 2, 1, 8, 7, 3, 9, 5, 6]
    # a minute later the second callback is due and comes first, after the earlier one
    assert [i.id for i in leadview.ordered(leads, NOW + 61)][:2] == [4, 7]
    assert leadview.next_due(leads, NOW) == NOW + 60


def test_words_and_markers() -> None:
    due = item(1, state="waiting", callback_at=NOW - 1, next_at=NOW - 1)
    assert (leadview.status_text(due, NOW), leadview.marker(due, NOW)) == ("CALLBACK DUE", "!")
    later = item(2, state="waiting", callback_at=NOW + 99, next_at=NOW + 99)
    assert (leadview.status_text(later, NOW), leadview.marker(later, NOW)) == ("callback", "@")
    assert leadview.status_text(item(3, blocked=1), NOW) == "do not call"
    assert (
        leadview.status_text(item(4, blocked=1, state="done", last_disposition="fax"), NOW) == "fax"
    )
    assert (
        leadview.status_text(
            item(5, attempts=2, state="waiting", next_at=NOW + 9, last_disposition="busy"), NOW
        )
        == "busy"
    )
    assert leadview.status_text(item(6, state="exhausted", attempts=5), NOW) == "no more tries"
    assert leadview.status_text(item(7), NOW) == "new"


def test_find_by_name_or_digits() -> None:
    anna = item(1, name="Anna Nowak", e164="+48601234567")
    assert leadview.matches(anna, "nowak")
    assert leadview.matches(anna, "601 234")
    assert not leadview.matches(anna, "kowal")


def test_script_fills_known_fields_and_keeps_the_rest() -> None:
    text = "Dzień dobry {name}, dzwonię w sprawie {product}. {unknown} {"
    assert leadview.fill_script(text, {"name": "Anna"}) == text  # a stray brace: as written
    assert leadview.fill_script("Hi {name}, {unknown}", {"name": "Anna"}) == "Hi Anna, {unknown}"


def test_callback_times() -> None:
    labels = [label for label, _ in quick_times(NOW)]
    assert labels[0] == "in 1 hour" and labels[2].startswith("tomorrow 10:00")
    assert parse_time("+90m", NOW) == NOW + 5400
    at = parse_time("2030-01-02 09:30", NOW)
    assert at is not None and at > NOW
    assert parse_time("soon", NOW) is None
    tomorrow_or_today = parse_time("10:00", NOW)
    assert tomorrow_or_today is not None and NOW < tomorrow_or_today <= NOW + 86400
