"""CI runs every test: a test whose program is missing fails there instead of being skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

TMUX_TEST = "tests/integration/test_tmux.py::test_the_demo_as_a_new_user_sees_it"


def pytest_without_tools(tmp: Path, *args: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    """pytest on one tmux test, on a PATH where no tmux (nor anything else) is found."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(tmp)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TMUX_TEST, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_tool_is_a_skip_on_a_developers_machine(tmp_path: Path) -> None:
    done = pytest_without_tools(tmp_path, ci=None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "tmux is not installed (Debian package tmux)" in done.stdout


def test_a_missing_tool_fails_under_ci_and_names_it(tmp_path: Path) -> None:
    for args, ci in (((), "true"), (("--require-tools",), None)):
        done = pytest_without_tools(tmp_path, *args, ci=ci)
        assert done.returncode == 1, done.stdout
        assert "1 error" in done.stdout  # at setup: the test never starts
        assert "tmux is not installed (Debian package tmux), and CI runs every test" in done.stdout
    assert pytest_without_tools(tmp_path, ci="false").returncode == 0, "CI=false is not CI"


def test_ci_runs_the_readme_command_and_it_requires_the_tools() -> None:
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / ".ci" / "run").read_text()
    assert "```sh\nbash .ci/run\n```" in readme
    assert ".venv/bin/pytest -q --require-tools" in script
