"""`ccterm import` and friends, run as a user would: the real command line against a real daemon."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ccterm, write_config

# Two messy files as they come from real spreadsheets. Row numbers are what a
# spreadsheet shows (the header is row 1).
FIRST = (
    "\ufeffImię i nazwisko;Telefon;Miasto;Uwagi\r\n"
    "Anna Nowak;+48 601 234 567;Kraków;\r\n"  # 2 imported
    'Jan Kowalski;601-234-568;Gdańsk;"dzwonić po 16;\r\nnie w piątki"\r\n'  # 3 imported, note spans lines
    "Ewa Zielińska;12 345;Łódź;\r\n"  # 4 invalid: too short
    "Piotr Wójcik;0048601234567;Poznań;\r\n"  # 5 duplicate of row 2
    "Marta Mazur;;Lublin;\r\n"  # 6 invalid: empty
    "\r\n"  # 7 blank line: skipped, not a row
    "Adam Nowak;+48 601 234 570;Kraków;\r\n"  # 8 imported, blocked (do-not-call)
    "Zofia Krawczyk;brak numeru;Kraków;\r\n"  # 9 invalid: not a number
)
SECOND = (
    "name,phone,city\n"
    "Anna Nowak,601234567,Kraków\n"  # duplicate of the first file
    "Olga Pawlak,+48 601 234 571,Gdynia\n"  # imported
    "Ivan Petrenko,+380 44 123 4567,Kyiv\n"  # imported (valid Ukrainian number)
    "Bad,+48 601,Nowhere\n"  # invalid
    "Olga Again,+48601234571,Gdynia\n"  # duplicate within the file
)


def counts(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert result.returncode == 0, result.stderr
    data: dict[str, int] = json.loads(result.stdout)
    assert set(data) == {"rows", "imported", "duplicates", "invalid", "blocked"}
    assert data["imported"] + data["duplicates"] + data["invalid"] == data["rows"]
    assert data["blocked"] <= data["imported"]
    return data


def test_two_overlapping_files_and_a_dnc_list(live: Path, workdir: Path) -> None:
    dnc = workdir / "dnc.csv"
    dnc.write_text("telefon\n+48601234570\n", encoding="utf-8")
    added = ccterm("dnc", "import", str(dnc), "--json", config=live, check=True)
    assert json.loads(added.stdout)["added"] == 1

    first = workdir / "wiosna.csv"
    first.write_bytes(FIRST.encode("utf-8"))
    got = counts(ccterm("import", str(first), "--json", config=live))
    assert got == {"rows": 7, "imported": 3, "duplicates": 1, "invalid": 3, "blocked": 1}
    with open(str(first) + ".rejects.csv", encoding="utf-8", newline="") as f:
        rejects = list(csv.reader(f))
    assert rejects[0][:2] == ["row", "reason"] and rejects[0][2:] == [
        "Imię i nazwisko",
        "Telefon",
        "Miasto",
        "Uwagi",
    ]
    assert [r[0] for r in rejects[1:]] == ["4", "6", "9"]
    assert rejects[1][2:4] == ["Ewa Zielińska", "12 345"]

    second = workdir / "lato.csv"
    second.write_text(SECOND, encoding="utf-8")
    got = counts(ccterm("import", str(second), "--campaign", "wiosna", "--json", config=live))
    assert got == {"rows": 5, "imported": 2, "duplicates": 2, "invalid": 1, "blocked": 0}

    report = json.loads(ccterm("report", "wiosna", "--json", config=live, check=True).stdout)
    assert report["progress"]["total"] == 5
    assert report["progress"]["blocked"] == 1
    assert report["quality"]["rows"] == 12 and report["quality"]["invalid"] == 4
    campaigns = json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout)
    assert [c["name"] for c in campaigns] == ["wiosna"], "the name defaults to the file's"


def test_human_output_and_progress_free_pipes(live: Path, workdir: Path) -> None:
    first = workdir / "list.csv"
    first.write_bytes(FIRST.encode("utf-8"))
    done = ccterm("import", str(first), "--campaign", "spring", config=live, check=True)
    assert "Imported 3 of 7 rows into campaign 'spring' (new)." in done.stdout
    assert "list.csv.rejects.csv" in done.stderr
    again = ccterm("import", str(first), "--campaign", "spring", config=live, check=True)
    assert "Imported 0 of 7 rows" in again.stdout


def test_dry_run_changes_nothing_with_or_without_the_daemon(live: Path, workdir: Path) -> None:
    first = workdir / "list.csv"
    first.write_bytes(FIRST.encode("utf-8"))
    got = counts(ccterm("import", str(first), "--dry-run", "--json", config=live))
    assert got["imported"] == 3 and got["invalid"] == 3
    assert json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout) == []
    # no daemon at all: a config whose socket nobody listens on
    other = workdir / "offline"
    other.mkdir()
    offline = write_config(other)
    got = counts(ccterm("import", str(first), "--dry-run", "--json", config=offline))
    assert got == {"rows": 7, "imported": 3, "duplicates": 1, "invalid": 3, "blocked": 0}
    plain = ccterm("import", str(first), "--dry-run", config=offline)
    assert "not running" in plain.stderr and plain.returncode == 0
    refused = ccterm("import", str(first), config=offline)
    assert refused.returncode != 0 and "no ccterm daemon socket" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel"),
        (b"", "empty"),
        ("name;city\nAnna;Kraków\n".encode(), "no phone column"),
        ("telefon;miasto\n601234567;Krak\xf3w\n".encode("cp1250"), "UTF-8"),
    ],
)
def test_unusable_files_get_a_clear_error_and_import_nothing(
    live: Path, workdir: Path, content: bytes, words: str
) -> None:
    bad = workdir / "bad.csv"
    bad.write_bytes(content)
    done = ccterm("import", str(bad), "--json", config=live)
    assert done.returncode != 0
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout) == []


def test_an_agent_is_told_no(live: Path, workdir: Path) -> None:
    """The real CLI, run by an agent's Unix user, gets one clear line and exit code 77."""
    import site
    import sysconfig

    from tests.conftest import IS_ROOT, ROOT

    if not IS_ROOT:
        pytest.skip("needs root to act as another user")
    first = workdir / "list.csv"
    first.write_bytes(FIRST.encode("utf-8"))
    first.chmod(0o644)
    # The venv's interpreter may sit under /root; the system one reads the same packages.
    paths = [str(ROOT), sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": ":".join(paths)}
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

    def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, *args],
            user="nobody",
            group="nogroup",
            extra_groups=[],
            capture_output=True,
            text=True,
            cwd="/",
            env=env,
            timeout=60,
        )

    try:
        probe = as_nobody("-c", "import ccterm.cli")
    except PermissionError:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip("the user nobody cannot read this checkout or its packages here")
    done = as_nobody("-m", "ccterm", "import", str(first), "--config", str(live))
    assert done.returncode == 77, done.stderr
    assert "importing a list needs the supervisor role; you (nobody) are an agent" in done.stderr
    assert "Traceback" not in done.stderr
