"""`ccterm config check` as an admin runs it: offline, one line either way."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ccterm, write_config
from tests.ivr.test_prompts import PLAN, plan_dir


def test_a_good_config_says_what_it_holds(workdir: Path) -> None:
    done = ccterm("config", "check", config=plan_dir(workdir))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("config OK: 1 inbound number, 1 menu, 1 queue, 3 users (")
    assert "prompt files read)" in done.stdout


def test_without_a_plan_and_without_a_daemon(workdir: Path) -> None:
    done = ccterm("config", "check", config=write_config(workdir))
    assert (
        done.stdout
        == "config OK: 0 inbound numbers, 0 menus, 0 queues, 3 users (0 prompt files read)\n"
    )
    assert not (workdir / "ccterm.db").exists(), "offline: no daemon, no database"


def test_a_bad_prompt_is_one_line_naming_file_and_key(workdir: Path) -> None:
    path = plan_dir(workdir)
    (workdir / "prompts" / "music.wav").write_text("oops")
    done = ccterm("config", "check", config=path)
    assert done.returncode == 78 and done.stdout == ""
    first, hint = done.stderr.splitlines()
    assert first == (
        f"ccterm: {path}: [queues.support] hold: {workdir}/prompts/music.wav:"
        " not a WAV file (no RIFF/WAVE header)"
    )
    assert hint == f"  hint: a relative path starts at config.toml's directory, {workdir}"


def test_a_bad_key_and_a_missing_file(workdir: Path) -> None:
    path = write_config(workdir, extra=PLAN.replace("groups =", "grups ="))
    done = ccterm("config", "check", "--config", str(path))
    assert done.returncode == 78
    assert done.stderr.splitlines()[0] == (
        f"ccterm: {path}: [queues.support] grups: unknown key (did you mean 'groups'?)"
    )
    missing = ccterm("config", "check", config=workdir / "none.toml")
    assert missing.returncode == 78 and "no such config file" in missing.stderr
