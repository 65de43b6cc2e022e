"""The floor core as call transcripts: what the daemon does, in order, for the calls that
matter (issue 13, point 4). Times are seconds from the start; no clock, no sockets."""

from __future__ import annotations

from ccterm.model import DialMode, DialOrder
from ccterm.sip.trunk import Outcome
from tests.floor.transcript import Floor


def learnt_predictive(**settings: object) -> Floor:
    """A predictive campaign whose pacer has seen enough calls: one in four answers at
    10 s, the rest ring out at 25 s; talks of 300 s."""
    floor = Floor(DialMode.PREDICTIVE, **settings)
    model = floor.core.model(1)
    for i in range(300):
        model.resolved(10.0 if i % 4 == 0 else 25.0, i % 4 == 0)
    for _ in range(100):
        model.talked(300.0)
        model.wrapped(10.0)
    return floor


def test_a_power_call_answered_and_bridged() -> None:
    floor = Floor()
    assert floor.login("anna") == ["anna is ready", "take 1 for anna"]
    assert floor.leads(1) == ["dial +48220000001 as c1-1", "anna is dialing"]
    assert floor.at(1).ringing("c1-1") == ["anna is dialing"]
    assert floor.at(8).answered("c1-1") == [
        "bridge c1-1 to anna",  # audio first: the person hears anna at once
        "commit connected 1 to anna",
        "anna is on_call",
    ]
    assert floor.at(60).ended("c1-1") == [
        "unbridge c1-1",
        "commit ended 1 answered",
        "anna is wrapup",
    ]
    assert floor.at(70).dispose("anna", 1) == [
        "commit done 1 by anna",  # committed before anna is free for the next
        "anna is ready",
        "take 1 for anna",
    ]


def test_answered_with_no_agent_free_waits_2_s_then_is_abandoned_with_the_message() -> None:
    floor = Floor(DialMode.POWER, dial_ratio=2, safe_harbor=2.0)
    assert floor.login("anna") == ["anna is ready", "take 1 for anna", "take 1 for anna"]
    floor.leads(1)
    floor.leads(1)
    floor.at(5).answered("c1-1")
    assert floor.status("anna") == "on_call"
    assert floor.at(6).answered("c2-2") == ["commit answered 2"]  # waits for an agent
    assert floor.wake(7.8) == []
    assert floor.wake(7.9) == [
        "commit abandoned 2",  # counted before the message, within the 2 s
        "message to c2-2",
    ]
    assert floor.core.window(1).counts(floor.now)[0].abandoned == 1
    assert floor.wake(15.8) == []
    assert floor.wake(15.9) == ["hang up c2-2"]  # the message held the line 8 s
    assert floor.ended("c2-2") == [
        "unbridge c2-2",
        "commit ended 2 answered",
        "commit abandoned 2 by dialer",  # ABANDONED: the number rests in every campaign
    ]


def test_an_agent_who_frees_within_the_safe_harbor_takes_the_waiting_person() -> None:
    floor = Floor(DialMode.POWER, dial_ratio=2)
    floor.login("anna")
    floor.leads(1)
    floor.leads(1)
    floor.at(5).answered("c1-1")
    floor.at(20).answered("c2-2")
    floor.at(20.5).ended("c1-1")
    assert floor.at(21).dispose("anna", 1) == [
        "commit done 1 by anna",
        "bridge c2-2 to anna",
        "commit connected 2 to anna",
        "anna is on_call",
    ]
    assert floor.wake(30) == []  # no abandon: the harbor's timer is gone


def test_an_agents_phone_hanging_up_mid_call_ends_the_call_and_pauses_them() -> None:
    floor = Floor(audio=True)
    assert floor.login("anna") == [
        "anna is ready",
        "ring anna's phone",
        "anna is paused (calling your phone: answer it to start)",
    ]
    assert floor.phone("anna", up=True) == ["anna is ready", "take 1 for anna"]
    floor.leads(1)
    floor.at(8).answered("c1-1")
    assert floor.at(20).phone("anna", up=False) == [
        "hang up c1-1",  # nobody is left talking to a dead handset
        "anna is on_call (your phone hung up)",
    ]
    assert floor.ended("c1-1")[-1] == "anna is wrapup"
    assert floor.at(25).dispose("anna", 1) == [
        "commit done 1 by anna",
        "anna is paused (your phone is down: hung up: press r to be called again)",
    ]


