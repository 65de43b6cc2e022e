"""Predictive pacing, the safe harbor and the abandon windows, live: the real daemon on the
simulated trunk, its socket, its SQLite, and the `ccterm` command line."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon, ccterm, start_daemon, write_config
from tests.desk_helpers import (
    DESK_USERS,
    HUMAN,
    as_agent,
    db,
    event_of,
    load,
    status_is,
    until,
    wait,
)

AGENTS = "".join(f'\n[[users]]\nname = "a{i}"\nrole = "agent"\ngroup = "sales"\n' for i in range(8))
NO_ANSWER = """
[sim]
seed = 3
p_human = 0.0
p_machine = 0.0
p_busy = 0.0
p_invalid = 0.0
"""
# Calls that resolve within half a second, so the pacer learns in a few seconds:
# four in ten answer (0.2-0.4 s), the rest are busy or invalid at once; talks are short.
QUICK = """
[sim]
seed = 5
p_human = 0.4
p_machine = 0.0
p_busy = 0.3
p_invalid = 0.3
answer_min = 0.2
answer_max = 0.4
busy_seconds = 0.2
invalid_seconds = 0.2
talk_mean = 0.6
"""
NUMBERS = [f"+486012{i:05d}" for i in range(600)]


class Rig:
    """A daemon the test can restart, on a config it shapes."""

    def __init__(self, workdir: Path, sim: str, clock: VirtualClock | None, **trunk: Any) -> None:
        cfg = config_mod.load(write_config(workdir, users=DESK_USERS + AGENTS, extra=sim))
        self.config = replace(cfg, trunk=replace(cfg.trunk, **trunk)) if trunk else cfg
        self.clock = clock or VirtualClock(time.time())  # the same time across restarts
        self.daemon: RunningDaemon | None = None

    async def start(self) -> RunningDaemon:
        self.daemon = await start_daemon(self.config, self.clock)
        return self.daemon

    async def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop.set()
            await asyncio.wait_for(self.daemon.task, 15)
            self.daemon = None


@contextlib.asynccontextmanager
async def rig(
    workdir: Path, sim: str, clock: VirtualClock | None = None, **trunk: Any
) -> AsyncIterator[Rig]:
    made = Rig(workdir, sim, clock, **trunk)
    await made.start()
    try:
        yield made
    finally:
        await made.stop()


def wav(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(2 * int(8000 * seconds)))
    return path


async def work(client: DaemonClient) -> None:
    """An agent who sets "done" the moment wrap-up starts."""
    async for event in client.events():
        data = event["data"]
        if event["event"] == "agent.changed" and data["status"] == "wrapup" and data["call"]:
            with contextlib.suppress(RemoteError):
                await client.request(
                    "disposition.set", {"lead_id": data["call"]["lead_id"], "code": "done"}
                )


@contextlib.asynccontextmanager
async def team(daemon: RunningDaemon, size: int = 6) -> AsyncIterator[list[DaemonClient]]:
    """`size` agents at work on the campaign, each disposing the moment wrap-up starts."""
    agents = [await as_agent(daemon, f"a{i}") for i in range(size)]
    workers = [asyncio.create_task(work(a)) for a in agents]
    try:
        yield agents
    finally:
        for task in workers:
            task.cancel()
        for a in agents:
            await a.close()


async def cli(*args: str, config: Path) -> Any:
    """`ccterm ARGS` in a thread: the daemon serving it runs on this test's loop."""
    return await asyncio.to_thread(ccterm, *args, config=config)


async def show(daemon: RunningDaemon) -> dict[str, Any]:
    result: dict[str, Any] = await daemon.request("campaign.show", {"name": "c"})
    return result


def attempts(daemon: RunningDaemon, count: int) -> Callable[[], Awaitable[bool]]:
    """A check for `until`: the daemon has made `count` attempts."""

    async def check() -> bool:
        return bool(db(daemon, "SELECT count(*) FROM attempts") == [(count,)])

    return check


def most_ringing_at_once(daemon: RunningDaemon, since: float, until: float = 1e12) -> int:
    """The most lines ringing together (dialled, not answered or ended yet), of the lines
    dialled between `since` and `until`."""
    edges: list[tuple[float, int]] = []
    for start, stop in db(
        daemon,
        "SELECT started_at, coalesce(answered_at, ended_at, 1e12) FROM attempts"
        " WHERE started_at >= ? AND started_at < ?",
        (since, until),
    ):
        edges += [(start, 1), (stop, -1)]
    most = now = 0
    for _, step in sorted(edges):
        now += step
        most = max(most, now)
    return most


