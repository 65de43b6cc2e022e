"""config.toml -> frozen, typed objects; every mistake named by file, key and a nearby fix.

The admin's file is read with tomllib and never rewritten at run time. Unknown
keys, wrong types and bad values stop with one line such as
``config.toml: [trunk] prot: unknown key (did you mean 'port'?)``.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from ccterm.errors import ConfigError
from ccterm.inbound_plan import PLAN_SECTIONS, InboundPlan, parse_plan
from ccterm.model import Role

DEFAULT_PATH = Path("config.toml")
ENV_VAR = "CCTERM_CONFIG"


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    socket: Path = Path("/run/ccterm/ccterm.sock")
    database: Path = Path("/var/lib/ccterm/ccterm.db")
    recordings: Path = Path("/var/lib/ccterm/recordings")
    socket_group: str = ""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    default_inbound: str = ""  # where calls to a number in no [[inbound]] go; "" = not in service
    timezone: str = ""  # the [[inbound]] hours' zone; "" = the machine's


@dataclass(frozen=True, slots=True)
class TrunkConfig:
    kind: Literal["sip", "sim"] = "sim"
    host: str = "sip.example.net"
    port: int = 5060
    username: str = ""
    password: str = field(default="", repr=False)
    local_ip: str = "127.0.0.1"
    local_port: int = 5060
    rtp_ports: tuple[int, int] = (10000, 20000)
    caller_id: str = ""
    allow_from: tuple[str, ...] = ()
    max_lines: int = 30
    calls_per_second: float = 5.0
    register: bool = True
    expires: int = 300


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Outcome odds and timings of the simulated trunk (demo, tests, `ccterm simulate`)."""

    seed: int = 1
    p_human: float = 0.30
    p_machine: float = 0.15
    p_busy: float = 0.05
    p_invalid: float = 0.05
    answer_min: float = 4.0
    answer_max: float = 20.0
    busy_seconds: float = 5.0
    invalid_seconds: float = 2.0
    talk_mean: float = 120.0
    inbound_per_hour: float = 0.0  # simulated callers to the [[inbound]] numbers; 0 = none
    inbound_keys: str = ""  # the keys they press in the first menu, one drawn per caller
    inbound_callers: tuple[str, ...] = ()  # the numbers they call from; () = random ones
    inbound_first: float = 0.0  # seconds until the first simulated caller; 0 = at random


@dataclass(frozen=True, slots=True)
class DialerConfig:
    region: str = "PL"
    allowed_countries: tuple[str, ...] = ()
    calling_hours: tuple[str, str] = ("08:00", "21:00")


@dataclass(frozen=True, slots=True)
class UserConfig:
    name: str
    role: Role = Role.AGENT
    group: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    daemon: DaemonConfig = DaemonConfig()
    trunk: TrunkConfig = TrunkConfig()
    sim: SimConfig = SimConfig()
    dialer: DialerConfig = DialerConfig()
    users: tuple[UserConfig, ...] = ()
    inbound: InboundPlan = field(default_factory=InboundPlan)

    def user(self, name: str) -> UserConfig | None:
        for user in self.users:
            if user.name == name:
                return user
        return None


SECTIONS: dict[str, type] = {
    "daemon": DaemonConfig,
    "trunk": TrunkConfig,
    "sim": SimConfig,
    "dialer": DialerConfig,
}


def resolve_path(path: str | Path | None) -> Path:
    """--config wins, then $CCTERM_CONFIG, then ./config.toml."""
    if path:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def load(path: str | Path | None = None) -> Config:
    file = resolve_path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: no such config file",
            "write one with 'ccterm init', or pass --config PATH (or set $CCTERM_CONFIG)",
        ) from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    return parse(data, file)


