"""Dependencies point one way: the daemon never loads the TUI or CLI libraries."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_the_daemon_loads_no_textual_typer_or_plotext() -> None:
    modules = loaded_after("import ccterm.daemon.main")
    assert not modules & {"textual", "typer", "plotext", "rich", "click"}


def test_the_client_side_never_imports_the_daemon_side() -> None:
    modules = loaded_after("import ccterm.client, ccterm.wire, ccterm.model")
    assert not modules & {"aiosqlite", "phonenumbers"}
    full = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ccterm.cli; print([m for m in sys.modules if m.startswith('ccterm.')])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for side in ("ccterm.store", "ccterm.daemon.server", "ccterm.dialer"):
        assert side not in full
