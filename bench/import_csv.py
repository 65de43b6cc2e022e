"""Import speed: `ccterm import` of a 1,000,000-row CSV against sqlite3's own `.import`.

    .venv/bin/python bench/import_csv.py [--rows N] [--runs K]

Both read the same file in the same run. sqlite3's `.import` only copies text
into a table; ccterm also validates every number (phonenumbers rules), finds
duplicates against the whole base, checks do-not-call, and commits contacts and
leads with their indexes in one transaction. Prints medians and the ratio, and
where ccterm's time goes: reading + validating here (a --dry-run with no daemon),
and the daemon's commit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CCTERM = [sys.executable, "-m", "ccterm"]


def make_csv(path: Path, rows: int) -> None:
    """Realistic mess: mixed number formats, ';' separators, a quoted note now and then."""
    rng = random.Random(1)
    prefixes = ["50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"]
    cities = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("Imię i nazwisko;Telefon;Miasto;Notatka\r\n")
        for i in range(rows):
            n = rng.choice(prefixes) + f"{rng.randrange(10**7):07d}"
            shape = i % 4
            phone = (f"+48 {n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", f"0048{n}", n)[
                shape
            ]
            note = '"oddzwonić; po 16"' if i % 10 == 0 else "lorem ipsum"
            f.write(f"Klient {i};{phone};{cities[i % 5]};{note}\r\n")


def timed(cmd: list[str], **kw: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{done.stderr}")
    return elapsed, done


def sqlite_import(csv: Path, work: Path) -> float:
    db = work / "plain.db"
    db.unlink(missing_ok=True)
    seconds, _ = timed(["sqlite3", str(db), "-cmd", ".separator ;", f".import {csv} t"])
    return seconds


def write_config(work: Path) -> Path:
    cfg = work / "config.toml"
    cfg.write_text(
        '[daemon]\nsocket = "s.sock"\ndatabase = "c.db"\nrecordings = "rec"\nlog_level = "info"\n'
        '[trunk]\nkind = "sim"\n[dialer]\nregion = "PL"\n'
    )
    return cfg


def ccterm_import(csv: Path, work: Path) -> tuple[float, float, dict[str, int]]:
    """End to end, on a fresh database: the CLI starts, reads, sends; the daemon commits."""
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    cfg = write_config(run)
    log = run / "daemon.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [*CCTERM, "daemon", "--config", str(cfg)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        for _ in range(200):
            if (
                subprocess.run(
                    [*CCTERM, "status", "--config", str(cfg)], capture_output=True
                ).returncode
                == 0
            ):
                break
            time.sleep(0.05)
        seconds, done = timed(
            [*CCTERM, "import", str(csv), "--campaign", "bench", "--json", "--config", str(cfg)]
        )
    finally:
        daemon.terminate()
        daemon.wait(30)
    found = re.search(r"committed in ([0-9.]+) s", log.read_text())
    return seconds, float(found.group(1)) if found else float("nan"), json.loads(done.stdout)


def dry_run_offline(csv: Path, work: Path) -> float:
    """Reading and validating alone: a dry run with no daemon to talk to."""
    offline = work / "offline"
    offline.mkdir(exist_ok=True)
    cfg = write_config(offline)
    seconds, _ = timed([*CCTERM, "import", str(csv), "--dry-run", "--json", "--config", str(cfg)])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("sqlite3"):
        raise SystemExit("needs the sqlite3 command (apt-get install sqlite3)")
    os.environ["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory(prefix="ccterm-bench-") as tmp:
        work = Path(tmp)
        csv = work / "list.csv"
        make_csv(csv, args.rows)
        size_mb = csv.stat().st_size / 1e6
        plain, ours, local, commits = [], [], [], []
        counts: dict[str, int] = {}
        for _ in range(args.runs):  # interleaved, so machine noise hits both alike
            plain.append(sqlite_import(csv, work))
            seconds, commit, counts = ccterm_import(csv, work)
            ours.append(seconds)
            commits.append(commit)
            local.append(dry_run_offline(csv, work))
        p, o = statistics.median(plain), statistics.median(ours)
        print(f"file: {args.rows:,} rows, {size_mb:.0f} MB; medians of {args.runs} runs")
        print(f"result: {counts}")
        print(f"{'':32} {'seconds':>8} {'rows/s':>10}")
        print(f"{'sqlite3 .import':32} {p:>8.2f} {args.rows / p:>10,.0f}")
        print(f"{'ccterm import (end to end)':32} {o:>8.2f} {args.rows / o:>10,.0f}")
        print(f"{'  read + validate (dry run)':32} {statistics.median(local):>8.2f}")
        print(f"{'  daemon commit':32} {statistics.median(commits):>8.2f}")
        print(f"ratio ccterm / sqlite3 .import: {o / p:.2f}x")


if __name__ == "__main__":
    main()
