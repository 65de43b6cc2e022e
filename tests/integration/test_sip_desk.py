"""`ccterm agent` in a real terminal on a real SIP trunk: manual and power calls end to end.

The daemon runs as its own process on `[trunk] kind = "sip"`; the trunk and
its customers are a sipp UAS that answers and speaks, and the agent's desk
phone is another sipp UAS (a direct SIP URI) that echoes what it hears. The
agent works the keys in tmux; the recordings prove the two talked.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import ccterm, needs_tool, spawn_daemon
from tests.integration import sipprig
from tests.integration.sipprig import needs_sipp, sipp
from tests.integration.test_sip_daemon import channels, heard, sip_config
from tests.integration.test_tmux import CCTERM, SESSION, screen, start, tmux, wait_screen

pytestmark = [
    needs_sipp,
    pytest.mark.sip,
    needs_tool("tmux", "tmux"),
]


@pytest.fixture
def terminal() -> object:
    tmux("kill-session", "-t", SESSION)
    yield
    tmux("kill-session", "-t", SESSION)


def keys(*names: str) -> None:
    tmux("send-keys", "-t", SESSION, *names)


def talk_then_dispose(name: str) -> None:
    """On the line with `name` (its card open): talk 3 s, h hangs up, 1 disposes Done."""
    wait_screen(lambda s: "ON CALL" in s and name in s, within=30)
    time.sleep(3)
    keys("h")  # the card takes the desk's keys
    wait_screen(lambda s: "WRAP-UP" in s)
    keys("1")
    wait_screen(lambda s: "WRAP-UP" not in s and "ON CALL" not in s)
    if "Esc close" in screen():
        keys("Escape")
        wait_screen(lambda s: "Esc close" not in s)


def test_manual_and_power_calls_from_the_agents_desk(
    terminal: None, workdir: Path, tmp_path: Path
) -> None:
    with (
        sipp(
            tmp_path / "trunk", sipprig.answer_and_talk(), keys={"law": "8", "lawname": "PCMA"}
        ) as trunk_peer,
        sipp(tmp_path / "phone", sipprig.answer_and_echo(), echo=True) as phone_peer,
    ):
        cfg = sip_config(workdir, trunk_peer.port, phone_peer.port).path
        daemon = spawn_daemon(cfg, workdir / "daemon.log")
        try:
            for name, mode, row in (
                ("m", "manual", "Anna Nowak,601234567"),
                ("p", "power", "Jan Kowalski,601234568"),
            ):
                ccterm(
                    "campaign",
                    "create",
                    name,
                    "--group",
                    "sales",
                    "--mode",
                    mode,
                    config=cfg,
                    check=True,
                )
                data = workdir / f"{name}.csv"
                data.write_text(f"name,phone\n{row}\n")
                ccterm("import", str(data), "--campaign", name, config=cfg, check=True)
            start(f"{CCTERM} agent --config {cfg} --user anna --campaign m", 120, 30)
            # the daemon calls her desk phone first; she is ready when it answers
            wait_screen(lambda s: "READY" in s and "phone: up" in s and "Anna Nowak" in s, 30)
            keys("d")  # manual: dial the selected contact
            talk_then_dispose("Anna Nowak")
            keys("c")  # switch to the power campaign: it dials by itself
            text = wait_screen(lambda s: "Which campaign" in s)
            rows = [line for line in text.splitlines() if "(manual," in line or "(power," in line]
            downs = next(i for i, line in enumerate(rows) if "(power," in line)
            keys(*(["Down"] * downs), "Enter")
            talk_then_dispose("Jan Kowalski")
            report = json.loads(ccterm("report", "p", "--json", config=cfg, check=True).stdout)
            assert report["dispositions"].get("done") == 1
        finally:
            tmux("kill-session", "-t", SESSION)
            daemon.terminate()
            daemon.wait(15)
        customer_trace, phone_trace = trunk_peer.trace, phone_peer.trace
    assert customer_trace.count("INVITE sip:+4860123456") == 2
    assert phone_trace.count("INVITE sip:anna@") == 1  # one phone leg for the whole shift
    with sqlite3.connect(workdir / "ccterm.db") as db:
        rows = db.execute(
            "SELECT recording, answered_at, ended_at FROM attempts ORDER BY id"
        ).fetchall()
    assert len(rows) == 2
    for path, answered, ended in rows:
        customer, agent, seconds = channels(Path(path))
        assert abs(seconds - (ended - answered)) < 0.6
        assert heard(customer) > 0.5 and heard(agent) > 0.5, "they did not hear each other"
