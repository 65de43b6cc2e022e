"""`kill -9` of the daemon in the middle of an import: the database is whole and holds all or none."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ccterm, spawn_daemon, write_config

ROWS = 200_000


def make_list(path: Path, rows: int) -> None:
    rng = random.Random(5)
    seen: set[int] = set()
    with open(path, "w", encoding="utf-8") as f:
        f.write("name;phone;city\n")
        while len(seen) < rows:
            n = rng.randint(500_000_000, 899_999_999)
            if n in seen:
                continue
            seen.add(n)
            f.write(f"Contact {len(seen)};+48 {n};Kraków\n")


def contacts_in(db: Path) -> tuple[str, int, int]:
    con = sqlite3.connect(db)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        contacts = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
        leads = con.execute("SELECT count(*) FROM leads").fetchone()[0]
        assert not fk, fk
        return check, contacts, leads
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_during_import_leaves_all_or_nothing(workdir: Path) -> None:
    big = workdir / "big.csv"
    make_list(big, ROWS)
    big.chmod(0o644)
    # how long a whole import takes here, to kill at fractions of it
    base = workdir / "timing"
    base.mkdir()
    cfg = write_config(base)
    proc = spawn_daemon(cfg, base / "daemon.log")
    t0 = time.monotonic()
    done = ccterm("import", str(big), "--campaign", "x", "--json", config=cfg, check=True)
    whole = time.monotonic() - t0
    everything = json.loads(done.stdout)["imported"]  # the valid rows of the file
    assert everything > ROWS * 0.9
    proc.terminate()
    proc.wait(10)

    outcomes = []
    for n, fraction in enumerate((0.15, 0.4, 0.65, 0.8, 0.9, 0.97)):
        run = workdir / f"run{n}"
        run.mkdir()
        cfg = write_config(run)
        proc = spawn_daemon(cfg, run / "daemon.log")
        importer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ccterm",
                "import",
                str(big),
                "--campaign",
                "x",
                "--json",
                "--config",
                str(cfg),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(whole * fraction)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _out, err = importer.communicate(timeout=60)
        check, contacts, leads = contacts_in(run / "ccterm.db")
        assert check == "ok"
        assert (contacts, leads) in ((0, 0), (everything, everything)), (fraction, contacts, leads)
        if contacts == 0:
            assert importer.returncode != 0 and "Traceback" not in err, err
        outcomes.append(contacts)
        # the daemon starts again on the same database and serves it
        proc = spawn_daemon(cfg, run / "daemon.log")
        try:
            again = ccterm("campaign", "list", "--json", config=cfg, check=True)
            assert ('"x"' in again.stdout) == (contacts == everything)
        finally:
            proc.terminate()
            proc.wait(10)
    assert 0 in outcomes, "at least one kill landed before the commit"
