"""Inbound calls on the floor core as transcripts (issue 14): a caller walks the menu,
waits in line, reaches the agent who waited longest; timeouts, invalid keys, overflow,
hours, unknown numbers, callbacks and blended agents. Times are seconds from the start."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ccterm.daemon.floor.state import Booked
from ccterm.inbound_plan import parse_plan
from ccterm.model import DialMode
from ccterm.sip.trunk import CallAnswered, CallEnded, DigitReceived, Outcome
from tests.floor.transcript import T0, Floor

DID = "+48221234500"

PLAN: dict[str, Any] = {
    "inbound": [
        {"did": DID, "client": "Acme Bank", "start": "menu:main", "language": "pl"},
        {
            "did": "+48221234599",
            "client": "Night Desk",
            "start": "queue:sales",
            "hours": ["08:00", "20:00"],
        },
    ],
    "menus": {
        "main": {
            "prompt": ["welcome.wav", "options.wav"],
            "timeout": 10,
            "repeat": 1,
            "fallback": "queue:support",
            "keys": {"1": "queue:sales", "2": "queue:support", "0": "hangup"},
        }
    },
    "queues": {
        "sales": {
            "groups": ["team"],
            "max_wait": 300,
            "overflow": "queue:support",
            "announce_every": 60,
            "callback_after": 90,
        },
        "support": {
            "groups": ["helpdesk"],
            "max_wait": 120,
            "overflow": "voicemail",
            "announce_every": 0,
            "callback_after": 0,
        },
    },
}


class Inbound(Floor):
    """The floor with the plan above; agents log in to the outbound campaign, or (no
    campaign) to their group's queues only."""

    def __init__(self, mode: DialMode = DialMode.MANUAL, **settings: Any) -> None:
        super().__init__(mode, **settings)
        plan = parse_plan(PLAN, Path("config.toml"))
        self.core.set_plan(plan, zone=ZoneInfo("UTC"))
        self.lines()

    def agent(self, name: str, group: str = "team", *, campaign: bool = False) -> list[str]:
        self.core.login(name, group, self.campaign if campaign else None, self.now, new_client=True)
        return self.lines()

    def calls(
        self, call: str, did: str = DID, caller: str = "+48601000001", *, withheld: bool = False
    ) -> list[str]:
        """A caller dials `did`; the runner has read their number (unless `withheld`)."""
        self.core.inbound_offered(call, did, caller, self.now, e164=None if withheld else caller)
        return self.lines()

    def up(self, call: str) -> list[str]:
        self.core.trunk_event(CallAnswered(call), self.now)
        return self.lines()

    def key(self, call: str, digit: str) -> list[str]:
        self.core.trunk_event(DigitReceived(call, digit), self.now)
        return self.lines()

    def played(self, call: str) -> list[str]:
        """The prompt playing to `call` reached its end."""
        leg = self.core.legs[call]
        self.core.prompt_done(call, leg.token, self.now)
        return self.lines()

    def ready(self, agent: str) -> list[str]:
        self.core.ready(agent, self.now)
        return self.lines()

    def hangs_up(self, call: str) -> list[str]:
        self.core.trunk_event(CallEnded(call, Outcome.ANSWERED, 200), self.now)
        return self.lines()


def test_a_caller_picks_sales_and_reaches_the_agent_who_waited_longest() -> None:
    floor = Inbound()
    floor.agent("anna")
    floor.at(5).agent("bob")  # bob is free since 5 s, anna since 0 s
    assert floor.at(10).calls("in1") == [
        "commit arrived in1 from +48601000001 to +48221234500",
        "answer in1",
    ]
    assert floor.at(10.2).up("in1") == ["play welcome.wav options.wav to in1"]
    assert floor.at(12).key("in1", "1") == [
        "stop the prompt to in1",  # the key stops the prompt at once
        "commit in1 in sales since 12",
        "play hold_music to in1 looped",
        "stop the prompt to in1",
        "bridge in1 to anna after a tone",  # anna has waited longest
        "commit in1 answered by anna",
        "anna is on_call",
    ]
    assert floor.at(100).hangs_up("in1") == [
        "unbridge in1",
        "anna is wrapup",
        "commit in1 answered (caller): menu:main key:1 to:queue:sales queue:sales agent:anna",
    ]