async def test_predictive_learns_then_dials_more_lines_than_free_agents(workdir: Path) -> None:
    async with rig(workdir, QUICK, calls_per_second=200.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS, mode="predictive")
        async with team(d):
            learnt = await until(lambda: learnt_at(d), within=20)
            before = most_ringing_at_once(d, 0, until=learnt - 0.5)
            assert before <= 6, "while learning: never more lines than agents free"
            await wait(2.0)
            assert most_ringing_at_once(d, learnt) > 6, "learnt: more lines than free agents"
            pacing = (await show(d))["pacing"]
            assert pacing["learning"] == "" and pacing["policy"] == "predictive:target=0.03"
            assert 0.2 < pacing["answer_rate"] < 0.6 and pacing["mean_talk"] > 0
            assert pacing["threshold"] > 0
            out = (await cli("campaign", "show", "c", config=r.config.path)).stdout
            line = next(x for x in out.splitlines() if x.startswith("pacing"))
            assert "predictive:target=0.03 — answer rate" in line and "mean talk 0:0" in line
            assert "agents free" in line and "soon)" in line and "dialling" in line, line
            assert "ratio" in line and "threshold" in line and "learning" not in line
            shown = json.loads(
                (await cli("campaign", "show", "c", "--json", config=r.config.path)).stdout
            )
            assert shown["pacing"]["learning"] == "" and "soon_free" in shown["pacing"]
        await r.stop()
        d = await r.start()  # what it learnt is in the attempts: a restart keeps it
        await until(lambda: _learning(d, ""), within=5)


async def learnt_at(daemon: RunningDaemon) -> float | None:
    pacing = (await show(daemon))["pacing"]
    return (
        daemon.clock.now()
        if daemon.clock is not None and pacing is not None and pacing["learning"] == ""
        else None
    )


async def _learning(daemon: RunningDaemon, expected: str) -> bool:
    pacing = (await show(daemon))["pacing"]
    return pacing is not None and pacing["learning"] == expected


async def test_while_learning_it_says_so_and_paces_as_progressive(workdir: Path) -> None:
    async with rig(workdir, NO_ANSWER) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:20], mode="predictive", ring_timeout=15)
        sam = await as_agent(d, "sam", campaign=None)
        agents = [await as_agent(d, name) for name in ("a0", "a1")]
        await until(attempts(d, 2))
        event = await event_of(sam, "campaign.pacing", 2)
        assert event["campaign"] == "c" and event["pacing"]["policy"] == "predictive:target=0.03"
        assert set(event["abandons"]) == {"cap", "day", "month"}
        await wait(1.2)  # five dialling passes or more: still one line per agent
        assert db(d, "SELECT count(*), count(agent) FROM attempts") == [(2, 0)], (
            "progressive: as many lines as free agents, reserved to nobody"
        )
        pacing = (await show(d))["pacing"]
        assert pacing["learning"].startswith("learning: 0 of 60 dials")
        assert (pacing["idle"], pacing["ringing"], pacing["dial"]) == (2, 2, 0)
        done = await cli("campaign", "show", "c", config=r.config.path)
        line = next(x for x in done.stdout.splitlines() if x.startswith("pacing"))
        assert "predictive:target=0.03 — learning: 0 of 60 dials" in line
        assert "pacing as progressive — " in line and "agents free 2, ringing 2" in line
        assert "dialling 0 now" in line and "soon" not in line
        abandons = next(x for x in done.stdout.splitlines() if x.startswith("abandons "))
        assert abandons.endswith(" 24 h 0.0 % (0 of 0), 30 days 0.0 % (0 of 0), cap 3 %")
        assert "warning: no abandon message: the law expects a recorded message" in done.stderr
        for client in (*agents, sam):
            await client.close()


async def test_a_ratio_set_by_hand_paces_as_ratio_k(workdir: Path) -> None:
    async with rig(workdir, NO_ANSWER, calls_per_second=100.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:20], mode="predictive", ring_timeout=15)
        done = await cli("campaign", "edit", "c", "--ratio-override", "3", config=r.config.path)
        assert done.returncode == 0, done.stderr
        anna = await as_agent(d, "a0")
        await until(attempts(d, 3))
        await wait(1.0)
        assert db(d, "SELECT count(*) FROM attempts") == [(3,)], "three lines for one agent"
        pacing = (await show(d))["pacing"]
        assert (pacing["policy"], pacing["override"], pacing["learning"]) == ("ratio:3", 3.0, "")
        done = await cli("campaign", "show", "c", config=r.config.path)
        assert "ratio:3 (set by hand) — " in done.stdout
        with pytest.raises(RemoteError) as caught:
            await d.request("campaign.edit", {"name": "c", "settings": {"ratio_override": 0.5}})
        assert "neither 0 (automatic) nor 1..10" in caught.value.message
        await anna.close()