def parse(data: dict[str, Any], file: Path) -> Config:
    where = _Where(file)
    known = [*SECTIONS, "users", *PLAN_SECTIONS]
    for key in data:
        if key not in known:
            raise where.error(None, key, f"unknown section{_nearest(key, known, data)}")
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise where.error(None, name, "expected a table, like [" + name + "]")
        sections[name] = _build(cls, table, where, name)
    users_raw = data.get("users", [])
    if not isinstance(users_raw, list):
        raise where.error(None, "users", "expected [[users]] tables")
    users: list[UserConfig] = []
    for i, item in enumerate(users_raw, 1):
        label = f"users #{i}"
        if not isinstance(item, dict):
            raise where.error(None, label, "expected a table")
        users.append(_build(UserConfig, item, where, label))
    plan = parse_plan(data, file)
    config = Config(path=file, users=tuple(users), inbound=plan, **sections)
    _check(config, where)
    return _anchor_paths(config)


class _Where:
    def __init__(self, file: Path) -> None:
        self.file = file

    def error(self, section: str | None, key: str, what: str, hint: str = "") -> ConfigError:
        if section and section.startswith("users #"):
            place = f"[[users]] #{section.removeprefix('users #')} {key}"
        else:
            place = f"[{section}] {key}" if section else key
        return ConfigError(f"{self.file}: {place}: {what}", hint)


def _nearest(key: str, options: list[str], data: dict[str, Any] | None = None) -> str:
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return ""


def _all_keys() -> dict[str, str]:
    """Every valid key, mapped to its section, to suggest a key put in the wrong table."""
    out: dict[str, str] = {}
    for section, cls in [*SECTIONS.items(), ("users", UserConfig)]:
        for f in fields(cls):
            out.setdefault(f.name, section)
    return out