def test_a_timeout_and_an_invalid_key_replay_the_menu_then_the_fallback() -> None:
    floor = Inbound()
    floor.calls("in1")
    floor.up("in1")
    assert floor.at(5).played("in1") == []  # the caller has 10 s for a key
    assert floor.wake(14.9) == []
    assert floor.wake(15) == ["play welcome.wav options.wav to in1"]  # replay 1 of 1
    assert floor.at(17).key("in1", "7") == [
        "stop the prompt to in1",
        "commit in1 in support since 17",  # no replay left: the fallback
        "play hold_music to in1 looped",
    ]
    assert floor.at(20).hangs_up("in1")[-1] == (
        "commit in1 abandoned (caller): menu:main timeout key:7 invalid to:queue:support"
        " queue:support"
    )


def test_an_invalid_key_with_a_replay_left_says_so_first() -> None:
    floor = Inbound()
    floor.calls("in1")
    floor.up("in1")
    assert floor.at(3).key("in1", "5") == [
        "stop the prompt to in1",
        "play invalid welcome.wav options.wav to in1",
    ]
    assert floor.at(6).key("in1", "0") == ["stop the prompt to in1", "hang up in1"]
    assert floor.hangs_up("in1")[-1] == (
        "commit in1 menu_hangup (system): menu:main key:5 invalid key:0 to:hangup"
    )


def test_overflow_keeps_the_callers_place_and_then_voicemail() -> None:
    floor = Inbound()
    floor.at(0).calls("in1")
    floor.up("in1")
    floor.at(2).key("in1", "1")  # sales: nobody of group team is logged in
    floor.wake(62)  # sales announces the caller's place at 60 s
    floor.at(280).calls("in2", caller="+48601000002")
    floor.up("in2")
    floor.key("in2", "2")  # support, at 280 s
    assert floor.core.acd.position("in2") == 1
    lines = floor.wake(302)  # sales's max_wait of 300 s: on to support
    assert lines == [
        "stop the prompt to in1",
        "commit in1 in support since 2",  # entered at 2 s, still
        "play hold_music to in1 looped",
    ]
    # in1 entered at 2 s: ahead of in2, who came to support first but entered later
    assert [c.id for c in floor.core.acd.in_line("support")] == ["in1", "in2"]
    assert floor.core.acd.position("in2") == 2
    assert floor.wake(400) == ["stop the prompt to in2", "play voicemail beep to in2"]
    assert floor.wake(422) == [  # support's max_wait of 120 s, counted in support
        "stop the prompt to in1",
        "play voicemail beep to in1",
    ]
    assert floor.played("in1") == [
        "record in1",
        "commit voicemail for +48601000001 in support since 2",
    ]
    assert floor.at(440).hangs_up("in1")[-1] == (
        "commit in1 voicemail (caller): menu:main key:1 to:queue:sales queue:sales"
        " overflow:queue:support queue:support overflow:voicemail voicemail"
    )


def overflowing_to(target: str) -> Inbound:
    """The plan above with support's max wait (120 s) sending callers to `target`."""
    floor = Inbound()
    plan = {**PLAN, "queues": {**PLAN["queues"]}}
    plan["queues"]["support"] = {**PLAN["queues"]["support"], "overflow": target}
    floor.core.set_plan(parse_plan(plan, Path("config.toml")), zone=ZoneInfo("UTC"))
    floor.at(0).calls("in1")
    floor.up("in1")
    floor.at(2).key("in1", "2")
    return floor


def test_a_caller_the_max_wait_hangs_up_on_is_overflowed() -> None:
    """The queue report counts such a call as overflowed in its queue (not as "other")."""
    floor = overflowing_to("hangup")
    assert floor.wake(122) == ["stop the prompt to in1", "hang up in1"]
    assert floor.at(123).hangs_up("in1")[-1] == (
        "commit in1 overflowed (system): menu:main key:2 to:queue:support queue:support"
        " overflow:hangup"
    )


