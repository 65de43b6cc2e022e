"""Shared fixtures: a real daemon (in this process or as a child), configs, other Unix users."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import Clock, VirtualClock
from ccterm.config import Config
from ccterm.daemon.main import serve
from ccterm.daemon.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root to act as other Unix users")


def needs_tool(tool: str, package: str) -> pytest.MarkDecorator:
    """A test that runs the program `tool` (Debian package `package`).

    Where it is missing the test is skipped on a developer's machine, and fails,
    naming the tool, under CI ($CI set) or `--require-tools` (.ci/run passes it):
    there a skip would hide tests CI is meant to run.
    """
    return pytest.mark.needs_tool(tool, package)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-tools",
        action="store_true",
        help="fail, not skip, a test whose program (sipp, tmux) is missing; on when $CI is set",
    )


def tools_required(config: pytest.Config) -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or bool(config.getoption("--require-tools"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_tool"):
        tool, package = mark.args
        if shutil.which(tool) is not None:
            continue
        if tools_required(item.config):
            pytest.fail(
                f"{tool} is not installed (Debian package {package}), and CI runs every test;"
                " bash .ci/run installs it",
                pytrace=False,
            )
        pytest.skip(f"{tool} is not installed (Debian package {package})")


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory other Unix users can traverse (pytest's tmp_path is 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix="ccterm-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


USERS = """
[[users]]
name = "nobody"
role = "agent"
group = "sales"

[[users]]
name = "daemon"
role = "supervisor"
group = "sales"

[[users]]
name = "bin"
role = "supervisor"
group = "support"
"""


def write_config(
    directory: Path,
    *,
    users: str = USERS,
    extra: str = "",
    calling_hours: tuple[str, str] = ("00:00", "24:00"),
) -> Path:
    """A config on the simulated trunk with everything inside `directory`.

    Test users are system accounts that exist on any Debian machine: nobody
    (agent, sales), daemon (supervisor, sales), bin (supervisor, support).
    Calls are allowed at any hour unless a test says otherwise: tests run at any
    time of day, and test numbers sit in real time zones.
    """
    text = (
        textwrap.dedent(
            f"""\
        [daemon]
        socket = "ccterm.sock"
        database = "ccterm.db"
        recordings = "recordings"
        socket_group = "nogroup"
        log_level = "debug"

        [trunk]
        kind = "sim"
        caller_id = "+48221234567"

        [dialer]
        region = "PL"
        calling_hours = ["{calling_hours[0]}", "{calling_hours[1]}"]
        {extra}
        """
        )
        + users
    )
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config(workdir: Path) -> Config:
    return config_mod.load(write_config(workdir))


@pytest.fixture
def here_is_warsaw() -> Iterator[None]:
    """The machine's local time zone, for the "here" times the daemon writes."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Warsaw"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


# Daemons in this process on a VirtualClock: `until` and `RunningDaemon.advance` move their
# time; nothing else does, so what happens in them happens in the order a test says.
VIRTUAL: list[RunningDaemon] = []
STEP = 0.05  # virtual seconds per step while a test waits for something


