"""`ccterm import` and friends, run as a user would: the real command line against a real daemon."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient, call
from ccterm.commands.importing import Tally, send_commit
from tests.conftest import ccterm, running_daemon, write_config

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
    assert "Imported 3 of 7 rows into new campaign 'spring' (paused)." in done.stdout
    assert "list.csv.rejects.csv" in done.stderr
    assert "Invalid rows by reason: too short for PL 1, empty phone 1, not a phone number 1." in (
        done.stderr
    )
    again = ccterm("import", str(first), "--campaign", "spring", config=live, check=True)
    assert "Imported 0 of 7 rows into campaign 'spring' (paused)." in again.stdout


def dump(database: Path) -> list[str]:
    """Everything the database holds, as SQL (a dry run must leave every line as it was)."""
    con = sqlite3.connect(database)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_dry_run_changes_nothing_with_or_without_the_daemon(live: Path, workdir: Path) -> None:
    first = workdir / "list.csv"
    first.write_bytes(FIRST.encode("utf-8"))
    ccterm("campaign", "create", "spring", config=live, check=True)
    before = dump(workdir / "ccterm.db")
    got = counts(ccterm("import", str(first), "--dry-run", "--json", config=live))
    assert got["imported"] == 3 and got["invalid"] == 3
    plain = ccterm("import", str(first), "--campaign", "sprnig", "--dry-run", config=live)
    assert "Would import 3 of 7 rows into new campaign 'sprnig'." in plain.stdout
    assert "Did you mean 'spring'?" in plain.stderr
    assert "A dry run writes no file: add --rejects PATH" in plain.stderr
    assert dump(workdir / "ccterm.db") == before, "no campaign, contact, import or audit line"
    assert not (workdir / "list.csv.rejects.csv").exists(), "no file either"
    log = (workdir / "daemon.log").read_text()
    assert "dry run of list.csv for 'list' by root: 7 rows, 3 would be imported" in log
    assert "import list.csv" not in log, "never logged as an import"
    asked = workdir / "checked.csv"
    ccterm("import", str(first), "--dry-run", "--rejects", str(asked), config=live, check=True)
    assert [r[0] for r in csv.reader(asked.open(encoding="utf-8"))] == ["row", "4", "6", "9"]
    assert dump(workdir / "ccterm.db") == before
    clobber = ccterm("import", str(first), "--dry-run", "--rejects", str(first), config=live)
    assert clobber.returncode == 2 and "is the file being imported" in clobber.stderr
    assert first.read_bytes() == FIRST.encode("utf-8"), "the list itself is never overwritten"
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


def test_a_mistyped_campaign_is_created_paused_and_can_be_deleted(
    live: Path, workdir: Path
) -> None:
    data = workdir / "wiosna.csv"
    data.write_bytes(FIRST.encode("utf-8"))
    ccterm("campaign", "create", "sample", "--group", "sales", config=live, check=True)
    typo = ccterm("import", str(data), "--campaign", "smaple", config=live, check=True)
    assert "Imported 3 of 7 rows into new campaign 'smaple' (paused)." in typo.stdout
    assert (
        "'smaple' is a new campaign, paused: nothing is dialled until ccterm campaign start"
        " 'smaple' (give it agents first: ccterm campaign edit 'smaple' --group GROUP)."
    ) in typo.stderr
    assert "Did you mean 'sample'? If 'smaple' is a typo: ccterm campaign delete 'smaple'" in (
        typo.stderr
    )
    listed = json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout)
    assert [(c["name"], c["status"]) for c in listed] == [
        ("sample", "running"),
        ("smaple", "paused"),
    ]
    unasked = ccterm("campaign", "delete", "smaple", config=live)
    assert unasked.returncode == 2 and "pass --yes to confirm" in unasked.stderr, "no terminal"
    asked = ccterm("campaign", "delete", "smaple", input="y\n", config=live)
    assert asked.returncode == 2, "stdin is not a terminal: a piped 'y' does not count"
    gone = ccterm("campaign", "delete", "smaple", "--yes", config=live, check=True)
    assert "Deleted 'smaple': 3 lead(s), 3 contact(s) no other campaign held." in gone.stdout
    again = counts(ccterm("import", str(data), "--campaign", "sample", "--json", config=live))
    assert again["imported"] == 3, "the deleted campaign's contacts are no duplicates now"
    started = ccterm("import", str(data), "--campaign", "other", "--start", config=live, check=True)
    assert "into new campaign 'other' (running)." in started.stdout


def test_a_russian_list_under_the_polish_default_points_at_ru(live: Path, workdir: Path) -> None:
    data = workdir / "russian.csv"
    data.write_text(
        "Фамилия;Имя;Отчество;Телефон;Город\n"
        "Иванов;Иван;Иванович;8 (495) 123-45-67;Москва\n"
        "Петров;Пётр;;8 916 123 45 67;Москва\n"
        "Сидоров;Сидор;Сидорович;+7 916 765 43 21 доб. 5;Казань\n"
        "Кузнецова;Анна;;8-812-555-12-34;Санкт-Петербург\n"
        "Нет;Номера;;abc;\n",
        encoding="utf-8",
    )
    done = ccterm("import", str(data), "--campaign", "ru", "--dry-run", config=live, check=True)
    assert "Would import 1 of 5 rows" in done.stdout
    assert (
        "hint: 3 of the 4 refused numbers are valid RU numbers: numbers without +CC were read as"
        " PL numbers; if the list is from RU, import it with --region RU"
    ) in done.stderr
    right = counts(
        ccterm("import", str(data), "--campaign", "ru", "--region", "RU", "--json", config=live)
    )
    assert right["imported"] == 4 and right["invalid"] == 1
    card = asyncio.run(call(workdir / "ccterm.sock", "lead.show", {"lead_id": 3}))
    assert card["lead"]["name"] == "Сидор Сидорович Сидоров", "first name, patronymic, surname"
    assert card["lead"]["e164"] == "+79167654321" and card["fields"]["extension"] == "5"


def test_names_in_two_columns_and_extensions_reach_the_card(live: Path, workdir: Path) -> None:
    data = workdir / "pl.csv"
    data.write_text(
        "Nazwisko;Imię;Telefon;Miasto\n"
        "Nowak;Anna;+48 601 234 570 wew. 12;Kraków\n"
        "Kowalski;Jan;601 234 571 ext. 7;Gdańsk\n"
        "Wiśniewska;Ewa;601-234-572;Łódź\n",
        encoding="utf-8",
    )
    assert counts(ccterm("import", str(data), "--json", config=live))["imported"] == 3
    first = asyncio.run(call(workdir / "ccterm.sock", "lead.show", {"lead_id": 1}))
    assert first["lead"]["name"] == "Anna Nowak" and first["lead"]["e164"] == "+48601234570"
    assert first["fields"] == {"Nazwisko": "Nowak", "Imię": "Anna", "Miasto": "Kraków",
                               "extension": "12"}  # fmt: skip
    why = ccterm("lead", "why", "+48 601 234 570 wew. 12", config=live)
    assert why.returncode == 0 and "Anna Nowak" in why.stdout, why.stderr


def run_until_reading(args: list[str], log: Path) -> subprocess.Popen[str]:
    """The real CLI with Ctrl-C as a terminal sends it, once it is streaming rows (the
    daemon has logged its connection); the file is long enough to take seconds to read."""
    seen = log.read_text().count("session ")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccterm", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while log.read_text().count("session ") == seen:
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    return proc


def big_list(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("name;phone\n")
        for i in range(rows):
            f.write(f"Contact {i};+48 60{i // 10_000_000 % 10}{i % 10_000_000:07d}\n")
    return path


def test_ctrl_c_while_reading_says_nothing_was_imported(live: Path, workdir: Path) -> None:
    data = big_list(workdir / "big.csv", 300_000)
    before = dump(workdir / "ccterm.db")
    proc = run_until_reading(["import", str(data), "--config", str(live)], workdir / "daemon.log")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "ccterm: interrupted: nothing was imported\n" and out == ""
    assert dump(workdir / "ccterm.db") == before, "no campaign, no contact, no import record"
    assert not (workdir / "big.csv.rejects.csv").exists()


async def test_a_ctrl_c_once_the_commit_is_sent_waits_for_it(workdir: Path) -> None:
    """After the commit request the daemon lands the list whatever the client does; the
    first Ctrl-C (a cancel of the running command) waits for the result instead of lying."""
    cfg = config_mod.load(write_config(workdir))
    async with running_daemon(cfg) as daemon, DaemonClient(daemon.socket) as client:
        begun = await client.request(
            "import.begin", {"campaign": "c", "file_name": "c.csv", "columns": ["phone"]}
        )
        rows = [[2, "+48601234567", "", {}, "Europe/Warsaw", 0]]
        await client.request("import.rows", {"import_id": begun["import_id"], "rows": rows})
        tally = Tally(rows=1, leads=1)
        args = {"import_id": begun["import_id"], "rows": 1, "invalid": 0, "duplicates": 0}
        committing = asyncio.create_task(send_commit(client, args, tally))
        await asyncio.sleep(0)  # the commit is sent
        assert tally.committing
        committing.cancel()  # what asyncio.run does on Ctrl-C
        result = await committing
        assert result["imported"] == 1 and result["campaign_status"] == "paused"