def test_an_overflow_to_a_menu_is_overflowed_unless_the_caller_joins_a_queue_again() -> None:
    floor = overflowing_to("menu:main")
    floor.wake(122)  # the menu again
    assert floor.at(125).hangs_up("in1")[-1].startswith("commit in1 overflowed (caller)")
    floor = overflowing_to("menu:main")
    floor.wake(122)
    floor.at(124).key("in1", "1")  # sales: a queue of its own, where the caller gives up
    assert floor.at(130).hangs_up("in1")[-1] == (
        "commit in1 abandoned (caller): menu:main key:2 to:queue:support queue:support"
        " overflow:menu:main menu:main key:1 to:queue:sales queue:sales"
    )


def test_the_queue_announces_position_and_offers_a_callback_that_keeps_the_place() -> None:
    floor = Inbound()
    floor.calls("in1")
    floor.up("in1")
    floor.key("in1", "1")
    floor.at(1).calls("in2", caller="+48601000002")
    floor.up("in2")
    floor.key("in2", "1")
    lines = floor.wake(61)
    assert "play position 2 in_line to in2" in lines[-1] or any(
        line.startswith("play position 2") for line in lines
    )
    lines = floor.wake(91)
    assert "play callback_offer to in2" in lines
    assert floor.at(93).key("in2", "1") == [
        "commit callback for +48601000002 in sales since 1",
        "play callback_confirm goodbye to in2",
    ]
    assert floor.played("in2") == ["hang up in2"]
    assert floor.hangs_up("in2")[-1].startswith("commit in2 callback (system)")  # after it


def test_outside_the_hours_the_closed_message_then_the_hang_up() -> None:
    floor = Inbound()
    night = floor.core.plan.route("+48221234599")
    assert night is not None and night.hours == ("08:00", "20:00")
    # T0 is 2026-01-05 09:00 UTC: open. 12 hours later it is closed.
    floor.at(12 * 3600).calls("in1", did="+48221234599")
    assert floor.up("in1") == ["play closed to in1"]
    assert floor.played("in1") == ["hang up in1"]
    assert floor.hangs_up("in1")[-1] == "commit in1 closed (system): closed"


def test_an_unknown_number_hears_not_in_service_never_silence() -> None:
    floor = Inbound()
    assert floor.calls("in1", did="+48229999999") == [
        "commit arrived in1 from +48601000001 to +48229999999",
        "answer in1",
    ]
    assert floor.up("in1") == ["play not_in_service to in1"]
    assert floor.played("in1") == ["hang up in1"]
    assert floor.hangs_up("in1")[-1] == "commit in1 not_in_service (system): not_in_service"


def test_a_blended_agent_takes_inbound_first_and_no_new_line_starts_while_a_caller_waits() -> None:
    floor = Inbound(DialMode.POWER)
    assert floor.agent("anna", campaign=True) == ["anna is ready", "take 1 for anna"]
    floor.leads(1)
    floor.at(5).answered("c1-1")  # anna talks to an outbound customer
    floor.at(10).calls("in1")
    floor.up("in1")
    floor.key("in1", "1")  # a caller waits in sales, which anna serves
    assert floor.core.acd.position("in1") == 1
    lines = floor.at(60).ended("c1-1")
    assert lines[-1] == "anna is wrapup"
    lines = floor.at(62).dispose("anna", 1)
    assert "take 1 for anna" not in lines  # inbound first: no outbound line for her now
    assert lines[1:] == [
        "stop the prompt to in1",
        "bridge in1 to anna after a tone",
        "commit in1 answered by anna",
        "anna is on_call",
    ]


def test_an_agent_on_a_call_is_never_offered_a_caller() -> None:
    floor = Inbound()
    floor.agent("anna")
    floor.calls("in1")
    floor.up("in1")
    floor.key("in1", "1")
    assert floor.core.agents["anna"].call is not None
    floor.at(1).calls("in2")
    floor.up("in2")
    lines = floor.key("in2", "1")
    assert not any("bridge" in line for line in lines)
    floor.at(30).hangs_up("in1")
    assert floor.at(40).ready("anna") == [  # done with in1 (nothing to dispose): in2
        "stop the prompt to in2",
        "bridge in2 to anna after a tone",
        "commit in2 answered by anna",
        "anna is on_call",
    ]
    floor.at(50).hangs_up("in2")
    assert floor.wake(80) == ["anna is paused (wrap-up ran out after +48601000001)"]


