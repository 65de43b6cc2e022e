"""In a real terminal (tmux), as a new user would: the demo, red callbacks, keys, power mode, SIGHUP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ccterm, needs_tool, spawn_daemon, write_config
from tests.desk_helpers import DESK_USERS

pytestmark = needs_tool("tmux", "tmux")
SESSION = f"ccterm-test-{os.getpid()}"  # two runs on one machine keep apart


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen(escapes: bool = False) -> str:
    return tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", SESSION)


def wait_screen(check: Callable[[str], bool], within: float = 20.0, escapes: bool = False) -> str:
    deadline = time.monotonic() + within
    text = ""
    while time.monotonic() < deadline:
        text = screen(escapes)
        if check(text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"screen never matched; last:\n{text}")


@pytest.fixture
def terminal() -> Iterator[None]:
    tmux("kill-session", "-t", SESSION)
    yield
    tmux("kill-session", "-t", SESSION)


def start(command: str, width: int = 100, height: int = 30) -> None:
    # The tmux server takes the test process's environment, where COLUMNS=80 and LINES=24
    # may be set; a user's shell does not export them, and they would pin the size.
    command = f"unset COLUMNS LINES; {command}"
    tmux("new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height), command)


def pane_pid() -> int:
    return int(tmux("list-panes", "-t", SESSION, "-F", "#{pane_pid}").split()[0])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CCTERM = f"{sys.executable} -m ccterm"


def test_the_demo_as_a_new_user_sees_it(terminal: None, workdir: Path) -> None:
    demo = workdir / "demo"
    start(f"cd {workdir} && {CCTERM} demo --dir {demo}")
    # the welcome: the second agent's command whole on one line, to copy
    command = f"agent --config {demo}/config.toml --user piotr"
    wait_screen(
        lambda s: "Enter or Esc starts" in s and any(command in line for line in s.splitlines()),
        within=40,
    )
    tmux("send-keys", "-t", SESSION, "Escape")
    text = wait_screen(lambda s: s.count("CALLBACK DUE") >= 3 and command not in s)
    assert "READY" in text and "sample (manual)" in text and "1 Done" in text
    tmux("send-keys", "-t", SESSION, "?")  # and it is kept under ?
    wait_screen(lambda s: command in s and "Results" in s)
    tmux("send-keys", "-t", SESSION, "Escape")
    wait_screen(lambda s: command not in s)
    # the due callbacks are red (a background colour) and marked with '!'
    coloured = screen(escapes=True)
    due_rows = [line for line in coloured.splitlines() if "CALLBACK DUE" in line]
    plain_rows = [line for line in coloured.splitlines() if " new " in line]
    assert due_rows and plain_rows
    background = re.compile(r"\x1b\[[0-9;]*(4[0-7]|10[0-7]|48;[25];[0-9;]+)m")
    assert all(background.search(row.split("!")[0]) for row in due_rows[1:])
    assert all(re.sub(r"\x1b\[[0-9;]*m", "", row).startswith("!") for row in due_rows)
    # one key disposes the selected contact (the first: a due callback) and the report shows it
    tmux("send-keys", "-t", SESSION, "1")
    wait_screen(lambda s: "Done:" in s and "saved" in s)
    report = ccterm("report", "sample", "--json", config=demo / "config.toml", check=True)
    assert json.loads(report.stdout)["dispositions"].get("done") == 1
    # power mode dials by itself
    tmux("send-keys", "-t", SESSION, "c")
    wait_screen(lambda s: "Which campaign" in s)
    tmux("send-keys", "-t", SESSION, "Down", "Enter")
    wait_screen(
        lambda s: (
            "power demo (power)" in s and ("DIALING" in s or "ON CALL" in s) and "Esc close" in s
        ),  # the dialled contact's card popped
        within=30,
    )
    # quitting stops the daemon
    tmux("send-keys", "-t", SESSION, "Escape")
    wait_screen(lambda s: "Esc close" not in s)
    tmux("send-keys", "-t", SESSION, "q")
    text = wait_screen(lambda s: "Quit anyway" in s or "Stopping the demo daemon" in s)
    if "Quit anyway" in text:
        tmux("send-keys", "-t", SESSION, "y")
    deadline = time.monotonic() + 20
    while (demo / "ccterm.sock").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (demo / "ccterm.sock").exists(), f"the demo's daemon stopped with it:\n{screen()}"


@pytest.mark.parametrize(
    ("term", "size"),
    [("xterm", (80, 24)), ("xterm-256color", (100, 30)), ("xterm-direct", (120, 40))],
)
def test_agent_in_any_terminal_and_sighup_ends_it(
    terminal: None, workdir: Path, term: str, size: tuple[int, int]
) -> None:
    cfg = write_config(workdir, users=DESK_USERS)
    daemon = spawn_daemon(cfg, workdir / "daemon.log")
    try:
        ccterm("campaign", "create", "c", "--group", "sales", config=cfg, check=True)
        data = workdir / "list.csv"
        data.write_text("name,phone\nAnna Nowak,601234567\nJan Kowalski,601234568\n")
        ccterm("import", str(data), "--campaign", "c", config=cfg, check=True)
        colour = "COLORTERM=truecolor " if term == "xterm-direct" else ""
        start(
            f"env TERM={term} {colour}{CCTERM} agent --config {cfg} --user anna --campaign c", *size
        )
        text = wait_screen(lambda s: "READY" in s and "Anna Nowak" in s)
        assert "1 Done" in text and "q Quit" in text, "the keys fit the width"
        # a dialog leaves the status line behind it as it was: READY stays white on green
        tmux("send-keys", "-t", SESSION, "x")
        wait_screen(lambda s: "do-not-call list?" in s)
        top = screen(escapes=True).splitlines()[0]
        label = re.search(r"((?:\x1b\[[0-9;]*m)+) READY ", top)
        assert label and re.search(r"\[(?:[0-9;]*;)?(42|102|48;[25];[0-9;]+)m", label.group(1)), top
        tmux("send-keys", "-t", SESSION, "Escape")
        wait_screen(lambda s: "do-not-call list?" not in s)
        pid = pane_pid()
        before = cpu_seconds(pid)
        time.sleep(2.0)
        idle = (cpu_seconds(pid) - before) / 2.0
        assert idle < 0.15, f"an idle agent screen uses {idle:.0%} of a core"
        tmux("kill-session", "-t", SESSION)  # the SSH session is gone: SIGHUP
        deadline = time.monotonic() + 2.0
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid), "the client ends at once on SIGHUP"
        # the daemon sees the agent go, and marks them gone within 15 s
        deadline = time.monotonic() + 15
        state = None
        while time.monotonic() < deadline:
            state = json.loads(ccterm("status", "--json", config=cfg, check=True).stdout)
            users = json.loads(
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import asyncio, json, sys; from ccterm.client import call;"
                        f"print(json.dumps(asyncio.run(call({str(cfg.parent / 'ccterm.sock')!r}, 'user.list'))))",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            anna = next(u for u in users["users"] if u["name"] == "anna")
            if not anna["online"]:
                break
            time.sleep(0.5)
        assert state is not None and not anna["online"]
    finally:
        daemon.terminate()
        daemon.wait(10)


INBOUND = """
[sim]
p_human = 0.0
inbound_per_hour = 60
inbound_first = 2.0
inbound_keys = "1"
inbound_callers = ["+48601234500"]
talk_mean = 600.0