def _build(cls: type, table: dict[str, Any], where: _Where, section: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in table:
        if key not in names:
            hint = _nearest(key, names)
            if not hint:
                elsewhere = _all_keys().get(key)
                if elsewhere and elsewhere != section.split(" #")[0]:
                    hint = f" (it belongs in [{elsewhere}])"
                else:
                    close = difflib.get_close_matches(key, list(_all_keys()), n=1, cutoff=0.6)
                    if close:
                        hint = f" (did you mean [{_all_keys()[close[0]]}] {close[0]}?)"
            raise where.error(section, key, f"unknown key{hint}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in table:
            values[f.name] = _convert(hints[f.name], table[f.name], where, section, f.name)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise where.error(section, f.name, "missing (this key is required)")
    return cls(**values)


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _convert(tp: Any, value: Any, where: _Where, section: str, key: str) -> Any:
    if key == "password" and not isinstance(value, str):
        raise where.error(section, key, "expected text in quotes (value not shown)")
    origin = get_origin(tp)
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise where.error(section, key, f"expected a path, got {value!r}")
        return Path(value).expanduser()
    if isinstance(tp, type) and issubclass(tp, Role):
        return _choice(list(Role), value, where, section, key, Role)
    if origin is Literal:
        return _choice(list(get_args(tp)), value, where, section, key, None)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, list):
            raise where.error(section, key, f"expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, where, section, key) for v in value)
        if len(value) != len(args):
            raise where.error(section, key, f"expected {len(args)} values, got {len(value)}")
        return tuple(_convert(a, v, where, section, key) for a, v in zip(args, value, strict=True))
    if origin in (types.UnionType, typing.Union):  # pragma: no cover - no optional keys yet
        raise where.error(section, key, "unsupported type")
    if tp is bool:
        if not isinstance(value, bool):
            raise where.error(section, key, f"expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise where.error(section, key, f"expected a whole number, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise where.error(section, key, f"expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise where.error(section, key, f"expected text in quotes, got {value!r}")
        return value
    raise where.error(section, key, f"unsupported type {tp}")  # pragma: no cover


def _choice(
    options: list[Any], value: Any, where: _Where, section: str, key: str, enum: Any
) -> Any:
    if isinstance(value, str) and value in [str(o) for o in options]:
        return enum(value) if enum else value
    shown = ", ".join(f"'{o}'" for o in options)
    near = _nearest(str(value), [str(o) for o in options]) if isinstance(value, str) else ""
    raise where.error(section, key, f"{value!r} is not one of {shown}{near}")


_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _check_inbound(config: Config, where: _Where) -> None:
    """[daemon] default_inbound names a route the plan has; timezone is a real zone."""
    d, plan = config.daemon, config.inbound
    target = d.default_inbound
    if target:
        kind, _, name = target.partition(":")
        names = {"menu": list(plan.menus), "queue": list(plan.queues)}.get(kind)
        if names is None and target not in ("voicemail", "hangup"):
            raise where.error(
                "daemon",
                "default_inbound",
                f"'{target}' is not menu:NAME, queue:NAME, voicemail or hangup",
            )
        if names is not None and name not in names:
            raise where.error(
                "daemon", "default_inbound", f"no {kind} '{name}'{_nearest(name, names, {})}"
            )
    if d.timezone:
        try:
            ZoneInfo(d.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise where.error(
                "daemon", "timezone", f"'{d.timezone}' is not a time zone (like 'Europe/Warsaw')"
            ) from None


def _check(config: Config, where: _Where) -> None:
    """Value rules that a type cannot express."""
    import phonenumbers  # late: only loading a config needs it, not every import of this module

    trunk, dialer = config.trunk, config.dialer
    _check_inbound(config, where)
    for key, port in (("port", trunk.port), ("local_port", trunk.local_port)):
        if not 1 <= port <= 65535:
            raise where.error("trunk", key, f"{port} is not a port number (1..65535)")
    low, high = trunk.rtp_ports
    if not (1024 <= low < high <= 65535) or high - low < 2:
        raise where.error(
            "trunk", "rtp_ports", f"[{low}, {high}] is not a range of ports in 1024..65535"
        )
    if trunk.max_lines < 1:
        raise where.error("trunk", "max_lines", f"{trunk.max_lines} must be at least 1")
    if trunk.calls_per_second <= 0:
        raise where.error("trunk", "calls_per_second", "must be above 0")
    if not 60 <= trunk.expires <= 86400:
        raise where.error("trunk", "expires", f"{trunk.expires} must be 60..86400 seconds")
    try:
        ipaddress.ip_address(trunk.local_ip)
    except ValueError:
        raise where.error("trunk", "local_ip", f"'{trunk.local_ip}' is not an IP address") from None
    for addr in trunk.allow_from:
        try:
            ipaddress.ip_network(addr, strict=False)
        except ValueError:
            raise where.error(
                "trunk", "allow_from", f"'{addr}' is not an IP address or network"
            ) from None
    if trunk.kind == "sip":
        for key in ("host", "username"):
            if not getattr(trunk, key):
                raise where.error("trunk", key, "required when kind = 'sip'")
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    for key, codes in (
        ("region", [dialer.region]),
        ("allowed_countries", dialer.allowed_countries),
    ):
        for code in codes:
            if code not in phonenumbers.SUPPORTED_REGIONS:
                near = _nearest(code.upper(), regions)
                if code.upper() in phonenumbers.SUPPORTED_REGIONS:
                    near = f" (did you mean '{code.upper()}'?)"
                raise where.error(
                    "dialer", key, f"'{code}' is not a region code like 'PL' or 'US'{near}"
                )
    start, end = dialer.calling_hours
    # "24:00" may end the window: calls up to midnight (["00:00", "24:00"]: at any hour)
    for value, may_be_midnight in ((start, False), (end, True)):
        if not _HHMM.fullmatch(value) and not (may_be_midnight and value == "24:00"):
            raise where.error("dialer", "calling_hours", f"'{value}' is not a time like '08:00'")
    if start >= end:
        raise where.error("dialer", "calling_hours", f"'{start}' must come before '{end}'")
    sim = config.sim
    odds = sim.p_human + sim.p_machine + sim.p_busy + sim.p_invalid
    for key in ("p_human", "p_machine", "p_busy", "p_invalid"):
        if not 0.0 <= getattr(sim, key) <= 1.0:
            raise where.error("sim", key, "must be between 0 and 1")
    if odds > 1.0:
        raise where.error("sim", "p_human", f"the four odds add up to {odds:.2f}, more than 1")
    if not 0 < sim.answer_min <= sim.answer_max:
        raise where.error("sim", "answer_min", "must be above 0 and at most answer_max")
    for key in ("busy_seconds", "invalid_seconds", "talk_mean"):
        if getattr(sim, key) <= 0:
            raise where.error("sim", key, "must be above 0")
    seen: set[str] = set()
    for i, user in enumerate(config.users, 1):
        if not re.fullmatch(r"[a-z_][a-z0-9_.-]*\$?", user.name, re.IGNORECASE):
            raise where.error(f"users #{i}", "name", f"'{user.name}' is not a Unix user name")
        if user.name in seen:
            raise where.error(f"users #{i}", "name", f"'{user.name}' is listed twice")
        seen.add(user.name)


def _anchor_paths(config: Config) -> Config:
    """Relative paths in the file are relative to the file, not to where a command runs."""
    base = config.path.resolve().parent
    d = config.daemon

    def anchor(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    daemon = replace(
        d,
        socket=anchor(d.socket),
        database=anchor(d.database),
        recordings=anchor(d.recordings),
    )
    return replace(config, daemon=daemon)


def _toml(value: Any) -> str:
    """One value as TOML, through tomli-w so quoting is always right."""
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, tuple):
        value = list(value)
    return tomli_w.dumps({"v": value})[4:].strip()


def starter_text(*, local: bool = False, region: str = "PL") -> str:
    """The commented config `ccterm init` writes: defaults from the dataclasses themselves."""
    d, t, s, dl = DaemonConfig(), TrunkConfig(), SimConfig(), DialerConfig(region=region)
    if local:
        d = DaemonConfig(
            socket=Path("ccterm-data/ccterm.sock"),
            database=Path("ccterm-data/ccterm.db"),
            recordings=Path("ccterm-data/recordings"),
        )
    v = _toml
    return f"""\
# ccterm configuration. Read by every ccterm command; the daemon reads it at start.
# Relative paths are relative to this file. Run 'ccterm daemon --config THIS_FILE'.

[daemon]
socket = {v(d.socket)}            # clients connect here (mode 0660)
database = {v(d.database)}        # SQLite, owned by the daemon alone
recordings = {v(d.recordings)}    # WAV files of bridged calls
socket_group = {v(d.socket_group)}  # Unix group allowed to connect; "" = the daemon's group
log_level = {v(d.log_level)}      # debug | info | warning | error

[trunk]
kind = {v(t.kind)}                # "sip" (a real trunk) or "sim" (the simulated trunk)
host = {v(t.host)}                # the SIP registrar / proxy
port = {v(t.port)}
username = {v(t.username)}
password = {v(t.password)}        # never logged
local_ip = {v(t.local_ip)}        # address we bind and advertise
local_port = {v(t.local_port)}
rtp_ports = {v(t.rtp_ports)}      # [first, last] UDP ports for audio
caller_id = {v(t.caller_id)}      # default outbound caller ID, E.164 like "+48221234567"
allow_from = {v(t.allow_from)}    # more addresses/networks that may send us calls (besides host)
max_lines = {v(t.max_lines)}      # simultaneous calls the trunk allows
calls_per_second = {v(t.calls_per_second)}
register = {v(t.register)}        # false for a trunk that knows us by our address
expires = {v(t.expires)}          # registration lifetime we ask for; refreshed at 80 % of the grant

[sim]                             # the simulated trunk: odds of each outcome per dial
seed = {v(s.seed)}
p_human = {v(s.p_human)}
p_machine = {v(s.p_machine)}
p_busy = {v(s.p_busy)}
p_invalid = {v(s.p_invalid)}
answer_min = {v(s.answer_min)}    # seconds of ringing before an answer
answer_max = {v(s.answer_max)}
busy_seconds = {v(s.busy_seconds)}  # until a busy signal
invalid_seconds = {v(s.invalid_seconds)}  # until "no such number"
talk_mean = {v(s.talk_mean)}      # mean seconds a simulated customer talks
inbound_per_hour = {v(s.inbound_per_hour)}  # simulated callers to the [[inbound]] numbers

[dialer]
region = {v(dl.region)}           # default region for numbers written without +CC
allowed_countries = {v(dl.allowed_countries)}  # regions we may dial; [] = only the region above
calling_hours = {v(dl.calling_hours)}  # in each contact's own time zone

# One table per person. 'name' is their Unix user; root is always an admin.
# role: agent | supervisor | admin. A supervisor sees only their own group.
# [[users]]
# name = "anna"
# role = "agent"
# group = "sales"
# phone = "sip:1001@pbx.example.net"
"""
