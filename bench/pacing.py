"""Pacing policies on the scenarios: occupancy, abandons, and the gap closed.

For each policy x scenario it runs `seeds` simulated 8-hour shifts (the same
seeds, so the same contacts, for every policy) and prints the mean occupancy,
the abandon rate (mean and worst seed) and the share of the gap between
progressive (measured here, same run) and the clairvoyant bound that the
policy closes, beside the floor for the team's size. The public four carry the
bound and reference predictive of bench/scenarios/README.md; the extra ones
(and any other file given with --dir/--scenarios) the bound talk / (talk +
mean wrap-up) computed from the file, as that README defines it.

    .venv/bin/python bench/pacing.py [--seeds 5] [--policies progressive predictive precise]
        [--scenarios small tiny ...] [--public] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ccterm.dialer.pacing import parse_policy
from ccterm.dialer.scenario import load_scenario, sample_contacts
from ccterm.dialer.simulate import simulate

SCENARIOS = Path(__file__).resolve().parent / "scenarios"  # the public scenarios and their README
# scenario: (clairvoyant bound, reference predictive occupancy, its abandon rate)
REFERENCE = {
    "small": (0.888, 0.668, 0.0254),
    "mid": (0.922, 0.794, 0.0246),
    "large": (0.909, 0.827, 0.0245),
    "shift": (0.908, 0.757, 0.0217),
}
# Kept-aside kinds the pacer must also hold the cap on (bench/scenarios/README.md):
# very small teams, and long, very variable talk times with rare live answers.
EXTRA = ("tiny", "tiny_varied", "varied", "spread", "wide", "duo", "trio", "rare", "swing")
NAN = float("nan")


def team_floor(agents: int) -> tuple[str, float]:
    """The team's size class and the gap share predictive must close on it (README)."""
    if agents <= 10:
        return "small", 0.30
    if agents <= 30:
        return "mid", 0.65
    return "large", 0.80


def bound_of(path: Path) -> float:
    """The clairvoyant bound: talk / (talk + mean wrap-up)."""
    sc = load_scenario(path)
    wrap = (sc.wrap_min + sc.wrap_max) / 2
    return sc.talk_mean / (sc.talk_mean + wrap)


def one(job: tuple[str, str, int]) -> tuple[str, str, int, dict[str, Any], float]:
    path, policy, seed = job
    scenario = load_scenario(Path(path))
    started = time.perf_counter()
    metrics = simulate(scenario, parse_policy(policy), sample_contacts(scenario, seed))
    return scenario.name, policy, seed, metrics, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--policies", nargs="+", default=["progressive", "ratio:2", "predictive", "precise"]
    )
    parser.add_argument("--scenarios", nargs="+", default=[*REFERENCE, *EXTRA])
    parser.add_argument("--public", action="store_true", help="only the public four")
    parser.add_argument("--dir", type=Path, default=SCENARIOS, help="where the scenarios are")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write every shift's metrics here")
    args = parser.parse_args()
    if args.public:
        args.scenarios = list(REFERENCE)
    policies = list(dict.fromkeys(["progressive", *args.policies]))
    jobs = [
        (str(args.dir / f"{name}.toml"), policy, seed)
        for name in args.scenarios
        for policy in policies
        for seed in range(1, args.seeds + 1)
    ]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, jobs))
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    seconds: list[float] = []
    for name, policy, seed, metrics, took in results:
        runs.setdefault((name, policy), []).append({"seed": seed, "seconds": took, **metrics})
        seconds.append(took)
    if args.json:
        args.json.write_text(
            json.dumps({f"{n} {p}": ms for (n, p), ms in runs.items()}, indent=1) + "\n"
        )
    print(
        f"{'scenario':<11} {'policy':<26} {'occupancy':>9} {'abandon':>8} {'worst':>7}"
        f" {'gap closed':>10} {'floor':>11} {'ref pred':>9} {'ref gap':>8}"
    )
    for name in args.scenarios:
        path = args.dir / f"{name}.toml"
        size, floor = team_floor(load_scenario(path).agents)
        base = statistics.mean(m["occupancy"] for m in runs[(name, "progressive")])
        bound, ref_occ, _ref_ab = REFERENCE.get(name, (bound_of(path), NAN, NAN))
        ref_gap = (ref_occ - base) / (bound - base)
        for policy in policies:
            ms = runs[(name, policy)]
            occ = statistics.mean(m["occupancy"] for m in ms)
            ab = statistics.mean(m["abandon_rate"] for m in ms)
            worst = max(m["abandon_rate"] for m in ms)
            gap = (occ - base) / (bound - base)
            ref = (
                f"{ref_occ:>9.1%} {ref_gap:>8.2f}"
                if not math.isnan(ref_occ)
                else f"{'-':>9} {'-':>8}"
            )
            print(
                f"{name:<11} {policy:<26} {occ:>9.1%} {ab:>8.2%} {worst:>7.2%}"
                f" {gap:>10.2f} {f'{size} {floor:.2f}':>11} {ref}"
            )
    print(
        f"\n{len(results)} shifts; seconds per 8-hour shift: median"
        f" {statistics.median(seconds):.2f}, max {max(seconds):.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
