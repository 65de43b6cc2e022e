"""What the floor tells wallboards: call.changed through a call's life, heals."""

from __future__ import annotations

from typing import Any

from ccterm.daemon.floor.effects import Effect, Publish
from ccterm.daemon.floor.state import Call, CallState, Lead, Outbound
from ccterm.model import AgentStatus, DialMode
from tests.floor.transcript import T0, Floor


def watched(floor: Floor) -> list[Publish]:
    """The floor's staff events from now on (the transcript keeps only agent.changed)."""
    seen: list[Publish] = []
    drain = floor.core.drain

    def recording() -> list[Effect]:
        out = drain()
        seen.extend(one for one in out if isinstance(one, Publish) and one.staff)
        return out

    floor.core.drain = recording  # type: ignore[method-assign]
    return seen


def states(seen: list[Publish]) -> list[str]:
    out = []
    for one in seen:
        if one.name == "call.changed":
            data: dict[str, Any] = one.data
            end = " (ended)" if data.get("ended") else ""
            out.append(f"{data['id']} {data['state']} {data['agent'] or '-'}{end}")
    seen.clear()
    return out


def test_an_outbound_call_is_published_at_each_change_and_once_ended() -> None:
    floor = Floor(DialMode.POWER)
    seen = watched(floor)
    floor.login("anna")
    floor.leads(1)
    assert states(seen) == ["c1-1 dialing anna"]
    floor.ringing("c1-1")
    assert states(seen) == ["c1-1 ringing anna"]
    floor.now = T0 + 5
    floor.answered("c1-1")
    assert states(seen) == ["c1-1 connected anna"]
    floor.now = T0 + 65
    floor.ended("c1-1")
    assert states(seen) == ["c1-1 ended anna (ended)"]
    floor.wake(66)
    assert states(seen) == []  # nothing changed: nothing said


def test_a_call_changed_carries_the_monitor_fields_and_its_audience() -> None:
    floor = Floor(DialMode.POWER)
    seen = watched(floor)
    floor.login("anna")
    floor.leads(1)
    (first,) = [p for p in seen if p.name == "call.changed"]
    assert first.data == {
        "id": "c1-1",
        "direction": "outbound",
        "state": "dialing",
        "started_at": T0,
        "answered_at": None,
        "connected_at": None,
        "entered_at": None,
        "agent": "anna",
        "e164": "+48220000001",
        "campaign_id": 1,
        "queue": None,
        "client": "",
    }
    assert (first.campaign_id, first.groups, first.staff) == (1, frozenset({"team"}), True)


def test_supervisors_who_stop_seeing_a_call_are_told_it_is_gone_and_no_more() -> None:
    floor = Floor(DialMode.POWER, groups=("north",))
    seen = watched(floor)
    floor.login("anna")  # of "team"
    floor.leads(1)
    floor.ringing("c1-1")
    assert [(p.data["state"], p.campaign_id, p.groups) for p in seen] == [
        ("dialing", 1, frozenset({"team"})),
        ("ringing", 1, frozenset({"team"})),
    ]
    seen.clear()
    floor.settings(groups=("south",))  # north's supervisors see the campaign no more
    floor.lines()
    first, gone = seen
    assert (first.data["state"], first.campaign_id, first.groups) == ("ringing", 1, {"team"})
    assert gone.data == {"id": "c1-1", "ended": True, "gone": True}  # nothing else
    assert (gone.groups, gone.staff, gone.admins) == (frozenset({"north"}), True, False)
    seen.clear()
    floor.now = T0 + 5
    floor.answered("c1-1")
    floor.now = T0 + 65
    floor.ended("c1-1")
    assert [p.data["state"] for p in seen] == ["connected", "ended"]
    assert not [p for p in seen if p.groups is not None and "north" in p.groups]
    assert seen[-1].groups == frozenset({"south", "team"})  # whoever saw it last


def test_an_agent_on_a_call_that_vanished_is_healed_and_said_so() -> None:
    floor = Floor(DialMode.POWER)
    seen = watched(floor)
    floor.login("anna")
    floor.lines()
    anna = floor.core.agents["anna"]
    lead = Lead(9, 9, 1, "+48220000009", "Lead 9")
    ghost = Call("c9-9", Outbound(1, lead), "power", T0, agent="anna", state=CallState.CONNECTED)
    ghost.connected_at = T0
    anna.call, anna.status, anna.since = ghost, AgentStatus.ON_CALL, T0  # not on the floor
    seen.clear()
    lines = floor.wake(2)
    assert "anna is wrapup" in lines  # the call is over for her: its wrap-up runs
    raised = [p.data for p in seen if p.name == "alert.raised"]
    assert [(a["kind"], a["text"]) for a in raised] == [
        ("healed", "healed anna: on call with no call (call c9-9 is gone)")
    ]
    assert seen[-1].groups == frozenset({"team"})
    floor.wake(400)  # shown for five minutes, then cleared
    cleared = [p.data["kind"] for p in seen if p.name == "alert.cleared"]
    assert cleared == ["healed"]


def test_a_phone_down_raises_an_alert_and_its_return_clears_it() -> None:
    floor = Floor(DialMode.POWER, audio=True)
    seen = watched(floor)
    floor.login("anna")
    floor.phone("anna", up=True)
    floor.wake(2)
    assert [p for p in seen if p.name.startswith("alert.")] == []
    floor.phone("anna", up=False, why="hung up")
    floor.wake(3)
    raised = [p.data["text"] for p in seen if p.name == "alert.raised"]
    assert raised == ["anna: phone down: hung up"]
    floor.phone("anna", up=True)
    floor.wake(4)
    assert [p.data["id"] for p in seen if p.name == "alert.cleared"] == ["phone:anna"]
