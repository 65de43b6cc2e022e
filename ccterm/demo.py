"""`ccterm demo`: a daemon on the simulated trunk, a sample list imported, nothing to set up."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from ccterm.client import call
from ccterm.commands.common import echo, note, run
from ccterm.errors import CctermError, DaemonUnavailable

SAMPLE_CAMPAIGN = "sample"
DEMO_DNC = ["+48665681518", "+48608648876"]  # two people on the sample list


def _command_name() -> str:
    """How the user can run ccterm again: plain 'ccterm' if it is on PATH."""
    here = Path(sys.argv[0])
    if here.name == "ccterm" and shutil.which("ccterm") != str(here.resolve()):
        return str(here)
    return "ccterm"


def sample_list() -> Path:
    return Path(str(resources.files("ccterm.data") / "sample-contacts.csv"))


def write_demo_config(directory: Path) -> Path:
    user = getpass.getuser()
    users = ""
    if os.geteuid() != 0:  # root is always an admin; anyone else must be listed
        users = f'\n[[users]]\nname = "{user}"\nrole = "admin"\ngroup = "demo"\n'
    text = f"""\
# Written by 'ccterm demo': everything lives in this directory.
[daemon]
socket = "ccterm.sock"
database = "ccterm.db"
recordings = "recordings"

[trunk]
kind = "sim"
caller_id = "+48221234567"

[sim]
seed = 7

[dialer]
region = "PL"
{users}"""
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_daemon(config_path: Path, log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(
        [sys.executable, "-m", "ccterm", "daemon", "--config", str(config_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C here reaches us, and we stop it in order
    )


def wait_ready(
    socket: Path, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise CctermError(f"the demo daemon exited (code {process.returncode}):\n{tail}")
        try:
            run(call(socket, "status"))
            return
        except DaemonUnavailable:
            time.sleep(0.1)
    raise CctermError(f"the demo daemon did not answer within {timeout:.0f} s; see {log_path}")


def stop_daemon(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_demo(directory: Path | None, *, wait: bool) -> None:
    from ccterm.commands.importing import import_command
    from ccterm.commands.report import report_command

    temporary = directory is None
    base = Path(tempfile.mkdtemp(prefix="ccterm-demo-")) if directory is None else directory
    base.mkdir(parents=True, exist_ok=True)
    config_path = write_demo_config(base)
    log_path = base / "daemon.log"
    echo(f"Starting the daemon on the simulated trunk in {base} ...")
    process = start_daemon(config_path, log_path)
    try:
        wait_ready(base / "ccterm.sock", process, log_path)
        sample = base / sample_list().name  # a copy: the reject report is written beside it
        shutil.copyfile(sample_list(), sample)
        run(
            call(
                base / "ccterm.sock",
                "dnc.add",
                {"numbers": DEMO_DNC, "reason": "demo: asked not to be called"},
            )
        )
        echo(f"On the do-not-call list first: {', '.join(DEMO_DNC)} (imported, never dialled).")
        echo(f"Importing the sample list ({sample.name}) into campaign '{SAMPLE_CAMPAIGN}':")
        import_command(sample, campaign=SAMPLE_CAMPAIGN, config=config_path)
        echo("")
        report_command(SAMPLE_CAMPAIGN, config=config_path)
        echo("")
        me = _command_name()
        echo("Try it from another terminal:")
        echo(f"  export CCTERM_CONFIG={config_path}")
        echo(f"  {me} report {SAMPLE_CAMPAIGN}")
        echo(f"  {me} campaign show {SAMPLE_CAMPAIGN}")
        echo(f"  {me} dnc add '+48 601 234 567' --reason 'asked on the phone'")
        echo(f"Daemon log: {log_path}")
        if wait:
            echo("The daemon runs until you press Ctrl-C.")
            try:
                process.wait()
            except KeyboardInterrupt:
                echo("")
    finally:
        note("Stopping the demo daemon ...")
        stop_daemon(process)
        if temporary:
            shutil.rmtree(base, ignore_errors=True)