def test_wrap_up_running_out_saves_the_default_and_pauses() -> None:
    floor = Floor(wrapup_seconds=30)
    floor.login("anna")
    floor.leads(1)
    floor.at(8).answered("c1-1")
    floor.at(60).ended("c1-1")
    assert floor.wake(89.9) == []
    assert floor.wake(90) == [
        "commit not_disposed 1 by anna",
        "anna is paused (wrap-up ran out: Lead 1 not disposed)",
    ]


def test_an_agents_client_vanishing_keeps_the_customer_on_the_line() -> None:
    floor = Floor()
    floor.login("anna")
    floor.leads(1)
    floor.at(8).answered("c1-1")
    assert floor.at(9).client_closed("anna") == ["anna is on_call"]
    assert floor.wake(19) == ["anna is on_call"]  # gone after 10 s: no hang-up, no dial
    assert floor.core.agents["anna"].pause_after_call
    assert floor.at(100).ended("c1-1") == [
        "unbridge c1-1",
        "commit ended 1 answered",
        "anna is wrapup",
        "commit not_disposed 1 by anna",  # nobody to dispose: the default, at once
        "anna is offline",
    ]


def test_a_client_back_within_the_grace_keeps_the_agent() -> None:
    floor = Floor(DialMode.MANUAL)
    floor.login("anna")
    floor.at(1).client_closed("anna")
    assert floor.at(5).login("anna") == ["anna is ready"]
    assert floor.wake(30) == []
    assert floor.status("anna") == "ready"


def test_a_ringing_line_with_no_agent_free_is_cut_at_15_s() -> None:
    floor = learnt_predictive(cut_after=15)
    assert floor.login("anna") == ["anna is ready", "take 8 for anyone"]
    floor.leads(8)
    floor.at(4).answered("c1-1")
    assert floor.wake(14.9) == []
    assert floor.wake(15) == [f"hang up c{n}-{n}" for n in range(2, 9)]
    cut = floor.core.calls["c2-2"]
    assert cut.cut and floor.now - cut.started_at == 15
    assert floor.at(15.1).ended("c2-2", Outcome.CANCELLED, 487) == [
        "unbridge c2-2",
        "commit ended 2 cancelled",
        "commit no_answer 2 by dialer",  # a cut line is not an abandon: nobody answered
    ]


def test_an_answer_crossing_our_cancel_counts_as_an_abandon() -> None:
    floor = learnt_predictive(cut_after=15)
    floor.login("anna")
    floor.leads(8)
    floor.at(4).answered("c1-1")
    floor.wake(15)
    # The SIP layer ACKs the 200 that crossed the CANCEL and sends BYE: nobody was there.
    assert floor.at(15.05).ended("c3-3", Outcome.CANCELLED, 200) == [
        "unbridge c3-3",
        "commit answered 3",
        "commit abandoned 3",
        "abandoned c3-3, no message",
        "commit ended 3 cancelled",
        "commit abandoned 3 by dialer",
    ]
    day, _ = floor.core.window(1).counts(floor.now)
    assert (day.answered, day.abandoned) == (2, 1)


def test_an_agent_of_two_campaigns_is_counted_once() -> None:
    floor = learnt_predictive()
    other = floor.campaign.__class__(
        2, "other", floor.campaign.status, floor.campaign.settings, 0.0, None, 0.0, 0.0
    )
    floor.core.set_campaigns([other])
    floor.login("anna")
    floor.leads(0)  # the list is empty for now: asked again at the next tick
    floor.core.agents["anna"].campaigns = (1, 2)  # she works both
    floor.wake(1.0)
    assert [(t.campaign_id, t.count) for t in floor.asked] == [(1, 8)], "one campaign dials"
    running = {1, 2}
    counted = [floor.core.floor(c, running, floor.now, 10).idle for c in (floor.campaign, other)]
    assert counted == [1, 0]