def test_a_callback_keeps_its_place_and_is_dialled_agent_first() -> None:
    floor = Inbound()
    floor.calls("in1", caller="+48601000001")
    floor.up("in1")
    floor.at(1).key("in1", "1")  # in line in sales since 1 s
    floor.at(91).key("in1", "1")  # the offer came at 90 s: a callback, keeping the place
    floor.played("in1")
    floor.hangs_up("in1")
    # the runner committed the callback (row 5) and puts it back in line at 1 s
    floor.core.callback_waiting(Booked(5, "sales", "+48601000001"), T0 + 1, floor.now)
    floor.at(100).calls("in2", caller="+48601000002")
    floor.up("in2")
    floor.key("in2", "1")  # a live caller, behind the callback
    assert floor.at(110).agent("anna") == [
        "anna is dialing",
        "callback 5 due for anna: check +48601000001",
    ]
    floor.core.callback_go(5, "anna", floor.now)  # checked and claimed in the store
    (cb,) = [c for c in floor.core.calls if c.startswith("cb5-")]
    assert floor.lines() == [
        f"commit arrived {cb} from +48601000001 to ",  # the callback call has its record
        f"dial +48601000001 as {cb}",
        f"bridge {cb} to anna early",  # agent first: anna hears it ring
        "anna is dialing",
    ]
    assert floor.at(112).ringing(cb) == ["ringback on for anna"]
    assert floor.at(118).answered(cb) == [
        "ringback off for anna",
        f"bridge {cb} to anna",
        f"commit {cb} answered by anna",
        "anna is on_call",
    ]
    assert floor.at(200).ended(cb)[-4:] == [  # (in2 heard its place at 160 s)
        f"unbridge {cb}",
        "commit callback 5 reached",
        f"commit {cb} answered (caller): callback agent:anna",
        "anna is wrapup",
    ]
    assert floor.at(210).ready("anna")[-3:] == [  # then the live caller who entered later
        "bridge in2 to anna after a tone",
        "commit in2 answered by anna",
        "anna is on_call",
    ]


def test_a_callback_not_reached_frees_the_agent_and_the_runner_retries_it() -> None:
    floor = Inbound()
    floor.agent("anna")
    floor.core.callback_waiting(Booked(7, "sales", "+48601000007"), T0, floor.now)
    floor.core.callback_go(7, "anna", floor.now)
    floor.lines()
    (cb,) = floor.core.calls
    assert floor.at(30).ended(cb, Outcome.NO_ANSWER, 487) == [
        f"unbridge {cb}",
        "ringback off for anna",
        "commit callback 7 not reached",
        f"commit {cb} failed (caller): callback agent:anna",
        "anna is ready",
    ]
    # the runner puts it back with its retry time: not before then
    floor.core.callback_waiting(
        Booked(7, "sales", "+48601000007"), T0, floor.now, not_before=T0 + 630
    )
    assert floor.lines() == []
    assert floor.wake(630) == [
        "anna is dialing",
        "callback 7 due for anna: check +48601000007",
    ]
    floor.core.callback_held(7, "anna", floor.now, retry_at=None)  # e.g. now on do-not-call
    assert floor.lines() == ["anna is ready"]
    assert floor.core.acd.waiting == {}


def test_longest_idle_counts_from_the_end_of_the_last_call_not_from_ready() -> None:
    floor = Inbound()
    floor.agent("anna")
    floor.at(1).agent("bob")
    floor.at(2).calls("in1")
    floor.up("in1")
    floor.key("in1", "1")  # to anna, idle longest
    floor.at(3).calls("in2")
    floor.up("in2")
    floor.key("in2", "1")  # to bob
    floor.at(10).hangs_up("in1")  # anna's call ends first...
    floor.at(20).hangs_up("in2")
    floor.at(25).ready("bob")  # ...bob is ready first...
    floor.at(26).ready("anna")
    floor.at(30).calls("in3")
    floor.up("in3")
    assert "bridge in3 to anna after a tone" in floor.key("in3", "1")  # ...anna waited longer


