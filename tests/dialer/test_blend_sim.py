"""`ccterm simulate` with `[inbound]` and outbound keys: blended agents on the live floor core.

The agents dial for the campaign and take the queue's callers; the outbound abandon cap
must still hold, the callers must be answered, and with (almost) no callers the outbound
figures must be the outbound-only run's.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from ccterm.dialer.blend_sim import INBOUND_KEYS, BlendedSimulation, simulate_blended
from ccterm.dialer.pacing import parse_policy
from ccterm.dialer.scenario import Scenario, load_scenario, sample_contacts
from ccterm.dialer.simulate import CAMPAIGN, METRIC_KEYS, simulate
from tests.conftest import ccterm

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"
BLENDED = SCENARIOS / "blended.toml"
PREDICTIVE = parse_policy("predictive")  # held to the scenario's cap, 3 %


def blended(hours: float, **inbound: float) -> Scenario:
    sc = load_scenario(BLENDED)
    assert sc.blended and sc.inbound is not None
    return replace(sc, shift_hours=hours, inbound=replace(sc.inbound, **inbound))


def outbound_only(sc: Scenario) -> Scenario:
    return replace(sc, inbound=None, blended=False)


def run(sc: Scenario, seed: int, events: io.StringIO | None = None) -> BlendedSimulation:
    sim = BlendedSimulation(sc, PREDICTIVE, sample_contacts(sc, seed), seed, events=events)
    sim.run()
    return sim


def test_a_blended_shift_holds_the_outbound_cap_and_answers_the_callers() -> None:
    """8 agents, the `small` list, 40 callers an hour (2 h, seed 1). Measured: outbound
    abandons 4 of 235 answered people (1.70 %, cap 3 %), 231 connects, occupancy 50.1 %;
    91 callers, 86 answered, 5 gave up, 87.2 % within 20 s, ASA 6.8 s."""
    sim = run(blended(2.0), 1)
    m = sim.metrics()
    out, inbound, both = m["outbound"], m["inbound"], m["blended"]
    assert list(out) == list(METRIC_KEYS) and list(inbound) == list(INBOUND_KEYS)
    assert m["abandon_cap"] == 0.03
    assert out["abandon_rate"] <= 0.03
    assert out["connects"] > 200 and out["occupancy"] > 0.45
    assert inbound["offered"] > 70
    assert (
        inbound["answered"] + inbound["abandoned"] + inbound["still_waiting"]
        == (inbound["offered"])
    )
    assert inbound["answered"] >= 0.9 * inbound["offered"]
    assert inbound["service_level"] >= 0.8 and inbound["asa"] < 20
    assert 0 < inbound["abandoned"] < 10  # patience 120 s: a few give up
    # Every agent stayed logged in to the campaign and took calls of both kinds.
    assert all(
        a.campaigns == (CAMPAIGN,) and a.queues == ("blend",) for a in sim.core.agents.values()
    )
    assert both["agents_took_both"] == 8
    assert both["inbound_answered_by_campaign_agents"] == inbound["answered"]
    assert both["occupancy"] == pytest.approx(
        out["occupancy"] + sim.time[("on_call", "inbound")] / (8 * 7200), abs=1e-5
    )
    assert sum(sim.time.values()) == pytest.approx(8 * 7200)  # every agent-second counted once


@pytest.mark.slow
def test_the_cap_holds_on_full_blended_shifts() -> None:
    """8-hour shifts, seeds 1-3. Measured: outbound abandon rate 2.77 %, 2.67 %, 2.52 %
    (cap 3 %); service level 87.2 %, 89.6 %, 90.4 %."""
    for seed in (1, 2, 3):
        m = simulate_blended(blended(8.0), PREDICTIVE, sample_contacts(blended(8.0), seed), seed)
        assert m["outbound"]["abandon_rate"] <= 0.03, seed
        assert m["inbound"]["service_level"] >= 0.8, seed


def test_with_almost_no_callers_the_outbound_figures_are_the_outbound_only_ones() -> None:
    sc = blended(1.0, calls_per_hour=0.01)
    alone = simulate(outbound_only(sc), PREDICTIVE, sample_contacts(sc, 3))
    m = simulate_blended(sc, PREDICTIVE, sample_contacts(sc, 3), 3)
    assert m["inbound"]["offered"] == 0
    assert m["outbound"] == alone  # no caller came: the very same shift
    few = blended(1.0, calls_per_hour=2.0)
    m = simulate_blended(few, PREDICTIVE, sample_contacts(few, 3), 3)
    assert 1 <= m["inbound"]["offered"] <= 5
    for key, tolerance in (("occupancy", 0.04), ("abandon_rate", 0.01)):
        assert m["outbound"][key] == pytest.approx(alone[key], abs=tolerance), key
    assert m["outbound"]["connects"] == pytest.approx(alone["connects"], rel=0.06)


def test_an_inbound_call_is_wrapped_up_for_the_scenarios_wrapup() -> None:
    """The campaign's wrap-up is 0 (the simulated agents close their own); an inbound call's
    is `[inbound] wrapup`, after which the agent is ready again (nothing to dispose)."""
    events = io.StringIO()
    sim = run(blended(1.0, wrapup=40.0, patience=0.0), 2, events=events)
    lines = [json.loads(line) for line in events.getvalue().splitlines()]
    starts = [e["t"] for e in lines if e["event"] == "inbound_wrapup"]
    assert len(starts) > 20
    expected = sum(min(40.0, 3600.0 - t) for t in starts)
    assert sim.time[("wrapup", "inbound")] == pytest.approx(expected, abs=0.01)
    assert sim.metrics()["inbound"]["abandoned"] == 0  # patience 0: nobody gives up
    assert not any(a.status == "paused" for a in sim.core.agents.values())


def test_the_command_prints_the_three_sets_of_figures(tmp_path: Path) -> None:
    text = BLENDED.read_text(encoding="utf-8").replace("shift_hours = 8.0", "shift_hours = 0.25")
    scenario = tmp_path / "b.toml"
    scenario.write_text(text, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    args = ("--scenario", str(scenario), "--seed", "2", "--events", str(events))
    done = ccterm("simulate", *args)
    assert done.returncode == 0, done.stderr
    m = json.loads(done.stdout)
    assert set(m) == {"abandon_cap", "outbound", "inbound", "blended"}
    assert m["inbound"]["offered"] > 0 and m["outbound"]["dials"] > 0
    kinds = {json.loads(line)["event"] for line in events.read_text().splitlines()}
    assert {"dial", "connect", "inbound_arrive", "inbound_answer", "inbound_end"} <= kinds
