"""Pacing policies on the public scenarios: occupancy, abandons, and the gap closed.

For each policy x scenario it runs `seeds` simulated 8-hour shifts (the same
seeds, so the same contacts, for every policy) and prints the mean occupancy,
the abandon rate (mean and worst seed) and the share of the gap between
progressive (measured here, same run) and the clairvoyant bound that the
policy closes. The bound and the reference predictive are the figures in
bench/scenarios/README.md.

    .venv/bin/python bench/pacing.py [--seeds 5] [--policies progressive predictive precise]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--scenarios", nargs="+", default=list(REFERENCE))
    parser.add_argument("--dir", type=Path, default=SCENARIOS, help="where the scenarios are")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
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
    for name, policy, _seed, metrics, took in results:
        runs.setdefault((name, policy), []).append(metrics)
        seconds.append(took)
    print(
        f"{'scenario':<8} {'policy':<26} {'occupancy':>9} {'abandon':>8} {'worst':>7}"
        f" {'gap closed':>10} {'ref pred':>9} {'ref gap':>8}"
    )
    for name in args.scenarios:
        base = statistics.mean(m["occupancy"] for m in runs[(name, "progressive")])
        bound, ref_occ, _ref_ab = REFERENCE.get(name, (float("nan"),) * 3)
        ref_gap = (ref_occ - base) / (bound - base) if bound == bound else float("nan")
        for policy in policies:
            ms = runs[(name, policy)]
            occ = statistics.mean(m["occupancy"] for m in ms)
            ab = statistics.mean(m["abandon_rate"] for m in ms)
            worst = max(m["abandon_rate"] for m in ms)
            gap = (occ - base) / (bound - base)
            print(
                f"{name:<8} {policy:<26} {occ:>9.1%} {ab:>8.2%} {worst:>7.2%}"
                f" {gap:>10.2f} {ref_occ:>9.1%} {ref_gap:>8.2f}"
            )
    print(
        f"\n{len(results)} shifts; seconds per 8-hour shift: median"
        f" {statistics.median(seconds):.2f}, max {max(seconds):.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
