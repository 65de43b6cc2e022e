"""`ccterm simulate`: the model of bench/scenarios/README.md, checked by hand on tiny shifts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ccterm.dialer.pacing import parse_policy
from ccterm.dialer.scenario import (
    Contact,
    ScenarioError,
    load_scenario,
    read_contacts,
    sample_contacts,
)
from ccterm.dialer.simulate import METRIC_KEYS, simulate
from tests.conftest import ccterm

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"

TINY = """
name = "tiny"
agents = 1
shift_hours = 0.1          # 360 s
[outcomes]
p_human = 0.3
p_machine = 0.2
p_busy = 0.1
p_invalid = 0.1
[ring]
answer_min = 5.0
answer_max = 25.0
ring_timeout = 25.0
busy_seconds = 5.0
invalid_seconds = 3.0
[talk]
mean = 100.0
cv = 0.5
[wrapup]
min = 10.0
max = 20.0
[abandon]
safe_harbor = 2.0
message_seconds = 8.0
cap = 0.03
[amd]
detect_seconds = 3.0
false_positive = 0.0
"""

# outcome_u: < .3 human, < .5 machine, < .6 busy, < .7 invalid, else no answer
HUMAN, MACHINE, BUSY, INVALID, NO_ANSWER = 0.1, 0.4, 0.55, 0.65, 0.9


def contact(u: float, ring: float = 10.0, talk: float = 60.0, wrap: float = 15.0) -> Contact:
    return Contact(outcome_u=u, ring_s=ring, talk_s=talk, wrap_s=wrap, amd_u=0.5)


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_progressive_on_a_tiny_shift_gives_the_figures_worked_out_by_hand(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, TINY))
    contacts = [
        contact(NO_ANSWER),  # 0-25 s: rings out
        contact(HUMAN, ring=5, talk=60, wrap=15),  # 25: dialled, 30-90 talk, 90-105 wrap-up
        contact(BUSY),  # 105-110
        contact(HUMAN, ring=10, talk=300),  # 110: dialled, 120 answers, talks past the end
    ]
    m = simulate(scenario, parse_policy("progressive"), iter(contacts))
    assert (m["dials"], m["connects"], m["busy"], m["no_answer"]) == (4, 2, 1, 1)
    assert m["occupancy"] == pytest.approx((60 + 240) / 360)  # talk counts up to the end
    assert m["mean_idle_wait_s"] == pytest.approx((30 + 15) / 2)  # 0-30 and 105-120
    assert m["mean_lines"] == pytest.approx((25 + 65 + 5 + 250) / 360, abs=1e-3)
    assert m["peak_lines"] == 1
    assert m["abandoned"] == 0 and m["abandon_rate"] == 0.0
    assert list(m) == list(METRIC_KEYS)


def test_a_person_with_no_agent_waits_the_safe_harbor_then_is_abandoned(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, TINY))
    # ratio:2 dials two lines for the one agent; both people answer, 3 s apart.
    contacts = [
        contact(HUMAN, ring=10, talk=30, wrap=10),
        contact(HUMAN, ring=13, talk=30, wrap=10),
        *[contact(NO_ANSWER) for _ in range(40)],
    ]
    m = simulate(scenario, parse_policy("ratio:2"), iter(contacts))
    assert m["human_answered"] == 2
    assert m["connects"] == 1 and m["abandoned"] == 1
    assert m["abandon_rate"] == pytest.approx(0.5)
    assert m["peak_lines"] == 2


def test_a_person_connects_when_an_agent_frees_within_the_safe_harbor(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, TINY))
    # ratio:2 dials both at 0 s. The first talks 5-15 s and wraps up until 25 s; the
    # second answers at 24 s, waits, and gets the agent at 25 s.
    contacts = [
        contact(HUMAN, ring=5, talk=10, wrap=10),
        contact(HUMAN, ring=24, talk=30, wrap=10),
        *[contact(NO_ANSWER) for _ in range(40)],
    ]
    m = simulate(scenario, parse_policy("ratio:2"), iter(contacts))
    assert m["connects"] == 2 and m["abandoned"] == 0
    late = [contact(HUMAN, ring=5, talk=10, wrap=13.5), *contacts[1:]]  # free at 28.5 s
    m = simulate(scenario, parse_policy("ratio:2"), iter(late))
    assert m["connects"] == 1 and m["abandoned"] == 1


def test_machines_are_screened_and_false_positives_count_for_ofcom(tmp_path: Path) -> None:
    text = TINY.replace("false_positive = 0.0", "false_positive = 0.5")
    scenario = load_scenario(write(tmp_path, text))
    contacts = [
        Contact(HUMAN, 5.0, 60.0, 10.0, amd_u=0.1),  # a person AMD takes for a machine
        Contact(MACHINE, 5.0, 60.0, 10.0, amd_u=0.9),
        Contact(HUMAN, 5.0, 60.0, 10.0, amd_u=0.9),  # a person, connected
        *[contact(NO_ANSWER) for _ in range(40)],
    ]
    m = simulate(scenario, parse_policy("progressive"), iter(contacts))
    assert (m["amd_false_positive"], m["machine"], m["connects"]) == (1, 1, 1)
    assert m["human_answered"] == 2
    assert m["abandon_rate"] == 0.0
    assert m["abandon_rate_ofcom"] == pytest.approx(1 / 2)


def test_phases_change_the_odds_from_their_start(tmp_path: Path) -> None:
    text = TINY.replace("shift_hours = 0.1          # 360 s", "shift_hours = 1.0") + (
        "\n[[phases]]\nstart_hours = 0.5\np_human = 0.05\n"
    )
    scenario = load_scenario(write(tmp_path, text))
    # u = 0.2: a person under p_human 0.3, a machine once p_human is 0.05 (0.05 + 0.2 > 0.2).
    contacts = [contact(0.2, ring=5, talk=100, wrap=15) for _ in range(500)]
    m = simulate(scenario, parse_policy("progressive"), iter(contacts))
    # Each person takes 5 s ring + 100 s talk + 15 s wrap-up = 120 s: 15 in the first
    # half hour; from 1800 s on every dial is a machine (5 s ring + 3 s screening).
    assert m["connects"] == 15
    assert m["machine"] == 1800 // 8


def test_the_same_contact_file_gives_the_same_figures(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "small.toml")
    drawn = sample_contacts(scenario, 7)
    lines = ["outcome_u,ring_s,talk_s,wrap_s,amd_u"]
    for _ in range(4000):
        c = next(drawn)
        lines.append(f"{c.outcome_u!r},{c.ring_s!r},{c.talk_s!r},{c.wrap_s!r},{c.amd_u!r}")
    path = write(tmp_path, "\n".join(lines) + "\n", "contacts.csv")
    short = replace(scenario, shift_hours=2.0)
    for policy in ("progressive", "predictive"):
        first = simulate(short, parse_policy(policy), iter(read_contacts(path)))
        again = simulate(short, parse_policy(policy), iter(read_contacts(path)))
        seeded = simulate(short, parse_policy(policy), sample_contacts(scenario, 7))
        assert first == again == seeded


def test_running_past_the_end_of_a_contact_file_is_an_error(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, TINY))
    with pytest.raises(ScenarioError, match="ran out after 2 contacts"):
        simulate(scenario, parse_policy("progressive"), iter([contact(BUSY), contact(BUSY)]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[talk]\nmeen = 3\n", r"\[talk\] meen: unknown key \(did you mean 'mean'\?\)"),
        ("agentz = 3\n", r"agentz: unknown key \(did you mean 'agents'\?\)"),
        ("agents = 'five'\n", r"agents: expected a whole number, got 'five'"),
        ("[outcomes]\np_human = 0.7\np_machine = 0.5\n", r"\[outcomes\]: .* is 1.3, over 1"),
        ("[ring]\nanswer_min = 30.0\n", r"\[ring\] answer_min: must not exceed answer_max"),
        ("[ring]\nbusy_seconds = 0\n", r"\[ring\] busy_seconds: must be above 0"),
        ("[[phases]]\np_human = 0.1\n", r"\[\[phases\]\] #1 start_hours: missing"),
        ("[[phases]]\nstart_hours = 1\np_humn = 0.1\n", r"#1 p_humn: unknown key"),
        ("shift_start = '9am'\n", r"shift_start: expected a time like '09:00'"),
        ("agents = \n", r"not valid TOML"),
    ],
)
def test_bad_scenarios_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, text))


def test_bad_contact_files_name_the_line(tmp_path: Path) -> None:
    bad_header = write(tmp_path, "u,ring,talk,wrap,amd\n0.1,5,60,10,0.5\n", "a.csv")
    with pytest.raises(ScenarioError, match="line 1: expected the header"):
        read_contacts(bad_header)
    bad_row = write(
        tmp_path,
        "outcome_u,ring_s,talk_s,wrap_s,amd_u\n0.1,5,60,10,0.5\n0.2,x,60,10,0.5\n",
        "b.csv",
    )
    with pytest.raises(ScenarioError, match="line 3: not a number"):
        read_contacts(bad_row)


def test_the_command_prints_one_json_object_and_writes_events(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    done = ccterm(
        "simulate",
        "--scenario",
        str(write(tmp_path, TINY.replace("agents = 1", "agents = 2"))),
        "--policy",
        "predictive:target=0.02",
        "--seed",
        "3",
        "--events",
        str(events),
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads(done.stdout)
    assert list(metrics) == list(METRIC_KEYS)
    kinds = {json.loads(line)["event"] for line in events.read_text().splitlines()}
    assert {"dial", "answer", "connect", "wrapup", "idle"} <= kinds
    dials = sum(1 for line in events.read_text().splitlines() if '"dial"' in line)
    assert dials == metrics["dials"]


def test_the_command_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    scenario = write(tmp_path, "[talk]\nmeen = 3\n")
    done = ccterm("simulate", "--scenario", str(scenario), "--policy", "progressive")
    assert done.returncode == 65
    assert done.stderr.startswith(f"ccterm: {scenario}: [talk] meen: unknown key")
    assert "Traceback" not in done.stderr
    good = write(tmp_path, TINY, "good.toml")
    done = ccterm("simulate", "--scenario", str(good), "--policy", "greedy")
    assert done.returncode == 2
    assert "unknown policy 'greedy'" in done.stderr and "ratio:K" in done.stderr


def test_predictive_cuts_lines_only_past_the_legal_ring_and_never_a_person(
    tmp_path: Path,
) -> None:
    """Every cut line had rung 15 s and less than the ring timeout; a cut person is not an
    abandon (their phone stopped ringing, as at a ring timeout) but a no answer."""
    scenario = replace(load_scenario(SCENARIOS / "small.toml"), shift_hours=2.0)
    events = tmp_path / "events.ndjson"
    with events.open("w") as out:
        metrics = simulate(
            scenario, parse_policy("predictive"), sample_contacts(scenario, 3), events=out
        )
    dialled: dict[str, float] = {}
    cut: list[float] = []
    answered = set()
    rung_out = 0  # lines that ended unanswered: busy, invalid, no answer, cut
    for line in events.read_text().splitlines():
        e = json.loads(line)
        if e["event"] == "dial":
            dialled[e["call"]] = e["t"]
        elif e["event"] == "answer":
            answered.add(e["call"])
        elif e["event"] == "cut":
            assert e["call"] not in answered
            cut.append(e["t"] - dialled[e["call"]])
        elif e["event"] == "end" and "outcome" in e:
            rung_out += 1
    assert len(cut) > 20, "two hours of predictive on small cut some lines"
    assert all(15.0 <= age < scenario.ring_timeout for age in cut), sorted(cut)[:3]
    assert metrics["abandon_rate"] <= scenario.cap
    # Every line that ended unanswered is in exactly one count: the cut ones in no_answer.
    unanswered = metrics["busy"] + metrics["invalid"] + metrics["no_answer"]
    assert unanswered == rung_out
    assert metrics["human_answered"] + metrics["machine"] == len(answered)
    off = simulate(scenario, parse_policy("predictive:drop=0"), sample_contacts(scenario, 3))
    assert metrics["occupancy"] > off["occupancy"], "cutting is what lets it dial ahead more"
