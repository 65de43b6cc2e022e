"""`ccterm simulate` with `[inbound]`: the real ACD on a virtual clock, held to Erlang C and A.

With Poisson arrivals, exponential talk and no wrap-up the queue is M/M/N (M/M/N+M with
exponential patience), so the simulator's figures, averaged over three seeds of a long
shift, must come out as the formulas say. Shifts are long because a queue near full load
wanders far from its mean for hours: an 8-hour shift is one draw, not the average.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ccterm.dialer.inbound_sim import METRIC_KEYS, simulate_inbound
from ccterm.dialer.scenario import Inbound, Scenario, ScenarioError, load_scenario
from ccterm.ivr.erlang import erlang_a
from tests.conftest import ccterm

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"
MM6 = SCENARIOS / "inbound_mm6.toml"
SEEDS = (1, 2, 3)


def scenario(agents: int, per_hour: float, hours: float, patience: float = 0.0) -> Scenario:
    inbound = Inbound(per_hour, 180.0, "exponential", 1.0, 0.0, patience, 20.0)
    return replace(load_scenario(MM6), agents=agents, shift_hours=hours, inbound=inbound)


def averaged(sc: Scenario) -> dict[str, float]:
    runs = [simulate_inbound(sc, seed) for seed in SEEDS]
    keys = ("p_wait", "service_level", "asa", "abandon_rate", "occupancy")
    return {k: sum(r[k] for r in runs) / len(runs) for k in keys}


def check(sim: dict[str, float], agents: int, per_hour: float, patience: float) -> None:
    model = erlang_a(agents, per_hour * 180.0 / 3600.0, 180.0, patience, 20.0)
    assert sim["p_wait"] == pytest.approx(model.p_wait_answered, abs=0.02)
    assert sim["service_level"] == pytest.approx(model.service_level, abs=0.02)
    assert sim["asa"] == pytest.approx(model.asa, rel=0.10)
    assert sim["abandon_rate"] == pytest.approx(model.p_abandon, abs=0.01)


@pytest.mark.parametrize(
    ("agents", "per_hour", "hours"),
    [
        (6, 100.0, 600.0),  # 5 Erlangs, 83 %: Erlang C 0.588 waits, ASA 106 s
        pytest.param(20, 340.0, 400.0, marks=pytest.mark.slow),  # 17 Erlangs, 85 %
    ],
)
def test_without_patience_the_queue_is_erlang_c(agents: int, per_hour: float, hours: float) -> None:
    sim = averaged(scenario(agents, per_hour, hours))
    check(sim, agents, per_hour, float("inf"))
    assert sim["abandon_rate"] == 0.0
    assert sim["occupancy"] == pytest.approx(per_hour * 180.0 / 3600.0 / agents, abs=0.01)


@pytest.mark.parametrize(
    ("agents", "per_hour", "patience", "hours"),
    [
        (6, 100.0, 120.0, 200.0),  # 11 % give up
        (20, 400.0, 60.0, 100.0),  # 20 Erlangs on 20 agents: only patience keeps it finite
    ],
)
def test_with_patience_the_queue_is_erlang_a(
    agents: int, per_hour: float, patience: float, hours: float
) -> None:
    check(averaged(scenario(agents, per_hour, hours, patience)), agents, per_hour, patience)


def test_every_caller_is_counted_once_and_a_seed_repeats() -> None:
    sc = scenario(6, 100.0, 8.0, patience=60.0)
    m = simulate_inbound(sc, 7)
    assert m["offered"] == m["answered"] + m["abandoned"] + m["still_waiting"]
    assert m == simulate_inbound(sc, 7)
    assert m != simulate_inbound(sc, 8)
    assert set(METRIC_KEYS) <= set(m)


def test_lognormal_talk_and_wrap_up_keep_agents_busy_for_both() -> None:
    sc = scenario(6, 60.0, 100.0)
    assert sc.inbound is not None
    sc = replace(sc, inbound=replace(sc.inbound, talk_dist="lognormal", talk_cv=2.0, wrapup=60.0))
    m = simulate_inbound(sc, 1)
    assert m["occupancy"] == pytest.approx(60 * 240 / 3600 / 6, abs=0.02)  # 4 Erlangs of 6
    assert m["erlang"]["exact"] is False


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[inbound]\ncalls_per_hour = 10\ntalk_meen = 3\n",
            r"\[inbound\] talk_meen: unknown key \(did you mean 'talk_mean'\?\)",
        ),
        ("inbund = 3\n", r"inbund: unknown key \(did you mean 'inbound'\?\)"),
        ("[inbound]\ntalk_mean = 100\n", r"\[inbound\] calls_per_hour: missing"),
        ("[inbound]\ncalls_per_hour = 0\n", r"\[inbound\] calls_per_hour: must be above 0"),
        (
            '[inbound]\ncalls_per_hour = 9\ntalk_dist = "lognormall"\n',
            r"\[inbound\] talk_dist: 'lognormall' is not .* \(did you mean 'lognormal'\?\)",
        ),
        (
            "[inbound]\ncalls_per_hour = 9\ntalk_cv = 0.5\n",
            r"\[inbound\] talk_cv: is for talk_dist = 'lognormal'",
        ),
        ("[inbound]\ncalls_per_hour = -3\n", r"\[inbound\] calls_per_hour: -3 is outside"),
        ('[inbound]\ncalls_per_hour = 9\npatience = "x"\n', r"\[inbound\] patience: expected a"),
        (
            "[inbound]\ncalls_per_hour = 9\n[talk]\nmeen = 100\n",
            r"\[talk\] meen: unknown key \(did you mean 'mean'\?\)",
        ),
    ],
)
def test_bad_inbound_scenarios_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, text))


def test_an_inbound_only_scenario_reads_its_defaults(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, "agents = 4\n[inbound]\ncalls_per_hour = 50\n"))
    assert sc.inbound == Inbound(50.0, 180.0, "exponential", 1.0, 0.0, 0.0, 20.0)
    assert load_scenario(SCENARIOS / "small.toml").inbound is None


def test_the_command_prints_the_inbound_figures_and_events(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    done = ccterm("simulate", "--scenario", str(MM6), "--seed", "4", "--events", str(events))
    assert done.returncode == 0, done.stderr
    m = json.loads(done.stdout)
    for key in ("offered", "answered", "abandoned", "p_wait", "asa", "service_level", "occupancy"):
        assert key in m
    assert m["erlang"]["p_wait"] == pytest.approx(0.5875, abs=1e-4)
    kinds = {json.loads(line)["event"] for line in events.read_text().splitlines()}
    assert kinds == {"arrive", "answer", "free"}
    refused = ccterm("simulate", "--scenario", str(MM6), "--contacts", str(events))
    assert refused.returncode != 0 and "--contacts is for outbound" in refused.stderr


def test_over_load_without_patience_runs_and_says_the_model_does_not_settle() -> None:
    m = simulate_inbound(scenario(2, 100.0, 2.0), 1)  # 5 Erlangs on 2 agents
    assert m["occupancy"] > 0.95 and m["still_waiting"] > 50
    assert m["erlang"]["settled"] is False and m["erlang"]["asa"] is None
    huge = scenario(2, 100.0, 2.0, patience=1e9)  # gives up, in theory: not in any chain
    assert simulate_inbound(huge, 1)["erlang"] == {
        "load_erlangs": 5.0,
        "exact": True,
        "settled": False,
    }
