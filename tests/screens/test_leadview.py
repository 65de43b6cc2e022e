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
    assert leadview.turns_at(leads[6], NOW) == NOW + 60  # when it moves, by the clock alone
    assert leadview.turns_at(leads[2], NOW) == NOW + 600
    assert leadview.turns_at(leads[0], NOW) is None


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


def test_find_folds_accents_and_reads_every_field() -> None:
    assert leadview.fold("Kozłowski, Łódź, ŻANETA, Ørsted, Straße") == (
        "kozlowski, lodz, zaneta, orsted, strasse"
    )
    tomasz = item(1, name="Tomasz Kozłowski", extra="Łódź ul. Piotrkowska 3")
    assert leadview.matches(tomasz, "Kozlowski") and leadview.matches(tomasz, "KOZŁOWSKI")
    assert leadview.matches(tomasz, "lodz") and leadview.matches(tomasz, "piotrkowska")
    assert not leadview.matches(tomasz, "krakow")
    # a change of the name reaches find too
    tomasz.update({"name": "Tomasz Wójcik"})
    assert leadview.matches(tomasz, "wojcik") and not leadview.matches(tomasz, "kozlowski")


def test_a_due_callback_says_how_late_it_is() -> None:
    due = item(1, state="waiting", callback_at=NOW - 30, next_at=NOW - 30)
    assert leadview.status_text(due, NOW) == "CALLBACK DUE"
    late = item(2, state="waiting", callback_at=NOW - 12 * 60, next_at=NOW - 12 * 60)
    assert leadview.status_text(late, NOW) == "overdue 12 min"
    assert leadview.overdue_text(3 * 3600) == "overdue 3 h"
    assert leadview.overdue_text(3 * 86400) == "overdue 3 d"
    undisposed = item(
        3, state="waiting", next_at=NOW + 60, attempts=1, last_disposition="not_disposed"
    )
    assert leadview.status_text(undisposed, NOW) == "not disposed"


def test_contacts_outside_their_calling_hours_are_marked() -> None:
    from ccterm.screens.widgets import row_text

    hours = leadview.Hours("08:00", "21:00", "PL")  # NOW is 09:00 in Warsaw, 03:00 in New York
    warsaw = item(1)
    new_york = item(2, e164="+12125550123", timezone="America/New_York")
    assert hours.shut_until(warsaw, NOW) is None
    opens = hours.shut_until(new_york, NOW)
    assert opens == NOW + 5 * 3600  # 08:00 in New York
    text = row_text(new_york, NOW, 100, opens)
    assert text.startswith("~") and "outside hours" in text
    assert leadview.when_text(opens, NOW) in text
    waiting = item(3, timezone="America/New_York", state="waiting", next_at=NOW + 600)
    assert hours.shut_until(waiting, NOW) is None, "not due yet: its own time is shown"
    done = item(4, timezone="America/New_York", state="done", last_disposition="done")
    assert hours.shut_until(done, NOW) is None
