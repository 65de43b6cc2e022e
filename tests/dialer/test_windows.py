"""The abandon-rate windows and the calls-per-second bucket: pure, on times the test gives."""

from __future__ import annotations

import pytest

from ccterm.dialer.throttle import TokenBucket
from ccterm.dialer.windows import DAY, MONTH, AbandonWindows, Count

T = 1_800_000_000.0


def test_both_windows_count_live_answers_and_abandons() -> None:
    w = AbandonWindows()
    for i in range(97):
        w.connected(T + i)
    for i in range(3):
        w.abandoned(T + 100 + i)
    day, month = w.counts(T + 200)
    assert day == month == Count(100, 3)
    assert day.rate == pytest.approx(0.03) and day.to_dict()["rate"] == pytest.approx(0.03)


def test_the_day_expires_after_24_hours_and_the_month_after_30_days() -> None:
    w = AbandonWindows()
    w.abandoned(T)
    w.connected(T + 3600)
    assert w.counts(T + DAY - 1) == (Count(2, 1), Count(2, 1))
    assert w.counts(T + DAY + 1.5) == (Count(1, 0), Count(2, 1)), "the abandon left the day"
    assert w.counts(T + 3600 + DAY + 1.5) == (Count(0, 0), Count(2, 1))
    assert w.counts(T + MONTH - 60) == (Count(0, 0), Count(2, 1))
    assert w.counts(T + MONTH + 61) == (Count(0, 0), Count(1, 0))
    assert w.counts(T + 3600 + MONTH + 61) == (Count(0, 0), Count(0, 0))


def test_late_events_land_in_their_place() -> None:
    w = AbandonWindows()
    w.connected(T + 10)
    w.connected(T + 5)  # a history loaded out of order, a clock set back
    w.abandoned(T + 10.5)
    w.connected(T)
    assert w.counts(T + DAY + 5.5) == (Count(3, 1), Count(4, 1))
    assert w.counts(T + DAY + 6.5) == (Count(2, 1), Count(4, 1))


def test_the_tightest_window_is_the_one_with_the_least_budget() -> None:
    w = AbandonWindows()
    for i in range(1000):
        w.connected(T + i * 60)  # a quiet month ...
    now = T + 25 * DAY
    for i in range(50):
        w.connected(now - 100 + i)  # ... and a busy day with 3 abandons
    for i in range(3):
        w.abandoned(now - 10 + i)
    day, month = w.counts(now)
    assert day.slack(0.03) < month.slack(0.03)
    assert w.tightest(0.03, now) == day


def test_the_bucket_spaces_calls_evenly() -> None:
    bucket = TokenBucket(4.0)
    assert bucket.available(T) == 1
    bucket.take(T)
    assert bucket.available(T) == 0 and bucket.next_at(T) == pytest.approx(T + 0.25)
    assert bucket.available(T + 0.24) == 0
    assert bucket.available(T + 0.25) == 1
    assert bucket.available(T + 10) == 1, "no burst after a quiet spell"


def test_a_dial_by_hand_takes_its_token_on_credit() -> None:
    bucket = TokenBucket(2.0)
    bucket.take(T)
    bucket.take(T)  # an agent's own dial: never refused, owed
    assert bucket.available(T + 0.5) == 0
    assert bucket.next_at(T) == pytest.approx(T + 1.0)
    assert bucket.available(T + 1.0) == 1
