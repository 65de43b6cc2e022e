"""The wallboard's alerts as transcripts: facts at a moment in, raised and cleared lines out."""

from __future__ import annotations

from dataclasses import replace

from ccterm.monitor.alerts import (
    TRUNK_GRACE,
    AgentFacts,
    CampaignFacts,
    Facts,
    Heal,
    LateCallbacks,
    QueueFacts,
    Tracker,
    evaluate,
)

T0 = 1_767_603_600.0
ANNA = AgentFacts("anna", "ready", T0, "up", has_call=False)
SALES = CampaignFacts(3, "spring", 0.03, 0.0, 0.0, 100, 1000)
SUPPORT = QueueFacts("support", longest_wait=0.0, service_level=20.0)


class Board:
    """A Tracker fed facts one moment after another; each look says what changed."""

    def __init__(self) -> None:
        self.tracker = Tracker()

    def look(self, at: float, **facts: object) -> list[str]:
        raised, cleared = self.tracker.update(
            evaluate(Facts(T0 + at, **{"trunk": "up", **facts}))  # type: ignore[arg-type]
        )
        return [f"+ {a.kind}: {a.text}" for a in raised] + [f"- {a.id}" for a in cleared]


def test_the_trunk_down_is_raised_once_and_cleared_when_it_is_up() -> None:
    board = Board()
    assert board.look(0) == []
    assert board.look(1, trunk="down", trunk_detail="no answer from sip.example.net") == [
        "+ trunk: trunk down: no answer from sip.example.net"
    ]
    assert board.look(2, trunk="down", trunk_detail="no answer from sip.example.net") == []
    assert board.look(3, trunk="registering") == ["- trunk"]  # on its way up: no alarm


def test_a_trunk_down_for_less_than_the_grace_is_no_alert() -> None:
    """At the daemon's start the trunk is down until it registers; a re-registration takes
    a moment: neither is an outage. Down past the grace is."""
    board = Board()
    assert board.look(0, trunk="down", trunk_since=T0) == []
    assert board.look(TRUNK_GRACE - 0.5, trunk="down", trunk_since=T0) == []
    assert board.look(TRUNK_GRACE, trunk="failed", trunk_detail="403", trunk_since=T0) == [
        "+ trunk: trunk failed: 403"
    ]


def test_an_abandon_rate_near_the_cap_in_either_window() -> None:
    board = Board()
    assert board.look(0, campaigns=(replace(SALES, day_rate=0.024),)) == []
    assert board.look(1, campaigns=(replace(SALES, day_rate=0.026),)) == [
        "+ abandon: spring: abandon rate 2.6 % over 24 h, near its cap 3.0 %"
    ]
    assert board.look(2, campaigns=(replace(SALES, day_rate=0.01),)) == ["- abandon:3"]
    assert board.look(3, campaigns=(replace(SALES, month_rate=0.031),)) == [
        "+ abandon: spring: abandon rate 3.1 % over 30 days, over its cap 3.0 %"
    ]
    nothing_answered = replace(SALES, day_rate=0.5, month_rate=0.5, answered_day=0)
    assert board.look(4, campaigns=(replace(nothing_answered, answered_month=0),)) == [
        "- abandon:3"
    ]


def test_a_queue_whose_longest_wait_passed_its_service_level() -> None:
    board = Board()
    assert board.look(0, queues=(replace(SUPPORT, longest_wait=20.0),)) == []  # at it: fine
    assert board.look(1, queues=(replace(SUPPORT, longest_wait=21.0),)) == [
        "+ queue_wait: support: a caller waits 21 s, past the service level of 20 s"
    ]
    assert board.look(2, queues=(replace(SUPPORT, longest_wait=22.0),)) == []  # still the same
    assert board.look(3, queues=(SUPPORT,)) == ["- queue_wait:support"]


def test_agents_stuck_in_a_state() -> None:
    board = Board()
    on_call = replace(ANNA, status="on_call")
    assert board.look(0, agents=(replace(on_call, has_call=True),)) == []
    assert board.look(1, agents=(on_call,)) == ["+ stuck: anna: on call with no call"]
    assert board.look(2, agents=(ANNA,)) == ["- stuck:anna"]
    dialing = replace(ANNA, status="dialing", since=T0)
    assert board.look(180, agents=(dialing,)) == []
    assert board.look(181, agents=(dialing,)) == ["+ stuck: anna: dialling for 3 min"]
    assert board.look(182, agents=(ANNA,)) == ["- stuck:anna"]
    ringing = replace(ANNA, status="on_call", has_call=True, oldest_ring=T0 + 100)
    assert board.look(300, agents=(ringing,)) == ["+ stuck: anna: a line ringing for 3 min"]
    assert board.look(301, agents=(replace(ringing, oldest_ring=None),)) == ["- stuck:anna"]
    wrapping = replace(ANNA, status="wrapup", has_call=True, wrapup_until=T0 + 400)
    assert board.look(405, agents=(wrapping,)) == []  # the timer's own moment, and a grace
    assert board.look(406, agents=(wrapping,)) == ["+ stuck: anna: wrap-up 6 s past its end"]
    assert board.look(407, agents=(replace(wrapping, status="paused"),)) == ["- stuck:anna"]


def test_a_phone_leg_down_while_logged_in() -> None:
    board = Board()
    assert board.look(0, agents=(replace(ANNA, phone="ringing"),)) == []
    assert board.look(1, agents=(replace(ANNA, phone="down: 486 Busy Here"),)) == [
        "+ phone: anna: phone down: 486 Busy Here"
    ]
    assert board.look(2, agents=(replace(ANNA, status="offline", phone="down"),)) == [
        "- phone:anna"  # logged out: the phone is released, nothing is wrong
    ]


def test_callbacks_overdue_in_a_campaign_and_in_a_queue() -> None:
    board = Board()
    late = LateCallbacks(2, T0 - 1200, campaign_id=3, campaign="spring")
    queued = LateCallbacks(1, T0 - 960, queue="support")
    assert board.look(0, callbacks=(late, queued)) == [
        "+ callback: spring: 2 callbacks overdue by 20 min, nobody on it",
        "+ callback: support: a callback overdue by 16 min, nobody on it",
    ]
    assert board.look(60, callbacks=(queued,)) == ["- callback:3"]
    assert board.look(61) == ["- callback:q:support"]


def test_a_heal_is_shown_for_five_minutes() -> None:
    board = Board()
    heal = Heal("anna", "on call with no call", "call c7-12 is gone", T0)
    assert board.look(0, heals=(heal,)) == [
        "+ healed: healed anna: on call with no call (call c7-12 is gone)"
    ]
    assert board.look(300, heals=(heal,)) == []
    assert board.look(301, heals=(heal,)) == [f"- healed:anna:{T0:.3f}"]


def test_an_alert_keeps_the_moment_it_was_raised() -> None:
    tracker = Tracker()
    waits = [QueueFacts("support", w, 20.0) for w in (30.0, 40.0)]
    tracker.update(evaluate(Facts(T0, "up", queues=(waits[0],))))
    tracker.update(evaluate(Facts(T0 + 10, "up", queues=(waits[1],))))
    (alert,) = tracker.active.values()
    assert alert.at == T0 and "40 s" in alert.text
    assert alert.to_wire() == {
        "id": "queue_wait:support",
        "kind": "queue_wait",
        "text": alert.text,
        "at": T0,
        "queue": "support",
    }