[[inbound]]
did = "+48221234500"
client = "Acme Bank"
start = "menu:main"
script = "acme.txt"

[menus.main]
prompt = ["hold"]
keys = { "1" = "queue:sales" }
fallback = "queue:sales"

[queues.sales]
groups = ["sales"]
"""


def test_an_inbound_caller_pops_on_the_inbound_only_desk(terminal: None, workdir: Path) -> None:
    """`ccterm agent --inbound` at 80x24: the caller walks the menu, the card pops with the
    client, the contact found by the number and the script; 1 after the hang-up saves it."""
    (workdir / "acme.txt").write_text("Acme Bank: good morning {name}!\n")
    cfg = write_config(workdir, users=DESK_USERS, extra=INBOUND)
    proc = spawn_daemon(cfg, workdir / "daemon.log")
    try:
        ccterm("campaign", "create", "c", "--group", "sales", config=cfg, check=True)
        (workdir / "list.csv").write_text("name;phone\nJan Kowalski;+48601234500\n")
        ccterm("import", str(workdir / "list.csv"), "--campaign", "c", config=cfg, check=True)
        start(f"{CCTERM} agent --inbound --user anna --config {cfg}", 80, 24)
        text = wait_screen(lambda s: "Inbound · Acme Bank" in s and "Jan Kowalski" in s, 30)
        assert "good morning Jan Kowalski!" in text
        assert "inbound: sales" in text
        tmux("send-keys", "-t", SESSION, "h")
        wait_screen(lambda s: "WRAP-UP" in s)
        tmux("send-keys", "-t", SESSION, "1")
        text = wait_screen(lambda s: "READY" in s and "Inbound only" in s)
        con_rows = ccterm("report", "--queue", "sales", "--json", config=cfg, check=True)
        report = json.loads(con_rows.stdout)
        assert report["offered"] >= 1 and report["answered"] >= 1
    finally:
        proc.terminate()
        proc.wait(10)


def test_monitor_at_80x24_shows_an_agent_and_their_state(terminal: None, workdir: Path) -> None:
    """`ccterm monitor` as a supervisor in a small terminal: an agent logging in in another
    window appears with their state; p pauses them with a reason, as the desk then shows."""
    cfg = write_config(workdir, users=DESK_USERS)
    daemon = spawn_daemon(cfg, workdir / "daemon.log")
    try:
        ccterm("campaign", "create", "c", "--group", "sales", config=cfg, check=True)
        (workdir / "list.csv").write_text("name,phone\nAnna Nowak,601234567\n")
        ccterm("import", str(workdir / "list.csv"), "--campaign", "c", config=cfg, check=True)
        start(f"{CCTERM} monitor --user sam --config {cfg}", 80, 24)
        wait_screen(lambda s: "sam (supervisor)" in s and "piotr" in s)
        tmux(
            "new-window", "-d", "-t", SESSION, "-n", "desk",
            f"unset COLUMNS LINES; {CCTERM} agent --user anna --campaign c --config {cfg}",
        )  # fmt: skip
        text = wait_screen(lambda s: re.search(r"anna\s+READY", s) is not None)
        assert "1 ready" in text and "l listen" in text, "the keys fit the width"
        tmux("send-keys", "-t", f"{SESSION}:0", "p")
        wait_screen(lambda s: "why?" in s)
        tmux("send-keys", "-t", f"{SESSION}:0", "Enter")
        wait_screen(lambda s: re.search(r"anna\s+PAUSED", s) is not None)
        desk = tmux("capture-pane", "-p", "-t", f"{SESSION}:desk")
        deadline = time.monotonic() + 10
        while "PAUSED" not in desk and time.monotonic() < deadline:
            time.sleep(0.2)
            desk = tmux("capture-pane", "-p", "-t", f"{SESSION}:desk")
        assert "PAUSED" in desk and "by sam" in desk
    finally:
        daemon.terminate()
        daemon.wait(10)


def test_monitor_at_200x50_on_the_demo_with_both_agents_working(
    terminal: None, workdir: Path
) -> None:
    """The issue's walk-through in a big terminal: the demo, anna and piotr on its power
    campaign, the wallboard in a third window as the demo's supervisor. Every table shows at
    once; the agents' calls show in both the agents' and the calls' table; g draws today's
    charts; v shows an agent's report; m reaches the whole group's desks."""
    demo = workdir / "demo"
    cfg = demo / "config.toml"
    start(f"cd {workdir} && {CCTERM} demo --dir {demo} --headless", 200, 50)
    wait_screen(lambda s: "monitor --config" in s and "--user sam" in s, within=40)
    for agent in ("anna", "piotr"):
        tmux(
            "new-window", "-d", "-t", SESSION, "-n", agent,
            f"unset COLUMNS LINES; {CCTERM} agent --config {cfg} --user {agent}"
            " --campaign 'power demo'",
        )  # fmt: skip
    tmux(
        "new-window", "-t", SESSION, "-n", "wall",
        f"unset COLUMNS LINES; {CCTERM} monitor --config {cfg} --user sam",
    )  # fmt: skip
    tmux("resize-window", "-t", f"{SESSION}:wall", "-x", "200", "-y", "50")
    wall = f"{SESSION}:wall"

    def board() -> str:
        return tmux("capture-pane", "-p", "-t", wall)

    def until_board(check: Callable[[str], bool], within: float = 30.0) -> str:
        deadline = time.monotonic() + within
        text = board()
        while not check(text) and time.monotonic() < deadline:
            time.sleep(0.2)
            text = board()
        assert check(text), f"the wallboard never showed it:\n{text}"
        return text

    on_call = re.compile(r"(anna|piotr)\s+ON CALL\s+\d+:\d\d.*power demo\s+\+48")
    text = until_board(lambda s: len(on_call.findall(s)) == 2, within=60)
    assert "sam (supervisor)" in text
    for title in ("─Agents", "─Calls", "─Queues", "─Campaigns"):
        assert title in text, f"{title} shows at 200x50"
    calls = text.split("─Calls", 1)[1].split("─Queues", 1)[0]
    assert "anna" in calls and "piotr" in calls, "their calls are in the calls table"
    assert re.search(r"power demo\s+running\s+power", text)
    tmux("send-keys", "-t", wall, "g")
    until_board(lambda s: "Dials, connects and abandons" in s and "Occupancy" in s)
    tmux("send-keys", "-t", wall, "Escape")
    until_board(lambda s: "─Agents" in s)
    tmux("send-keys", "-t", wall, "v")
    until_board(lambda s: "Report: agent" in s and "logged in" in s and "occupancy" in s)
    tmux("send-keys", "-t", wall, "Escape")
    until_board(lambda s: "─Agents" in s)
    tmux("send-keys", "-t", wall, "m")
    until_board(lambda s: "Message to:" in s)
    tmux("send-keys", "-t", wall, "Down")  # the whole group
    tmux("send-keys", "-t", wall, "-l", "Team meeting at 15:00")
    tmux("send-keys", "-t", wall, "Enter")
    until_board(lambda s: "Message sent to" in s)
    for agent in ("anna", "piotr"):
        deadline = time.monotonic() + 10
        desk = ""
        while "Team meeting at 15:00" not in desk and time.monotonic() < deadline:
            time.sleep(0.2)
            desk = tmux("capture-pane", "-p", "-t", f"{SESSION}:{agent}")
        assert "Message from sam" in desk and "Team meeting at 15:00" in desk, desk
