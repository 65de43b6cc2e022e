"""`kill -9` of the daemon while it places a queue callback (issue 14): after the restart
the callback is not dialled again by itself — it waits for a person's review — so a
customer is never called back twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from tests.conftest import ccterm, request_as, spawn_daemon, write_config

PLAN = """
[sim]
p_human = 1.0
p_machine = 0.0
p_busy = 0.0
p_invalid = 0.0
answer_min = 0.2
answer_max = 0.3
talk_mean = 600.0

[[inbound]]
did = "+48221234500"
client = "Acme Bank"
start = "queue:sales"

[queues.sales]
groups = ["sales"]
"""
NUMBER = "+48601234577"


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def book_callback(db: Path) -> None:
    """A caller who took a callback yesterday evening: their row, waiting."""
    now = time.time()
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO inbound_calls (call_id, did, client, caller, e164, queue, arrived_at,"
        " entered_at, ended_at, hung_up_by, outcome) VALUES ('old', '48221234500', 'Acme',"
        " ?, ?, 'sales', ?, ?, ?, 'caller', 'callback')",
        (NUMBER, NUMBER, now - 600, now - 590, now - 500),
    )
    con.execute(
        "INSERT INTO queue_callbacks (inbound_id, queue, e164, entered_at, created_at,"
        " expires_at) VALUES (1, 'sales', ?, ?, ?, ?)",
        (NUMBER, now - 590, now - 500, now + 3600),
    )
    con.commit()
    con.close()


def wait_for(check: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("not in time")


def test_kill_9_while_placing_a_callback_never_places_it_twice(workdir: Path) -> None:
    cfg = write_config(workdir, extra=PLAN)
    log = workdir / "daemon.log"
    db = workdir / "ccterm.db"
    sock = workdir / "ccterm.sock"
    proc = spawn_daemon(cfg, log)  # creates the database
    proc.terminate()
    proc.wait(10)
    book_callback(db)

    proc = spawn_daemon(cfg, log)
    try:
        login = request_as("nobody", sock, "agent.login", {"campaign": ""})  # group sales
        assert login["ok"], login
        wait_for(lambda: rows(db, "SELECT state FROM queue_callbacks") == [("placing",)])
        time.sleep(0.5)  # answered and talking when the daemon dies
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()

    proc = spawn_daemon(cfg, log)
    try:
        ((state, tries, note),) = rows(db, "SELECT state, tries, note FROM queue_callbacks")
        assert (state, tries) == ("review", 1), note
        assert "may have rung" in str(note)
        again = request_as("nobody", sock, "agent.login", {"campaign": ""})
        assert again["ok"], again
        time.sleep(2.0)  # real time: the daemon has had every chance to dial it again
        assert rows(db, "SELECT state, tries FROM queue_callbacks") == [("review", 1)]
        listed = ccterm("callbacks", config=cfg, check=True).stdout
        assert NUMBER in listed and "review" in listed and "may have rung" in listed
        closed = ccterm("callbacks", "resolve", "1", "--close", config=cfg, check=True)
        assert "closed" in closed.stdout
        assert rows(db, "SELECT state FROM queue_callbacks") == [("done",)]
    finally:
        proc.terminate()
        proc.wait(10)
    placed = [line for line in log.read_text().splitlines() if f"dialling {NUMBER}" in line]
    assert len(placed) == 1, placed