async def test_calls_per_second_spread_the_dials(workdir: Path) -> None:
    async with rig(workdir, NO_ANSWER, calls_per_second=4.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:40], mode="predictive", ring_timeout=15, ratio_override=10)
        anna = await as_agent(d, "a0")
        await wait(2.1)
        started = [t for (t,) in db(d, "SELECT started_at FROM attempts ORDER BY started_at")]
        assert 7 <= len(started) <= 10, started  # ten wanted at once; four a second allowed
        gaps = [b - a for a, b in itertools.pairwise(started)]
        assert min(gaps) >= 0.25 - 0.01, gaps
        await anna.close()


async def test_max_lines_holds_across_campaigns(workdir: Path) -> None:
    async with rig(workdir, NO_ANSWER, calls_per_second=100.0, max_lines=3) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:20], mode="predictive", ring_timeout=15, ratio_override=5)
        await load(d, "p", NUMBERS[20:40], mode="precise", ring_timeout=15, ratio_override=5)
        anna, piotr = await as_agent(d, "a0", "c"), await as_agent(d, "a1", "p")
        await until(attempts(d, 3))
        await wait(1.5)
        assert db(d, "SELECT count(*) FROM attempts") == [(3,)], "ten wanted, three lines"
        await anna.close()
        await piotr.close()


async def test_a_person_no_agent_can_take_hears_the_message_within_2_s(workdir: Path) -> None:
    message = wav(workdir / "sorry.wav", 0.4)
    async with rig(workdir, HUMAN, calls_per_second=100.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:4], mode="power", dial_ratio=2, abandon_message="sorry.wav")
        watcher = await d.client()
        await watcher.hello()
        anna = await as_agent(d, "a0")  # two lines for her; both answer; she takes one
        told = await event_of(watcher, "call.abandoned", 5)
        assert (told["message"], told["seconds"], told["simulated"]) == (str(message), 0.4, True)
        lead = told["lead_id"]
        (answered, abandoned, connected) = db(
            d,
            "SELECT answered_at, abandoned_at, connected_at FROM attempts WHERE lead_id = ?",
            (lead,),
        )[0]
        assert connected is None and abandoned == told["abandoned_at"]
        assert 1.5 < abandoned - answered <= 2.0, "the message starts within the safe harbor"
        await until(lambda: asyncio.sleep(0, db(d, "SELECT code FROM dispositions")))
        assert db(d, "SELECT code, agent FROM dispositions") == [("abandoned", "dialer")]
        (ended,) = db(d, "SELECT ended_at FROM attempts WHERE lead_id = ?", (lead,))[0]
        assert 0.35 < ended - abandoned < 1.0, "the line was held for the message, then hung up"
        state, next_at = db(d, "SELECT state, next_at FROM leads WHERE id = ?", (lead,))[0]
        assert state == "waiting" and abs(next_at - (abandoned + 72 * 3600)) < 5
        # another agent, one line each: the dialler goes on, never back to the resting number
        await d.request("campaign.edit", {"name": "c", "settings": {"dial_ratio": 1}})
        piotr = await as_agent(d, "a1")
        await until(status_is(piotr, "on_call"))
        assert db(d, "SELECT count(*) FROM attempts WHERE lead_id = ?", (lead,)) == [(1,)]
        (workdir / "notes.txt").write_text("not audio")
        with pytest.raises(RemoteError) as caught:
            await d.request(
                "campaign.edit", {"name": "c", "settings": {"abandon_message": "notes.txt"}}
            )
        assert "abandon_message: cannot play" in caught.value.message
        e164 = told["e164"]
        why = await cli("lead", "why", e164, config=r.config.path)
        assert "was abandoned at" in why.stdout and "may be called again after" in why.stdout
        assert "not dialled now" in why.stdout
        for client in (watcher, anna, piotr):
            await client.close()


async def test_an_agent_who_frees_within_the_harbor_takes_the_person(workdir: Path) -> None:
    async with rig(workdir, HUMAN, calls_per_second=100.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS[:4], mode="power", dial_ratio=2)
        anna = await as_agent(d, "a0")
        first = await until(status_is(anna, "on_call"))
        waiting = await until(
            lambda: asyncio.sleep(
                0,
                db(
                    d,
                    "SELECT lead_id FROM attempts WHERE answered_at IS NOT NULL"
                    " AND connected_at IS NULL AND abandoned_at IS NULL",
                ),
            ),
            within=3,
        )  # the second person answered and waits for an agent
        await anna.request("call.hangup")
        await until(status_is(anna, "wrapup"))
        await anna.request("disposition.set", {"lead_id": first["call"]["lead_id"], "code": "done"})
        second = await until(status_is(anna, "on_call"))
        assert second["call"]["lead_id"] == waiting[0][0]
        answered, connected, abandoned, agent = db(
            d,
            "SELECT answered_at, connected_at, abandoned_at, agent FROM attempts WHERE lead_id = ?",
            (waiting[0][0],),
        )[0]
        assert abandoned is None and agent == "a0" and 0 < connected - answered < 2.0
        assert (await show(d))["abandons"]["day"] == {"answered": 2, "abandoned": 0, "rate": 0.0}
        await anna.close()