def test_agent_first_the_agent_hears_the_line_ring_and_the_first_hello() -> None:
    floor = Floor(DialMode.POWER, audio=True, dial_order=DialOrder.AGENT_FIRST)
    floor.login("anna")
    floor.phone("anna", up=True)
    assert floor.leads(1) == [
        "dial +48220000001 as c1-1",
        "bridge c1-1 to anna early",  # her leg is on the customer's line from the dial
        "anna is dialing",
    ]
    assert floor.at(1).ringing("c1-1") == ["ringback on for anna", "anna is dialing"]
    assert floor.at(9).answered("c1-1") == [
        "ringback off for anna",
        "bridge c1-1 to anna",  # the same bridge, now recorded
        "commit connected 1 to anna",
        "anna is on_call",
    ]


def test_agent_first_a_line_that_rings_out_stops_the_ringback() -> None:
    floor = Floor(DialMode.POWER, audio=True, dial_order=DialOrder.AGENT_FIRST)
    floor.login("anna")
    floor.phone("anna", up=True)
    floor.leads(1)
    floor.at(1).ringing("c1-1")
    assert floor.at(25).ended("c1-1", Outcome.NO_ANSWER, 487)[:2] == [
        "ringback off for anna",
        "unbridge c1-1",
    ]


def test_customer_first_bridges_the_agent_only_at_the_answer() -> None:
    floor = Floor(DialMode.POWER, audio=True)  # customer_first: the default
    floor.login("anna")
    floor.phone("anna", up=True)
    assert floor.leads(1) == ["dial +48220000001 as c1-1", "anna is dialing"]
    assert floor.at(1).ringing("c1-1") == ["anna is dialing"]
    assert floor.at(9).answered("c1-1")[0] == "bridge c1-1 to anna"


def test_agent_first_is_refused_for_predictive() -> None:
    from ccterm.errors import UsageError
    from ccterm.model import CampaignSettings

    settings = CampaignSettings(mode=DialMode.POWER).merged({"dial_order": "agent_first"})
    try:
        settings.merged({"mode": "predictive"})
    except UsageError as exc:
        assert "agent_first cannot go with predictive" in exc.message
    else:
        raise AssertionError("predictive with agent first was accepted")


def test_an_empty_list_is_asked_again_at_the_next_tick_and_its_tokens_come_back() -> None:
    floor = Floor()
    floor.core.bucket.capacity = 1.0  # one call at a time
    assert floor.login("anna") == ["anna is ready", "take 1 for anna"]
    assert floor.leads(0) == []  # nothing due now
    assert floor.core.bucket.available(floor.now) == 1, "the token came back"
    assert floor.wake(0.5) == []  # not asked again within the second
    assert floor.wake(1.0) == ["take 1 for anna"]


def test_pausing_while_lines_ring_pauses_at_once_and_the_lines_go_to_anyone() -> None:
    floor = Floor()
    floor.login("anna")
    floor.leads(1)
    floor.core.pause("anna", "coffee", floor.now)
    assert floor.lines() == ["anna is paused (coffee)"]
    assert floor.core.calls["c1-1"].agent is None
    assert floor.at(30).ended("c1-1", Outcome.NO_ANSWER, 487)[-1] == "commit no_answer 1 by dialer"
    assert floor.status("anna") == "paused"


def test_agent_first_her_other_ringing_line_leaves_her_ear_when_she_takes_one() -> None:
    floor = Floor(DialMode.POWER, audio=True, dial_order=DialOrder.AGENT_FIRST, dial_ratio=2)
    floor.login("anna")
    floor.phone("anna", up=True)
    floor.leads(1)
    floor.leads(1)
    floor.at(1).ringing("c1-1")
    floor.ringing("c2-2")
    assert floor.at(5).answered("c1-1") == [
        "ringback off for anna",
        "unbridge c2-2",  # the other line rings on for whoever is free, not in her ear
        "ringback off for anna",
        "bridge c1-1 to anna",
        "commit connected 1 to anna",
        "anna is on_call",
    ]


def test_an_agent_back_after_vanishing_mid_call_takes_calls_again() -> None:
    floor = Floor()
    floor.login("anna")
    floor.leads(1)
    floor.at(8).answered("c1-1")
    floor.at(9).client_closed("anna")
    floor.wake(19)
    floor.at(100).ended("c1-1")
    assert floor.status("anna") == "offline"
    assert floor.at(200).login("anna") == ["anna is ready", "take 1 for anna"]
    assert floor.core.agents["anna"].free()
