"""The real `ccterm` command line run by another Unix user (root only), as that person would."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import IS_ROOT, ROOT

# The venv's interpreter may sit under /root; the system one reads the same packages.
_PATHS = [str(ROOT), sysconfig.get_paths()["purelib"], *site.getsitepackages()]
_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": ":".join(_PATHS)}
_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def _run(user: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_PYTHON, *args],
        user=user,
        group="nogroup",
        extra_groups=[],
        capture_output=True,
        text=True,
        cwd="/",
        env=_ENV,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def can_run_as(user: str) -> None:
    """Skip the test where `user` cannot run this checkout's ccterm (not root, unreadable)."""
    if not IS_ROOT:
        pytest.skip("needs root to act as another user")
    try:
        probe = _run(user, "-c", "import ccterm.cli")
    except PermissionError:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"the user {user} cannot read this checkout or its packages here")


def ccterm_as(user: str, *args: str, config: Path) -> subprocess.CompletedProcess[str]:
    """`ccterm ARGS --config CONFIG` as the Unix user `user`, without a terminal."""
    return _run(user, "-m", "ccterm", *args, "--config", str(config))
