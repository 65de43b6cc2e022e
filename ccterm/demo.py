"""`ccterm demo`: a daemon on the simulated trunk, a sample list imported, nothing to set up."""

from __future__ import annotations

import contextlib
import csv
import getpass
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from ccterm.client import DaemonClient, call
from ccterm.clock import SystemClock, monotonic
from ccterm.commands.common import echo, note, run
from ccterm.errors import CctermError, DaemonUnavailable
from ccterm.numbers import Number, NumberBook

SAMPLE_CAMPAIGN = "sample"
POWER_CAMPAIGN = "power demo"
DEMO_DNC = ["+48665681518", "+48608648876"]  # two people on the sample list
DEMO_TAGS = ["interested", "price", "send offer"]  # the funnel: t on a call, then the report


def _command_name() -> str:
    """How the user can run ccterm again: plain 'ccterm' if it is on PATH."""
    here = Path(sys.argv[0])
    if here.name == "ccterm" and shutil.which("ccterm") != str(here.resolve()):
        return str(here)
    return "ccterm"


def sample_list() -> Path:
    return Path(str(resources.files("ccterm.data") / "sample-contacts.csv"))


ACME_SCRIPT = """Acme Bank, {name}? Dzień dobry!
Mówi konsultant Acme Bank. W czym mogę pomóc?
(Klient z: {Miasto}; firma: {Firma})
"""


def demo_callers(count: int = 12) -> str:
    """Numbers from the sample list, so inbound callers pop up as known contacts."""
    with open(sample_list(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))[1 : count + 1]
    numbers = []
    for row in rows:
        parsed = NumberBook("PL").parse(row[1])
        if isinstance(parsed, Number):
            numbers.append(parsed.e164)
    return "[" + ", ".join(f'"{n}"' for n in numbers) + "]"


def write_demo_config(directory: Path) -> Path:
    user = getpass.getuser()
    admin = ""
    if os.geteuid() != 0:  # root is always an admin; anyone else must be listed
        admin = f'\n[[users]]\nname = "{user}"\nrole = "admin"\ngroup = "demo"\n'
    callers = demo_callers()
    text = f"""\
# Written by 'ccterm demo': everything lives in this directory.
[daemon]
socket = "ccterm.sock"
database = "ccterm.db"
recordings = "recordings"

[trunk]
kind = "sim"
caller_id = "+48221234567"

[sim]            # quicker than life, so the demo moves
seed = 7
p_human = 0.4
answer_min = 3.0
answer_max = 9.0
talk_mean = 40.0

inbound_per_hour = 60       # callers to Acme Bank's number, arriving by themselves
inbound_first = 20.0        # the first one 20 s after the start
inbound_keys = "12"         # they press 1 (new account) or 2 (customer service)
inbound_callers = {callers}

[dialer]
region = "PL"
calling_hours = ["00:00", "24:00"]  # the demo's customers are simulated: any hour will do

# Inbound: Acme Bank's number, a menu, two queues that the demo group answers.
[[inbound]]
did = "+48221234500"
client = "Acme Bank"
start = "menu:main"
script = "acme-script.txt"
language = "pl"

[menus.main]
prompt = ["welcome.wav"]
timeout = 8
fallback = "queue:service"
keys = {{ "1" = "queue:sales", "2" = "queue:service", "0" = "hangup" }}

[queues.sales]
groups = ["demo"]
announce_every = 30
callback_after = 60

[queues.service]
groups = ["demo"]
announce_every = 30
callback_after = 60

[[users]]
name = "anna"
role = "agent"
group = "demo"

[[users]]
name = "piotr"
role = "agent"
group = "demo"

[[users]]                   # the supervisor: `ccterm monitor --user sam` watches as sam
name = "sam"
role = "supervisor"
group = "demo"
{admin}"""
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    shutil.copyfile(
        Path(str(resources.files("ccterm.data") / "demo" / "welcome.wav")),
        directory / "welcome.wav",
    )
    (directory / "acme-script.txt").write_text(ACME_SCRIPT, encoding="utf-8")
    return path


