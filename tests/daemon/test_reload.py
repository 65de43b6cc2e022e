"""SIGHUP (`systemctl reload ccterm`): the new inbound plan swapped in, a bad file refused
and the running config kept, a call in progress untouched."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from ccterm.daemon.reload import reload
from ccterm.ivr import prompts
from tests.conftest import RunningDaemon, ccterm, spawn_daemon
from tests.desk_helpers import as_agent, load, status_is, until, wait
from tests.ivr.test_prompts import PLAN, plan_dir, write_prompts


def log_says(log: Path, text: str, within: float = 10.0) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if text in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"the log never said {text!r}:\n{log.read_text()}")


def test_sighup_reloads_the_plan_and_keeps_the_old_config_when_the_new_is_bad(
    workdir: Path,
) -> None:
    cfg = plan_dir(workdir)
    plain = cfg.read_text().replace(PLAN, "")
    cfg.write_text(plain)
    log = workdir / "daemon.log"
    proc = spawn_daemon(cfg, log)
    try:
        cfg.write_text(plain + PLAN)
        proc.send_signal(signal.SIGHUP)
        line = log_says(log, "reloaded")
        files = len(prompts.shipped("pl")) + 2  # the Polish set and the admin's two
        assert f"inbound plan (1 number, 1 menu, 1 queue) and {files} prompt files" in line
        assert line.endswith("nothing else changed")

        (workdir / "prompts" / "music.wav").write_text("not audio")
        proc.send_signal(signal.SIGHUP)
        refused = log_says(log, "reload refused")
        assert "the running config stays" in refused
        assert "[queues.support] hold:" in refused and "music.wav: not a WAV file" in refused
        assert ccterm("status", config=cfg).returncode == 0, "the daemon runs on"

        cfg.write_text(plain.replace('kind = "sim"', 'kind = "sim"\nmax_lines = 7'))
        proc.send_signal(signal.SIGHUP)
        again = log_says(log, "inbound plan (0 numbers")
        assert again.endswith("[trunk] changed: kept as running until a restart")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_call_in_progress_is_untouched_by_a_reload(human: RunningDaemon) -> None:
    runner = human.runner
    assert runner is not None and runner.config.inbound.routes == ()
    leads = await load(human, "c", ["+48601234500"])
    anna = await as_agent(human, "anna")
    await anna.request("call.dial", {"lead_id": leads[0]})
    before = await until(status_is(anna, "on_call"))

    path = human.config.path
    write_prompts(path.parent)
    path.write_text(path.read_text() + PLAN)
    assert await reload(runner)
    assert runner.config.inbound.route("+48221234500") is not None
    assert runner.prompts.seconds("prompts/music.wav") > 2
    assert runner.config.trunk == human.config.trunk, "the rest stays as it runs"

    await wait(5)
    after = (await anna.request("agent.state"))["agent"]
    assert after["status"] == "on_call" and after["call"] == before["call"]
    await anna.close()