class RunningDaemon:
    def __init__(
        self,
        config: Config,
        stop: asyncio.Event,
        task: asyncio.Task[None],
        clock: Clock | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.config = config
        self.stop = stop
        self.task = task
        self.clock = clock
        self.runner = runner

    @property
    def virtual(self) -> VirtualClock | None:
        return self.clock if isinstance(self.clock, VirtualClock) else None

    async def settle(self) -> None:
        """Until the daemon has done all it was told (a virtual clock does not move)."""
        if self.runner is not None:
            await self.runner.idle()

    async def advance(self, seconds: float) -> None:
        """Let `seconds` of the daemon's virtual time pass: in steps of STEP, stopping at each
        timer that falls due (so what it starts happens at its time), settling after each."""
        clock = self.virtual
        assert clock is not None, "advance needs a daemon on a VirtualClock"
        end = clock.now() + seconds
        stuck = 0  # passes at one instant: a timer that re-arms itself for now
        while True:
            now, due = clock.now(), clock.next_due()
            waiting = due is not None and due <= now and stuck < 100
            if now >= end - 1e-9 and not waiting:
                return
            if waiting:
                target, stuck = now, stuck + 1
            else:
                target, stuck = min(end, now + STEP, due if due is not None else end), 0
            clock.advance_to(target)
            await self.settle()

    @property
    def socket(self) -> Path:
        return self.config.daemon.socket

    async def client(self) -> DaemonClient:
        client = DaemonClient(self.socket)
        await client.connect()
        return client

    async def request(self, op: str, args: dict[str, Any] | None = None) -> Any:
        async with DaemonClient(self.socket) as client:
            return await client.request(op, args)


async def start_daemon(config: Config, clock: Clock | None = None) -> RunningDaemon:
    """The daemon in this process; `clock` (default: the system's) is the time it reads."""
    stop = asyncio.Event()
    exposed: list[Runner] = []
    task = asyncio.create_task(
        serve(config, clock=clock, stop=stop, expose=exposed.append), name="test-daemon"
    )
    for _ in range(200):
        if config.daemon.socket.exists():
            try:
                async with DaemonClient(config.daemon.socket) as client:
                    await client.request("status")
                running = RunningDaemon(config, stop, task, clock, exposed[0])
                if running.virtual is not None:
                    VIRTUAL.append(running)
                    task.add_done_callback(lambda _, it=running: VIRTUAL.remove(it))
                    await running.settle()
                return running
            except Exception:
                pass
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    raise RuntimeError("daemon did not start")


@contextlib.asynccontextmanager
async def running_daemon(
    config: Config, clock: Clock | None = None
) -> AsyncIterator[RunningDaemon]:
    """A daemon for the length of the block, stopped however the block ends."""
    running = await start_daemon(config, clock)
    try:
        yield running
    finally:
        running.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running.task, 15)


@pytest.fixture
async def daemon(config: Config) -> AsyncIterator[RunningDaemon]:
    async with running_daemon(config) as running:
        yield running


# A stdlib-only client, so another Unix user can run it without reading our venv
# (which may sit under a home directory they cannot enter).
_RAW_CLIENT = """
import json, socket, sys
path, op, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
try:
    s.sendall(json.dumps({"id": 1, "op": op, "args": args}).encode() + b"\\n")
except BrokenPipeError:
    pass  # refused at connect: the refusal is already waiting to be read
buf = b""
while not buf.endswith(b"\\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
"""


def _python_for_others() -> str:
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def request_as(
    user: str, socket: Path, op: str, args: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One request as another Unix user (root only): the daemon sees that uid on its socket.

    Returns the daemon's reply frame: {"ok": True, "result": ...} or {"ok": False, "error": ...}.
    """
    done = subprocess.run(
        [_python_for_others(), "-c", _RAW_CLIENT, str(socket), op, json.dumps(args or {})],
        user=user,
        group="nogroup",
        extra_groups=[],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def ccterm(
    *args: str,
    config: Path | None = None,
    check: bool = False,
    timeout: float = 120,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real `ccterm` command line, as a user would."""
    cmd = [sys.executable, "-m", "ccterm", *args]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CCTERM_CONFIG", None)
    stdin: dict[str, Any] = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=full_env, **stdin
    )
    if check:
        assert done.returncode == 0, f"{cmd}\nstdout:{done.stdout}\nstderr:{done.stderr}"
    return done


def spawn_daemon(cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    """`ccterm daemon` as its own process, as under systemd; returns once it answers."""
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "ccterm", "daemon", "--config", str(cfg)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    for _ in range(200):
        if ccterm("status", config=cfg).returncode == 0:
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(log.read_text())


@pytest.fixture
def live(workdir: Path) -> Iterator[Path]:
    """A daemon in its own process; yields its config path."""
    cfg = write_config(workdir)
    proc = spawn_daemon(cfg, workdir / "daemon.log")
    try:
        yield cfg
    finally:
        proc.terminate()
        proc.wait(10)


async def _desk_daemon(workdir: Path, sim: str) -> AsyncIterator[RunningDaemon]:
    from tests.desk_helpers import desk

    running = await desk(workdir, sim)
    yield running
    running.stop.set()
    await asyncio.wait_for(running.task, 15)


@pytest.fixture
async def human(workdir: Path) -> AsyncIterator[RunningDaemon]:
    """A daemon whose simulated customers always answer, quickly, and talk for long."""
    from tests.desk_helpers import HUMAN

    async for running in _desk_daemon(workdir, HUMAN):
        yield running


@pytest.fixture
async def busy(workdir: Path) -> AsyncIterator[RunningDaemon]:
    """A daemon whose simulated numbers are always busy."""
    from tests.desk_helpers import BUSY

    async for running in _desk_daemon(workdir, BUSY):
        yield running