def power_list(path: Path, count: int = 120) -> Path:
    """A second, generated list for the power-dialing campaign."""
    rng = random.Random(11)
    first = ["Ola", "Kuba", "Iga", "Bartek", "Zuza", "Filip", "Hania", "Igor", "Lena", "Olek"]
    last = ["Lis", "Sowa", "Wilk", "Kot", "Żak", "Bąk", "Mróz", "Dąb", "Kruk", "Sęk"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("name;phone;city\n")
        for i in range(count):
            prefix = rng.choice(["50", "51", "60", "66", "69", "72", "79", "88"])
            number = f"{prefix}{rng.randrange(10**7):07d}"
            f.write(f"{first[i % 10]} {last[(i // 10) % 10]};+48 {number};Warszawa\n")
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
    deadline = monotonic() + timeout
    while monotonic() < deadline:
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


def book_callbacks(socket: Path) -> None:
    """Some callbacks due now, some falling due in the next minutes (a few of them anna's)."""

    async def go() -> None:
        async with DaemonClient(socket) as client:
            page = await client.request("leads.list", {"campaign": SAMPLE_CAMPAIGN, "limit": 80})
            fields = page["fields"]
            ids = [r[fields.index("id")] for r in page["rows"] if not r[fields.index("blocked")]]
            now = SystemClock().now()
            plan = [
                (11, 0, None),
                (23, 0, None),
                (37, 0, "anna"),
                (5, 60, "anna"),
                (17, 120, None),
                (29, 180, "anna"),
                (41, 240, None),
                (53, 300, None),
            ]
            for index, delay, agent in plan:
                args: dict[str, object] = {"lead_id": ids[index], "at": now + delay}
                if agent:
                    args["agent"] = agent
                await client.request("callback.set", args)

    run(go())


def set_up(base: Path, config_path: Path) -> None:
    from ccterm.commands.importing import import_command

    socket = base / "ccterm.sock"
    run(call(socket, "dnc.add", {"numbers": DEMO_DNC, "reason": "demo: asked not to be called"}))
    run(
        call(
            socket,
            "campaign.create",
            {
                "name": SAMPLE_CAMPAIGN,
                "settings": {
                    "groups": ["demo"],
                    "mode": "manual",
                    "wrapup_seconds": 60,
                    "tags": DEMO_TAGS,
                    "script": "Dzień dobry, {name}! Dzwonię z ccterm w sprawie oferty dla {Firma}.",
                },
            },
        )
    )
    run(
        call(
            socket,
            "campaign.create",
            {
                "name": POWER_CAMPAIGN,
                "settings": {
                    "groups": ["demo"],
                    "mode": "power",
                    "wrapup_seconds": 30,
                    "tags": DEMO_TAGS,
                    "script": "Dzień dobry, {name}! Mówi ccterm: czy to dobry moment na rozmowę?",
                },
            },
        )
    )
    sample = base / sample_list().name  # a copy: the reject report is written beside it
    shutil.copyfile(sample_list(), sample)
    echo(f"Importing {sample.name} into '{SAMPLE_CAMPAIGN}' (manual: you pick and dial):")
    import_command(sample, campaign=SAMPLE_CAMPAIGN, config=config_path)
    echo(f"Importing a generated list into '{POWER_CAMPAIGN}' (power: it dials for you):")
    import_command(power_list(base / "power.csv"), campaign=POWER_CAMPAIGN, config=config_path)
    book_callbacks(socket)


def run_demo(directory: Path | None, *, headless: bool, wait: bool) -> int:
    temporary = directory is None
    base = Path(tempfile.mkdtemp(prefix="ccterm-demo-")) if directory is None else directory
    if (base / "ccterm.db").exists():  # its sample campaigns exist: set-up would clash
        raise CctermError(
            f"{base} holds an earlier demo", "remove that directory, or pick another --dir"
        )
    base.mkdir(parents=True, exist_ok=True)
    config_path = write_demo_config(base)
    log_path = base / "daemon.log"
    echo(f"Starting the daemon on the simulated trunk in {base} ...")
    process = start_daemon(config_path, log_path)

    waiting = False  # in the headless wait, below

    def hang_up(signum: int, frame: object) -> None:
        """The terminal went away, or `kill`: take the daemon down with us, at once."""
        if waiting:
            # Unwind out of process.wait(), which holds the Popen's lock: stopping the
            # daemon from in here would wait for that lock forever. `finally` stops it.
            raise SystemExit(128 + signum)
        stop_daemon(process)
        if temporary:
            shutil.rmtree(base, ignore_errors=True)
        os._exit(128 + signum)

    for stop_signal in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(stop_signal, hang_up)
    me = _command_name()
    second = f"{me} agent --config {config_path} --user piotr"
    wallboard = f"{me} monitor --config {config_path} --user sam"
    code = 0
    try:
        wait_ready(base / "ccterm.sock", process, log_path)
        set_up(base, config_path)
        echo("")
        echo("Open a second agent in another terminal:")
        echo(f"  {second}")
        echo("The supervisor's wallboard, in a third:")
        echo(f"  {wallboard}")
        echo(f"Reports while it runs:  {me} report {SAMPLE_CAMPAIGN} --config {config_path}")
        if headless:
            if wait:
                echo("The daemon runs until you press Ctrl-C.")
                waiting = True
                with contextlib.suppress(KeyboardInterrupt):
                    process.wait()
                waiting = False
        else:
            from rich.markup import escape

            from ccterm.screens.agent import AgentApp

            welcome = (
                "[b]The ccterm demo[/b]: you are agent anna on the simulated trunk.\n"
                "Red rows marked ! are callbacks due now; more fall due in the next minutes."
                f" c switches to '{POWER_CAMPAIGN}', where the dialer calls for you.\n"
                "On a call or in wrap-up, t tags it for the campaign's funnel"
                f" ({', '.join(DEMO_TAGS)}); the report counts them.\n\n"
                "A second agent, in another terminal:\n"
                f"[b]{escape(second)}[/b]\n\n"
                "The supervisor's wallboard, in a third:\n"
                f"{escape(wallboard)}\n\n"
                f"Reports while it runs:\n{escape(me)} report {SAMPLE_CAMPAIGN}"
                f" --config {escape(str(config_path))}"
            )
            app = AgentApp(
                base / "ccterm.sock",
                act_as="anna",
                campaign=SAMPLE_CAMPAIGN,
                welcome=welcome,
                second_agent=second,
            )
            app.run()
            code = app.return_code or 0
            if app.error_text:
                note(f"ccterm: {app.error_text}")
    finally:
        note("Stopping the demo daemon ...")
        stop_daemon(process)
        if temporary:
            shutil.rmtree(base, ignore_errors=True)
    return code
