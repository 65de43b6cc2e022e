"""The wallboard's model on the monitor.snapshot contract and its events, without a daemon."""

from __future__ import annotations

from ccterm.screens import monitor_view as view
from ccterm.screens.monitor_model import Floor

NOW = 1_000_000.0
ANNA = {
    "name": "anna",
    "group": "sales",
    "status": "on_call",
    "since": NOW - 75,
    "pause_reason": "",
    "pause_after_call": False,
    "campaign": {"id": 1, "name": "c", "mode": "power", "status": "running"},
    "call": {
        "id": "c1-x",
        "direction": "outbound",
        "lead_id": 5,
        "name": "Jan",
        "e164": "+48601234567",
        "state": "connected",
        "started_at": NOW - 80,
        "answered_at": NOW - 75,
    },
    "wrapup_until": None,
    "lines": 0,
    "phone": "up",
    "connected": False,
    "queues": [],
}
SNAPSHOT = {
    "now": NOW,
    "trunk": {"state": "up", "detail": ""},
    "agents": [
        {
            **ANNA,
            "today": {"calls": 12, "talk_s": 1800, "wrap_s": 300, "aht_s": 175, "occupancy": 0.8},
        }
    ],
    "calls": [
        {
            "id": "c1-x",
            "direction": "outbound",
            "state": "connected",
            "started_at": NOW - 80,
            "answered_at": NOW - 75,
            "agent": "anna",
            "e164": "+48601234567",
            "campaign_id": 1,
            "queue": None,
            "client": "",
        }
    ],
    "queues": [
        {
            "queue": "sales",
            "waiting": 2,
            "callbacks": 0,
            "longest_wait": 30.0,
            "agents_free": 0,
            "agents": 1,
            "service_level": 20.0,
            "today": {"offered": 10, "answered": 9, "abandoned": 1, "sl_answered": 0.8},
        }
    ],
    "campaigns": [
        {
            "id": 1,
            "name": "c",
            "status": "running",
            "settings": {"mode": "power", "dial_ratio": 2.0, "abandon_cap": 0.03},
            "pacing": {"policy": "power:2", "idle": 0, "ringing": 1, "waiting": 0},
            "today": {"dials": 40, "connects": 12, "abandons": 1},
            "abandon": {"24h": 2.8, "30d": 1.0, "cap": 3.0},  # percent, as the daemon says
        }
    ],
    "alerts": [{"id": "a1", "kind": "trunk", "text": "trunk down", "at": NOW - 5}],
}


def plain(cells: list[object]) -> str:
    return " ".join(getattr(c, "plain", str(c)) for c in cells)


def test_the_snapshot_fills_every_table_and_the_summary() -> None:
    floor = Floor()
    floor.load(SNAPSHOT)
    row = plain(view.agent_cells(floor.agents["anna"], floor.today["anna"], NOW, tagged=True))
    assert row.startswith("* anna ON CALL 1:15 !!")  # past 60 s: the second step
    assert "DESK GONE" in row and "1:15" in row and "12" in row and "80%" in row
    summary = view.summary(floor, NOW, "sam", "supervisor").plain
    assert "1 on call" in summary and "1 desk gone with a customer" in summary
    assert "2 queued (longest 0:30)" in summary and "c 40d/12c ab 2.8%/1.0% cap 3.0%" in summary
    assert "sales 2 waiting SL 80% ab 1" in summary
    campaign = plain(view.campaign_cells(floor.campaigns[1], floor))
    assert "2/agent" in campaign and "40/12" in campaign
    assert view.campaign_cells(floor.campaigns[1], floor)[-1].style == "bold red"  # near cap
    queue = view.queue_cells(floor.queues["sales"])
    assert queue[2].style == "bold red" and plain(queue).endswith("80.0% 10 1")  # past its SL
    assert "trunk down" in view.alert_lines(floor, NOW).plain


def test_events_change_the_model() -> None:
    floor = Floor()
    floor.load(SNAPSHOT)
    assert floor.apply("call.changed", {"id": "c1-x", "ended": True})
    assert "c1-x" not in floor.calls
    assert floor.apply("agent.changed", {**ANNA, "status": "wrapup", "call": None})
    assert floor.today["anna"]["calls"] == 12  # today's counts stay with the agent
    assert floor.apply("alert.cleared", {"id": "a1"}) and not floor.alerts
    assert floor.apply("campaign.changed", {"id": 1, "name": "c", "status": "paused"})
    assert floor.campaigns[1]["today"]["dials"] == 40  # kept from the snapshot
    assert not floor.apply("lead.changed", {})


def test_without_a_snapshot_calls_come_from_the_agents() -> None:
    floor = Floor()
    floor.roster([{"name": "piotr", "role": "agent", "group": "sales", "online": True}])
    assert floor.agents["piotr"]["status"] == "unknown"
    floor.apply("agent.changed", ANNA)
    assert [c["agent"] for c in floor.call_list()] == ["anna"]
    assert [a["name"] for a in floor.agent_list()] == ["anna", "piotr"]


def test_a_queue_with_nothing_answered_today_shows_no_service_level() -> None:
    """The daemon's `sl_answered` is None until a call is answered: no figure, no crash."""
    floor = Floor()
    quiet = {"offered": 1, "answered": 0, "abandoned": 1, "sl_answered": None}
    floor.load({**SNAPSHOT, "queues": [{**SNAPSHOT["queues"][0], "today": quiet}]})
    summary = view.summary(floor, NOW, "sam", "supervisor").plain
    assert "sales 2 waiting ab 1" in summary
    assert plain(view.queue_cells(floor.queues["sales"])).endswith("– 1 1")


def test_a_blended_agent_on_an_inbound_call_shows_the_queue_not_the_campaign() -> None:
    caller = {
        "id": "in-1",
        "direction": "inbound",
        "e164": "+48601230000",
        "state": "connected",
        "started_at": NOW - 30,
        "answered_at": NOW - 20,
        "inbound": {"queue": "sales", "client": "Acme Bank", "did": "+48221234500"},
    }
    row = plain(view.agent_cells({**ANNA, "call": caller}, {}, NOW, tagged=False))
    assert "in: sales" in row and " c " not in row and " in " in row
    row = plain(view.agent_cells(ANNA, {}, NOW, tagged=False))
    assert " c " in row and "in: sales" not in row  # on the campaign's call: the campaign