def test_pressing_1_twice_books_one_callback() -> None:
    floor = Inbound()
    floor.calls("in1")
    floor.up("in1")
    floor.key("in1", "1")
    floor.at(90).wake(90)
    first = floor.at(91).key("in1", "1")
    assert sum("commit callback" in line for line in first) == 1
    assert not any("commit callback" in line for line in floor.at(92).key("in1", "1"))


def test_a_withheld_caller_is_not_offered_a_callback() -> None:
    floor = Inbound()
    floor.calls("in1", caller="anonymous", withheld=True)
    floor.up("in1")
    floor.key("in1", "1")
    assert "play callback_offer to in1" not in " ".join(floor.wake(95))
    assert not any("commit callback" in line for line in floor.at(96).key("in1", "1"))


def test_the_announcement_and_the_offer_due_together_play_as_one() -> None:
    floor = Inbound()
    plan = parse_plan(PLAN, Path("config.toml"))
    sales = plan.queues["sales"]
    spec = replace(sales.spec, announce_every=60, callback_after=60)
    floor.core.set_plan(replace(plan, queues={**plan.queues, "sales": replace(sales, spec=spec)}))
    floor.calls("in1")
    floor.up("in1")
    floor.key("in1", "1")
    (played,) = [line for line in floor.wake(61) if line.startswith("play ")]
    assert played.startswith("play position 1") and "callback_offer" in played


def test_a_callback_held_for_an_agent_is_not_taken_by_an_outbound_answer() -> None:
    floor = Inbound(DialMode.POWER)
    floor.agent("anna", campaign=True)
    floor.leads(1)  # a power line rings for anna
    floor.core.callback_waiting(Booked(5, "sales", "+48601000005"), T0, floor.now)
    assert floor.lines() == []  # anna is DIALING her line: not free for the callback
    floor.at(5).answered("c1-1")
    floor.at(60).ended("c1-1")
    lines = floor.at(61).dispose("anna", 1)
    assert "callback 5 due for anna: check +48601000005" in lines  # the callback holds anna
    assert floor.core.agents["anna"].callback == "cb5"
    assert not any(line.startswith("take") for line in floor.lines())  # and no new line


def test_pausing_while_a_callback_rings_hangs_it_up_for_a_retry() -> None:
    floor = Inbound()
    floor.agent("anna")
    floor.core.callback_waiting(Booked(7, "sales", "+48601000007"), T0, floor.now)
    floor.core.callback_go(7, "anna", floor.now)
    floor.lines()
    (cb,) = floor.core.calls
    floor.core.pause("anna", "coffee", floor.now)
    assert f"hang up {cb}" in floor.lines()
    assert floor.answered(cb) == [f"hang up {cb}"]  # answered as it was cut: nobody to hear
    assert "commit callback 7 not reached" in floor.ended(cb)
    assert floor.status("anna") == "paused"


def test_a_reload_that_drops_a_queue_still_takes_the_caller_who_was_promised_it() -> None:
    floor = Inbound()
    floor.calls("in1")
    floor.up("in1")  # in the menu, where 1 is sales
    plan = parse_plan(PLAN, Path("config.toml"))
    floor.core.set_plan(replace(plan, queues={"support": plan.queues["support"]}))
    assert floor.at(2).key("in1", "1")[1] == "commit in1 in sales since 2"
    floor.calls("in2")  # a new caller meets the new plan
    assert "sales" not in floor.core.plan.queues


def test_after_hours_into_a_menu_is_recorded_closed() -> None:
    floor = Inbound()
    plan = floor.core.plan
    night = replace(plan.routes[1], start="menu:main", after_hours="menu:main")
    floor.core.set_plan(replace(plan, routes=(plan.routes[0], night)))
    floor.at(12 * 3600).calls("in1", did="+48221234599")
    floor.up("in1")
    floor.key("in1", "0")  # hangup from the night menu
    assert floor.hangs_up("in1")[-1].startswith("commit in1 closed (system): closed menu:main")