async def test_abandon_windows_match_the_attempts_survive_a_restart_and_expire(
    workdir: Path,
) -> None:
    clock = VirtualClock(time.time())
    wav(workdir / "m.wav", 0.1)
    async with rig(workdir, HUMAN, clock, calls_per_second=100.0) as r:
        d = r.daemon
        assert d is not None
        await load(
            d,
            "c",
            NUMBERS[:6],
            mode="power",
            dial_ratio=3,
            safe_harbor=0.3,
            abandon_message="m.wav",
        )
        anna = await as_agent(d, "a0")  # three lines, one agent: one connect, two abandons
        await until(
            lambda: asyncio.sleep(0, db(d, "SELECT count(abandoned_at) FROM attempts") == [(2,)])
        )
        await anna.close()
        truth = db(
            d, "SELECT count(connected_at) + count(abandoned_at), count(abandoned_at) FROM attempts"
        )
        assert truth == [(3, 2)]
        both = {"answered": 3, "abandoned": 2, "rate": pytest.approx(2 / 3)}
        empty = {"answered": 0, "abandoned": 0, "rate": 0.0}
        assert (await show(d))["abandons"] | {"cap": 0} == {"cap": 0, "day": both, "month": both}
        out = (await cli("campaign", "show", "c", config=r.config.path)).stdout
        assert "24 h 66.7 % (2 of 3), 30 days 66.7 % (2 of 3), cap 3 %" in out
        await r.stop()
        d = await r.start()  # counted from the attempts table: the same after a restart
        assert (await show(d))["abandons"]["day"] == both
        clock.advance(24 * 3600 + 2)  # a day later: out of the 24 hours, still in the 30 days
        shown = (await show(d))["abandons"]
        assert (shown["day"], shown["month"]) == (empty, both)
        await r.stop()
        d = await r.start()
        shown = (await show(d))["abandons"]
        assert (shown["day"], shown["month"]) == (empty, both)


async def test_a_line_past_the_legal_ring_with_no_agent_free_is_cut_not_abandoned(
    workdir: Path,
) -> None:
    """Learnt on quick calls, the daemon restarts on a list where nobody answers. Its only
    agent pauses while lines ring for her; 16 s on the clock later they are hung up
    unanswered, recorded as cancelled at 15 s or more, and the numbers will be retried."""
    async with rig(workdir, QUICK, calls_per_second=200.0) as r:
        d = r.daemon
        assert d is not None
        await load(d, "c", NUMBERS, mode="predictive")
        async with team(d):
            await until(lambda: learnt_at(d), within=20)
            await wait(2.0)  # a margin: calls cut by the restart are not learnt from
    clock = VirtualClock(time.time() + 3600)
    async with rig(workdir, NO_ANSWER, clock, calls_per_second=200.0) as r:
        d = r.daemon
        assert d is not None
        await until(lambda: _learning(d, ""), within=5)  # learnt from the attempts
        since = clock.now()
        anna = await as_agent(d, "a0")
        try:
            ringing = "SELECT count(*) FROM attempts WHERE started_at >= ? AND ended_at IS NULL"
            await until(lambda: asyncio.sleep(0, db(d, ringing, (since,))[0][0] >= 2))
            await anna.request("agent.pause", {})
            await until(status_is(anna, "paused"))
            await wait(0.5)  # a dial under way when she paused gets its line first
            await wait(16.0)  # the lines have now rung 16 s, and nobody can take a person
            shifted = clock.now()
            before = (since, shifted - 16.0)  # dialled before the clock moved: rung 16 s or more
            rung = (
                "SELECT count(*) FROM attempts WHERE started_at >= ? AND started_at < ?"
                " AND ended_at IS NULL"
            )
            await until(lambda: asyncio.sleep(0, db(d, rung, before) == [(0,)]), within=5)
            ends = db(
                d,
                "SELECT outcome, ended_at - started_at FROM attempts"
                " WHERE started_at >= ? AND started_at < ?",
                before,
            )
            assert len(ends) >= 2, "the lines that rang for her"
            assert all(outcome == "cancelled" and 15 <= rang < 25 for outcome, rang in ends), ends
            abandoned = "SELECT count(*) FROM attempts WHERE started_at >= ? AND abandoned_at > 0"
            assert db(d, abandoned, (since,)) == [(0,)]
            codes = db(
                d,
                "SELECT DISTINCT d.code FROM dispositions d JOIN attempts a ON a.id = d.attempt_id"
                " WHERE a.started_at >= ? AND a.outcome = 'cancelled'",
                (since,),
            )
            assert codes == [("no_answer",)], "a cut line is a no answer: the number comes back"
        finally:
            await anna.close()
