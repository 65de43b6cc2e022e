"""The admin commands as a user runs them: help everywhere, clear errors, the right effects."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon, ccterm, write_config

COMMANDS = [
    [],
    ["init"],
    ["daemon"],
    ["status"],
    ["demo"],
    ["import"],
    ["report"],
    ["campaign"],
    ["campaign", "create"],
    ["campaign", "list"],
    ["campaign", "show"],
    ["campaign", "start"],
    ["campaign", "pause"],
    ["campaign", "stop"],
    ["campaign", "copy"],
    ["campaign", "edit"],
    ["campaign", "archive"],
    ["campaign", "restore"],
    ["campaign", "delete"],
    ["config"],
    ["config", "check"],
    ["dnc"],
    ["dnc", "add"],
    ["dnc", "remove"],
    ["dnc", "list"],
    ["dnc", "import"],
    ["lead"],
    ["lead", "why"],
    ["simulate"],
    ["agents"],
    ["listen"],
    ["message"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ccterm")
def test_every_command_has_help(command: list[str]) -> None:
    done = ccterm(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    text = done.stdout.split("Usage:", 1)[1]
    assert len(text.strip().splitlines()) > 3


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    ccterm("init", str(path), "--local", check=True)
    loaded = config_mod.load(path)
    assert loaded.daemon.database == tmp_path / "ccterm-data" / "ccterm.db"
    again = ccterm("init", str(path))
    assert again.returncode == 78 and "exists already" in again.stderr and "--force" in again.stderr


def test_a_bad_config_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[trunk]\nprot = 5060\n")
    done = ccterm("status", config=path)
    assert done.returncode == 78
    assert done.stderr.splitlines()[0] == (
        f"ccterm: {path}: [trunk] prot: unknown key (did you mean 'port'?)"
    )
    missing = ccterm("status", config=tmp_path / "none.toml")
    assert "no such config file" in missing.stderr and "ccterm init" in missing.stderr
    env = ccterm("status", env={"CCTERM_CONFIG": str(path)})
    assert "Traceback" not in env.stderr


def test_campaign_commands_end_to_end(live: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Dzień dobry, {name}!\n")
    ccterm(
        "campaign",
        "create",
        "Spring",
        "--mode",
        "power",
        "--group",
        "sales",
        "--ring-timeout",
        "30",
        "--retry",
        "busy=30m",
        "--retry",
        "no_answer=3h",
        "--order",
        "priority",
        "--tag",
        "sale",
        "--script",
        str(script),
        "--start",
        "+1h",
        config=live,
        check=True,
    )
    shown = json.loads(
        ccterm("campaign", "show", "spring", "--json", config=live, check=True).stdout
    )
    c = shown["campaign"]
    assert c["status"] == "scheduled" and c["settings"]["mode"] == "power"
    assert c["settings"]["retry_minutes"] == {"busy": 30, "no_answer": 180, "voicemail": 120}
    assert c["settings"]["script"] == "Dzień dobry, {name}!\n"
    human = ccterm("campaign", "show", "Spring", config=live, check=True).stdout
    assert "lead order    priority" in human and "ring timeout  30 s" in human

    started = ccterm("campaign", "start", "Spring", config=live, check=True)
    assert "scheduled -> running" in started.stdout
    assert (
        "already running" in ccterm("campaign", "start", "Spring", config=live, check=True).stdout
    )
    ccterm("campaign", "pause", "Spring", config=live, check=True)
    ccterm(
        "campaign",
        "edit",
        "Spring",
        "--add-agent",
        "nobody",
        "--wrapup",
        "20",
        "--wrapup-default",
        "done",
        "--rename",
        "Spring 26",
        config=live,
        check=True,
    )
    edited = json.loads(
        ccterm("campaign", "show", "Spring 26", "--json", config=live, check=True).stdout
    )
    assert edited["campaign"]["settings"]["agents"] == ["nobody"]
    assert edited["campaign"]["settings"]["wrapup_seconds"] == 20
    assert edited["campaign"]["settings"]["wrapup_default"] == "done"
    ccterm("campaign", "copy", "Spring 26", "Autumn", config=live, check=True)
    listed = json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout)
    assert [(x["name"], x["status"]) for x in listed] == [
        ("Spring 26", "paused"),
        ("Autumn", "paused"),
    ]
    stopped = ccterm("campaign", "stop", "Autumn", config=live, check=True)
    assert "paused -> stopped" in stopped.stdout

    bad = ccterm("campaign", "edit", "Autumn", "--ring-timeout", "10", config=live)
    assert bad.returncode == 2 and "below the legal minimum of 15 s" in bad.stderr
    short = ccterm("campaign", "edit", "Autumn", "--cut-after", "10", config=live)
    assert short.returncode == 2 and "below the legal minimum ring of 15 s" in short.stderr
    ccterm(
        "campaign",
        "edit",
        "Autumn",
        "--mode",
        "predictive",
        "--cut-after",
        "20",
        config=live,
        check=True,
    )
    shown = ccterm("campaign", "show", "Autumn", config=live, check=True).stdout
    assert "after 20 s when no agent is free" in shown
    typo = ccterm("campaign", "show", "Sprng 26", config=live)
    assert typo.returncode == 1 and "did you mean 'Spring 26'" in typo.stderr
    dup = ccterm("campaign", "create", "autumn", config=live)
    assert "exists already" in dup.stderr
    for result in (bad, typo, dup):
        assert "Traceback" not in result.stderr


def test_dnc_commands(live: Path, tmp_path: Path) -> None:
    added = ccterm(
        "dnc", "add", "601 234 567", "+48 601 234 568", "bogus", "--reason", "asked", config=live
    )
    assert added.returncode == 1, "a skipped number is reported"
    assert "Added 2 number(s); 0 already listed." in added.stdout
    assert "skipped bogus: not a phone number" in added.stderr
    listed = json.loads(ccterm("dnc", "list", "--json", config=live, check=True).stdout)
    assert listed["total"] == 2 and {e["e164"] for e in listed["entries"]} == {
        "+48601234567",
        "+48601234568",
    }
    refused = ccterm("dnc", "remove", "601234567", config=live)
    assert refused.returncode != 0 and "--yes" in refused.stderr, "no confirmation, no removal"
    removed = ccterm("dnc", "remove", "601234567", "--yes", config=live, check=True)
    assert "Removed 1 number(s)" in removed.stdout
    human = ccterm("dnc", "list", config=live, check=True).stdout
    assert "+48601234568" in human and "1 number(s) on the list." in human


def test_report_formats(live: Path, tmp_path: Path) -> None:
    data = tmp_path / "l.csv"
    data.write_text("phone\n601234567\n601234568\n12\n")
    ccterm("import", str(data), "--campaign", "r", "--start", config=live, check=True)
    as_json = json.loads(ccterm("report", "r", "--json", config=live, check=True).stdout)
    assert as_json["progress"]["total"] == 2 and as_json["quality"]["invalid"] == 1
    as_csv = ccterm("report", "r", "--csv", config=live, check=True).stdout.splitlines()
    assert as_csv[0] == "section,metric,value"
    assert "progress,total,2" in as_csv and "quality,invalid,1" in as_csv
    human = ccterm("report", "r", config=live, check=True).stdout
    assert "Campaign 'r' — running, manual" in human
    assert "  invalid                   1   33.3 % of rows" in human
    assert "  contacts                  2  (each counted once, below)" in human
    assert "    ready                   2" in human


def test_status(live: Path) -> None:
    out = ccterm("status", config=live, check=True).stdout
    assert "you are root (admin)" in out and "trunk: sim, up" in out
    data = json.loads(ccterm("status", "--json", config=live, check=True).stdout)
    assert data["role"] == "admin" and data["trunk"] == {
        "kind": "sim",
        "state": "up",
        "detail": "simulated calls",
    }


def test_sigterm_stops_cleanly_and_systemd_hears_it(workdir: Path) -> None:
    cfg = write_config(workdir)
    notify_path = workdir / "notify.sock"
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(str(notify_path))
    sink.settimeout(20)
    env = {**os.environ, "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "2000000"}
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccterm", "daemon", "--config", str(cfg)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        messages = []
        while not any("READY=1" in m for m in messages):
            messages.append(sink.recv(4096).decode())
        assert ccterm("status", config=cfg).returncode == 0, "READY means the socket answers"
        time.sleep(1.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        while True:
            message = sink.recv(4096).decode()
            messages.append(message)
            if "STOPPING=1" in message:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        sink.close()
    assert any("WATCHDOG=1" in m for m in messages)
    assert any(m.startswith("READY=1\nSTATUS=serving") for m in messages)
    assert not cfg.parent.joinpath("ccterm.sock").exists()
    log = proc.stdout.read().decode() if proc.stdout else ""
    assert "stopping" in log and "Traceback" not in log


def test_a_second_daemon_says_why(live: Path) -> None:
    done = ccterm("daemon", config=live, timeout=30)
    assert done.returncode != 0
    assert "another ccterm daemon" in done.stderr and "Traceback" not in done.stderr


def test_a_sip_trunk_on_a_taken_port_is_refused_clearly(workdir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        cfg = write_config(workdir)
        text = cfg.read_text().replace(
            'kind = "sim"',
            f'kind = "sip"\nhost = "127.0.0.1"\nusername = "u"\nlocal_port = {port}',
        )
        cfg.write_text(text)
        done = ccterm("daemon", config=cfg, timeout=30)
    assert done.returncode == 78, done.stderr
    assert f"cannot bind SIP to 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_headless_demo_sets_everything_up(tmp_path: Path) -> None:
    done = ccterm("demo", "--headless", "--no-wait", "--dir", str(tmp_path / "demo"), timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Imported 292 of 300 rows into campaign 'sample'" in done.stdout
    assert "Imported 120 of 120 rows into campaign 'power demo'" in done.stdout
    assert "--user piotr" in done.stdout
    assert not (tmp_path / "demo" / "ccterm.sock").exists(), "the daemon stopped with it"
    with sqlite3.connect(tmp_path / "demo" / "ccterm.db") as con:
        tags = con.execute(
            "SELECT name, settings ->> '$.tags' FROM campaigns ORDER BY id"
        ).fetchall()
    assert tags == [
        (name, '["interested","price","send offer"]') for name in ("sample", "power demo")
    ]
    again = ccterm("demo", "--headless", "--no-wait", "--dir", str(tmp_path / "demo"))
    assert again.returncode == 1 and again.stderr == (
        f"ccterm: {tmp_path / 'demo'} holds an earlier demo\n"
        "  hint: remove that directory, or pick another --dir\n"
    )


def test_settings_speak_the_units_they_show(live: Path) -> None:
    """The abandon cap in percent both ways; a retry delay always with its unit."""
    made = ccterm(
        "campaign", "create", "p", "--abandon-cap", "2.5", "--retry", "busy=30m",
        "--retry", "voicemail=1d", config=live,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    human = ccterm("campaign", "show", "p", config=live, check=True).stdout
    assert "abandon cap   2.5 %" in human
    assert "retry after   busy 30m, no answer 2h, voicemail 1d" in human
    ccterm("campaign", "edit", "p", "--abandon-cap", "1.5%", config=live, check=True)
    data = json.loads(ccterm("campaign", "show", "p", "--json", config=live, check=True).stdout)
    assert data["campaign"]["settings"]["abandon_cap"] == 0.015, "the op keeps a fraction"
    too_high = ccterm("campaign", "edit", "p", "--abandon-cap", "5", config=live)
    assert too_high.returncode == 2
    assert too_high.stderr.splitlines()[0] == "ccterm: --abandon-cap: 5 % is outside 0..3 %"
    words = ccterm("campaign", "edit", "p", "--abandon-cap", "three", config=live)
    assert "'three' is not a percentage" in words.stderr
    bare = ccterm("campaign", "edit", "p", "--retry", "busy=30", config=live)
    assert bare.returncode == 2 and bare.stderr == (
        "ccterm: --retry busy: '30' has no unit\n  hint: write 30m for minutes, 30h for hours\n"
    )
    unchanged = json.loads(ccterm("campaign", "show", "p", "--json", config=live).stdout)
    assert unchanged["campaign"]["settings"]["retry_minutes"]["busy"] == 30, "nothing changed"


def test_inbound_is_refused_on_create_and_edit(live: Path) -> None:
    for args in (["create", "in"], ["edit", "out"]):
        if args[0] == "edit":
            ccterm("campaign", "create", "out", config=live, check=True)
        done = ccterm("campaign", *args, "--mode", "inbound", config=live)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("ccterm: campaigns dial out: there is no inbound mode")
        assert "[[inbound]] plan" in done.stderr and "Traceback" not in done.stderr
    listed = json.loads(ccterm("campaign", "list", "--json", config=live, check=True).stdout)
    assert [(c["name"], c["settings"]["mode"]) for c in listed] == [("out", "manual")]


async def test_the_daemon_refuses_inbound_whoever_asks(daemon: RunningDaemon) -> None:
    with pytest.raises(RemoteError, match="campaigns dial out: there is no inbound mode"):
        await daemon.request("campaign.create", {"name": "x", "settings": {"mode": "inbound"}})


def test_trunk_test_says_what_each_line_means(live: Path) -> None:
    done = ccterm("trunk", "test", "+48601234567", "--ring-timeout", "15", config=live)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  SIP replies    none: the simulated trunk sends no SIP" in lines
    outcome = next(line for line in lines if line.startswith("  outcome"))
    assert outcome.split()[1] in ("answered", "busy", "no_answer", "invalid", "failed")
    if "answered" in outcome:
        assert outcome == "  outcome        answered (200 OK)"
    bad = ccterm("trunk", "test", "abc", config=live)
    assert bad.returncode == 2 and bad.stderr.startswith("ccterm: 'abc' is not a phone number\n")


def test_a_plain_list_of_numbers_goes_on_the_do_not_call_list(live: Path, tmp_path: Path) -> None:
    plain = tmp_path / "dnc.txt"
    plain.write_text("+48 601 234 567\n601-234-568\n\n0048 601 234 569\n12\n")
    done = ccterm("dnc", "import", str(plain), config=live)
    assert done.returncode == 1, "an invalid row is reported"
    assert "Read 4 rows: added 3, already listed 0, invalid 1." in done.stdout
    assert "row 5: '12' is too short for PL" in done.stderr
    listed = json.loads(ccterm("dnc", "list", "--json", config=live, check=True).stdout)
    assert {e["e164"] for e in listed["entries"]} == {
        "+48601234567",
        "+48601234568",
        "+48601234569",
    }
    headed = tmp_path / "dnc.csv"
    headed.write_text("telefon;powód\n601234570;prosił\n")
    assert (
        json.loads(ccterm("dnc", "import", str(headed), "--json", config=live).stdout)["added"] == 1
    )


def test_archive_keeps_history_and_delete_refuses_it(live: Path, tmp_path: Path) -> None:
    data = tmp_path / "l.csv"
    data.write_text("phone\n601234567\n601234568\n")
    ccterm("import", str(data), "--campaign", "old", "--start", config=live, check=True)
    con = sqlite3.connect(live.parent / "ccterm.db")
    with con:  # a call was made in it: the history a delete would lose
        con.execute(
            "INSERT INTO attempts (lead_id, campaign_id, contact_id, e164, started_at)"
            " SELECT id, campaign_id, contact_id, '+48601234567', 0 FROM leads LIMIT 1"
        )
    con.close()
    refused = ccterm("campaign", "delete", "old", "--yes", config=live)
    assert refused.returncode == 1
    assert refused.stderr == (
        "ccterm: 'old' has 1 call on record; deleting it would lose it\n"
        "  hint: archive it instead (kept for reports, hidden from agents and the dialer):"
        " ccterm campaign archive 'old'\n"
    )
    assert ccterm("campaign", "archive", "old", config=live).returncode == 2, "--yes needed"
    archived = ccterm("campaign", "archive", "old", "--yes", config=live, check=True)
    assert "Archived 'old' (running -> stopped)." in archived.stdout
    assert json.loads(ccterm("campaign", "list", "--json", config=live).stdout) == []
    listed = ccterm("campaign", "list", config=live, check=True)
    assert "1 archived campaign(s) not shown: ccterm campaign list --all" in listed.stderr
    assert "archived (stopped)" in ccterm("campaign", "list", "--all", config=live).stdout
    assert (
        "status        stopped, archived 20"
        in ccterm("campaign", "show", "old", config=live).stdout
    )
    report = json.loads(ccterm("report", "old", "--json", config=live, check=True).stdout)
    assert report["progress"]["total"] == 2 and report["attempts"]["calls"] == 1
    for action in ("start", "edit"):
        extra = ["--wrapup", "5"] if action == "edit" else []
        no = ccterm("campaign", action, "old", *extra, config=live)
        assert no.returncode == 1 and "'old' is archived and cannot be" in no.stderr
        assert "ccterm campaign restore 'old'" in no.stderr
    into = ccterm("import", str(data), "--campaign", "old", config=live)
    assert "'old' is archived and cannot be imported into" in into.stderr
    taken = ccterm("campaign", "create", "OLD", config=live)
    assert "exists already (archived)" in taken.stderr
    back = ccterm("campaign", "restore", "old", config=live, check=True)
    assert "Restored 'old' (stopped); start it with: ccterm campaign start 'old'." in back.stdout
    status = json.loads(ccterm("status", "--json", config=live, check=True).stdout)
    assert status["campaigns"] == {"stopped": 1}


def on_a_terminal(args: list[str], answer: str) -> subprocess.CompletedProcess[str]:
    """The real CLI with its stdin on a terminal (a pty) where the user types `answer`."""
    master, slave = os.openpty()
    try:
        os.write(master, answer.encode())
        return subprocess.run(
            [sys.executable, "-m", "ccterm", *args],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(slave)
        os.close(master)


def test_delete_and_archive_ask_on_a_terminal(live: Path) -> None:
    ccterm("campaign", "create", "oops", config=live, check=True)
    kept = on_a_terminal(["campaign", "delete", "oops", "--config", str(live)], "n\n")
    assert (
        kept.returncode == 1 and "Delete campaign 'oops'" in kept.stderr and "[y/N]" in kept.stderr
    )
    assert "oops" in ccterm("campaign", "list", config=live).stdout
    gone = on_a_terminal(["campaign", "delete", "oops", "--config", str(live)], "y\n")
    assert gone.returncode == 0 and "Deleted 'oops'" in gone.stdout, gone.stderr
    ccterm("campaign", "create", "done", config=live, check=True)
    put_away = on_a_terminal(["campaign", "archive", "done", "--config", str(live)], "y\n")
    assert "Archived 'done' (running -> stopped)." in put_away.stdout, put_away.stderr


def test_the_headless_demo_stopped_with_sigterm_stops_its_daemon(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "ccterm", "demo", "--headless", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert demo.stdout is not None
    for line in demo.stdout:
        if "runs until you press Ctrl-C" in line:
            break
    assert ccterm("status", config=tmp_path / "config.toml").returncode == 0
    demo.terminate()  # `kill PID`, or systemd stopping a session
    assert demo.wait(30) == 128 + signal.SIGTERM
    assert not (tmp_path / "ccterm.sock").exists(), "its daemon stopped, not orphaned"
    assert ccterm("status", config=tmp_path / "config.toml").returncode != 0
