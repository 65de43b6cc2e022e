"""`ccterm campaign ...`: create, list, show, start, pause, stop, copy, edit."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    echo,
    emit_json,
    load_config,
    note,
    parse_minutes,
    parse_when,
    request,
    table,
    when,
)
from ccterm.errors import UsageError
from ccterm.model import DialMode, DialOrder, LeadOrder

app = typer.Typer(
    help="Manage campaigns: their settings, schedule and state (supervisors and admins).",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)]
ModeOpt = Annotated[
    DialMode | None,
    typer.Option(
        "--mode", help="How it dials: manual (preview), power, predictive, precise, inbound."
    ),
]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="When it starts: now, +2h, '2026-12-01 09:00'.")
]
EndOpt = Annotated[str | None, typer.Option("--end", help="When it ends by itself (optional).")]
CallerOpt = Annotated[
    str | None,
    typer.Option("--caller-id", help="Outbound caller ID (E.164); default: the trunk's."),
]
GroupOpt = Annotated[
    list[str] | None, typer.Option("--group", help="A group of agents that works it (repeat).")
]
AgentOpt = Annotated[
    list[str] | None, typer.Option("--agent", help="An agent who works it (repeat).")
]
RingOpt = Annotated[
    int | None, typer.Option("--ring-timeout", help="Seconds to ring before 'no answer' (>= 15).")
]
WrapOpt = Annotated[
    int | None,
    typer.Option("--wrapup", help="Seconds of wrap-up after each call (0: no limit)."),
]
WrapDefaultOpt = Annotated[
    str | None,
    typer.Option(
        "--wrapup-default",
        help="What an answered call gets when wrap-up runs out with no disposition:"
        " not_disposed (the default: a callback stays, the supervisor sees it) or done.",
    ),
]
AttemptsOpt = Annotated[
    int | None, typer.Option("--max-attempts", help="Attempts per contact before giving up.")
]
OrderOpt = Annotated[
    LeadOrder | None,
    typer.Option(
        "--order", help="Lead order: oldest, newest, last_attempt, priority, fewest_attempts."
    ),
]
RetryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--retry", help="Retry delay per disposition, e.g. busy=30m, no_answer=2h (repeat)."
    ),
]
TargetOpt = Annotated[
    int | None,
    typer.Option("--target-seconds", help="A call this long or longer is a target call."),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="A funnel tag (repeat).")]
RatioOpt = Annotated[
    float | None, typer.Option("--ratio", help="Lines per free agent in power mode (1-10).")
]
DialOrderOpt = Annotated[
    DialOrder | None,
    typer.Option("--dial-order", help="Ring the customer first, or the agent first."),
]
CapOpt = Annotated[
    float | None, typer.Option("--abandon-cap", help="Abandon-rate cap, at most 0.03 (3 %).")
]
OverrideOpt = Annotated[
    float | None,
    typer.Option(
        "--ratio-override",
        help="Predictive/precise: pace by hand at K lines per free agent (1-10); 0: automatic.",
    ),
]
HarborOpt = Annotated[
    float | None,
    typer.Option(
        "--safe-harbor",
        help="Seconds an answered person may wait for an agent before the message (<= 2).",
    ),
]
CutOpt = Annotated[
    int | None,
    typer.Option(
        "--cut-after",
        help="Predictive/precise: hang up a line ringing this long (>= 15 s) when no agent"
        " is free for it; 0: let it ring to the ring timeout.",
    ),
]
MessageOpt = Annotated[
    str | None,
    typer.Option(
        "--abandon-message",
        help="A WAV played to a person no agent could take, then the call ends ('' for none).",
    ),
]
ScriptOpt = Annotated[
    typer.FileText | None,
    typer.Option("--script", help="A text file with the agents' script ({field} is filled in)."),
]


def _settings(
    *,
    mode: DialMode | None = None,
    caller_id: str | None = None,
    group: list[str] | None = None,
    agent: list[str] | None = None,
    ring_timeout: int | None = None,
    wrapup: int | None = None,
    wrapup_default: str | None = None,
    max_attempts: int | None = None,
    order: LeadOrder | None = None,
    retry: list[str] | None = None,
    target_seconds: int | None = None,
    tag: list[str] | None = None,
    ratio: float | None = None,
    dial_order: DialOrder | None = None,
    abandon_cap: float | None = None,
    ratio_override: float | None = None,
    safe_harbor: float | None = None,
    cut_after: int | None = None,
    abandon_message: str | None = None,
    script: Any = None,
) -> dict[str, Any]:
    """Only the options given: the daemon validates them and keeps the rest."""
    out: dict[str, Any] = {}
    pairs: list[tuple[str, Any]] = [
        ("mode", mode),
        ("caller_id", caller_id),
        ("groups", group),
        ("agents", agent),
        ("ring_timeout", ring_timeout),
        ("wrapup_seconds", wrapup),
        ("wrapup_default", wrapup_default),
        ("max_attempts", max_attempts),
        ("lead_order", order),
        ("target_seconds", target_seconds),
        ("tags", tag),
        ("dial_ratio", ratio),
        ("dial_order", dial_order),
        ("abandon_cap", abandon_cap),
        ("ratio_override", ratio_override),
        ("safe_harbor", safe_harbor),
        ("cut_after", cut_after),
    ]
    for key, value in pairs:
        if value is not None:
            out[key] = str(value) if hasattr(value, "value") else value
    if retry:
        delays: dict[str, int] = {}
        for item in retry:
            code, sep, delay = item.partition("=")
            if not sep:
                raise UsageError(f"--retry: '{item}' should look like busy=30m")
            delays[code.strip()] = parse_minutes(delay, f"--retry {code.strip()}")
        out["retry_minutes"] = delays
    if abandon_message is not None:  # a path from here, not from the daemon's config
        path = Path(abandon_message).expanduser()
        out["abandon_message"] = str(path.resolve()) if abandon_message else ""
    if script is not None:
        out["script"] = script.read()
    return out


def _setting_options(given: dict[str, Any]) -> dict[str, Any]:
    """The settings options of a command (create and edit take the same ones)."""
    return {key: given[key] for key in inspect.signature(_settings).parameters}


def _cut(s: dict[str, Any]) -> str:
    if s["mode"] not in ("predictive", "precise"):
        return "-"
    cut = s.get("cut_after", 0)
    if not cut or cut >= s["ring_timeout"]:
        return "never (lines ring to the ring timeout)"
    return f"after {cut} s when no agent is free"


def print_campaign(
    c: dict[str, Any], progress: dict[str, Any] | None = None, shown: dict[str, Any] | None = None
) -> None:
    s = c["settings"]
    retry = ", ".join(f"{k} {v} min" for k, v in sorted(s["retry_minutes"].items()))
    lines = [
        ("campaign", c["name"]),
        ("status", c["status"]),
        ("mode", s["mode"]),
        ("start", when(c["start_at"])),
        ("end", when(c["end_at"])),
        ("caller id", s["caller_id"] or "(the trunk's)"),
        ("groups", ", ".join(s["groups"]) or "-"),
        ("agents", ", ".join(s["agents"]) or "-"),
        ("lead order", s["lead_order"]),
        ("ring timeout", f"{s['ring_timeout']} s"),
        ("wrap-up", f"{s['wrapup_seconds']} s, then {s['wrapup_default'].replace('_', ' ')}"),
        ("max attempts", s["max_attempts"]),
        ("retry after", retry),
        ("target call", f">= {s['target_seconds']} s"),
        ("tags", ", ".join(s["tags"]) or "-"),
        ("dial ratio", s["dial_ratio"]),
        ("dial order", s["dial_order"].replace("_", " ")),
        ("abandon cap", f"{s['abandon_cap'] * 100:.1f} %"),
        ("safe harbor", f"{s['safe_harbor']:g} s"),
        ("cut ringing", _cut(s)),
        ("on abandon", f"play {s['abandon_message']}" if s["abandon_message"] else "no message"),
        ("pace ratio", f"{s['ratio_override']:g} (set by hand)" if s["ratio_override"] else "auto"),
        ("script", f"{len(s['script'].splitlines())} lines" if s["script"] else "-"),
    ]
    if progress is not None:
        lines += [
            ("contacts", progress["total"]),
            (
                "dialable",
                f"{progress['dialable']} (ready {progress['ready']},"
                f" waiting {progress['waiting']})",
            ),
            ("done", progress["done"]),
            ("blocked", progress["blocked"]),
        ]
    if shown is not None:
        if shown.get("pacing") is not None:
            lines.append(("pacing", pacing_text(shown["pacing"])))
        if shown.get("abandons") is not None:
            lines.append(("abandons", abandons_text(shown["abandons"])))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        echo(f"{key.ljust(width)}  {value}")


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.1 or share == 0 else f"{share * 100:.1f} %"


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def pacing_text(p: dict[str, Any]) -> str:
    """One line: how the campaign paces now and from what (campaign.pacing's `pacing`)."""
    policy = p["policy"]
    seen = ""  # power, or a pacer still learning: no rates of its own yet
    if p.get("answer_rate") or p.get("mean_talk"):
        seen = f"answer rate {_percent(p['answer_rate'])}, mean talk {_minutes(p['mean_talk'])}, "
    if policy.startswith("power:"):
        return (
            f"power, {p['lines_per_agent']} line(s) per free agent — {seen}"
            f"agents free {p['idle']}, ringing {p['ringing']}, waiting {p['waiting']}"
        )
    head = f"{policy} (set by hand)" if p.get("override") else policy
    free = f"agents free {p['idle']}"
    if p["learning"]:
        head += f" — {p['learning']}; pacing as progressive"
    elif p["policy"].startswith(("predictive", "precise")):
        free += f" (+{p['soon_free']:.1f} soon)"
    parts = [
        free,
        f"ringing {p['ringing']}",
        f"dialling {p['dial']} now",
        f"ratio {p['ratio']:.1f}",
    ]
    if p["waiting"]:
        parts.insert(3, f"waiting {p['waiting']}")
    if p.get("drop"):
        parts.insert(3, f"cutting {p['drop']} (rang the legal minimum, no agent free)")
    if p["threshold"]:
        parts.append(f"risk {_percent(p['risk'])} (threshold {_percent(p['threshold'])})")
    return f"{head} — {seen}{', '.join(parts)}"


def abandons_text(a: dict[str, Any]) -> str:
    """One line: the abandon rate over 24 hours and 30 days, against the cap."""

    def one(label: str, w: dict[str, Any]) -> str:
        return f"{label} {w['rate'] * 100:.1f} % ({w['abandoned']:,} of {w['answered']:,})"

    return f"{one('24 h', a['day'])}, {one('30 days', a['month'])}, cap {a['cap'] * 100:g} %"


@app.command("create")
def create(
    name: NameArg,
    mode: ModeOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    caller_id: CallerOpt = None,
    group: GroupOpt = None,
    agent: AgentOpt = None,
    ring_timeout: RingOpt = None,
    wrapup: WrapOpt = None,
    wrapup_default: WrapDefaultOpt = None,
    max_attempts: AttemptsOpt = None,
    order: OrderOpt = None,
    retry: RetryOpt = None,
    target_seconds: TargetOpt = None,
    tag: TagOpt = None,
    ratio: RatioOpt = None,
    dial_order: DialOrderOpt = None,
    abandon_cap: CapOpt = None,
    ratio_override: OverrideOpt = None,
    safe_harbor: HarborOpt = None,
    cut_after: CutOpt = None,
    abandon_message: MessageOpt = None,
    script: ScriptOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a campaign. It is Scheduled until its start, then Running."""
    cfg = load_config(config)
    args: dict[str, Any] = {
        "name": name,
        "settings": _settings(**_setting_options(locals())),
    }
    if start:
        args["start_at"] = parse_when(start, what="--start")
    if end:
        args["end_at"] = parse_when(end, what="--end")
    result = request(cfg, "campaign.create", args)
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    echo(f"Created campaign '{c['name']}' ({c['status']}, {c['settings']['mode']}).")


@app.command("list")
def list_(config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """List the campaigns you can see."""
    cfg = load_config(config)
    items = request(cfg, "campaign.list")["campaigns"]
    if json_out:
        emit_json(items)
        return
    if not items:
        echo("No campaigns yet. Create one with: ccterm campaign create NAME, or import a list.")
        return
    rows = [
        [
            c["name"],
            c["status"],
            c["settings"]["mode"],
            when(c["start_at"]),
            when(c["end_at"]),
            ", ".join(c["settings"]["groups"]) or "-",
        ]
        for c in items
    ]
    echo(table(["name", "status", "mode", "start", "end", "groups"], rows))


@app.command("show")
def show(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Show a campaign's settings and progress."""
    cfg = load_config(config)
    result = request(cfg, "campaign.show", {"name": name})
    if json_out:
        emit_json(result)
        return
    print_campaign(result["campaign"], result["progress"], result)
    for warning in result.get("warnings", []):
        note(f"warning: {warning}")


def _act(op: str, verb: str, name: str, config: Any, json_out: bool) -> None:
    cfg = load_config(config)
    result = request(cfg, op, {"name": name})
    if json_out:
        emit_json(result["campaign"])
        return
    c = result["campaign"]
    if result["was"] == c["status"]:
        echo(f"'{c['name']}' was already {c['status']}.")
    else:
        echo(f"{verb} '{c['name']}': {result['was']} -> {c['status']}.")


@app.command("start")
def start_(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Start (or resume) a campaign now."""
    _act("campaign.start", "Started", name, config, json_out)


@app.command("pause")
def pause(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Pause a campaign: no new calls; calls in progress finish."""
    _act("campaign.pause", "Paused", name, config, json_out)


@app.command("stop")
def stop(name: NameArg, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Stop a campaign by hand (it can be started again)."""
    _act("campaign.stop", "Stopped", name, config, json_out)


@app.command("copy")
def copy(
    name: NameArg,
    new_name: Annotated[str, typer.Argument(help="Name of the copy.", show_default=False)],
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy a campaign's settings (not its contacts) into a new, paused campaign."""
    cfg = load_config(config)
    c = request(cfg, "campaign.copy", {"name": name, "new_name": new_name})["campaign"]
    if json_out:
        emit_json(c)
        return
    echo(
        f"Copied '{name}' to '{c['name']}' (paused). Import a list, then: "
        f"ccterm campaign start '{c['name']}'"
    )


@app.command("edit")
def edit(
    name: NameArg,
    rename: Annotated[str | None, typer.Option("--rename", help="A new name.")] = None,
    mode: ModeOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    no_end: Annotated[bool, typer.Option("--no-end", help="Remove the end time.")] = False,
    caller_id: CallerOpt = None,
    group: GroupOpt = None,
    agent: AgentOpt = None,
    add_agent: Annotated[
        list[str] | None, typer.Option("--add-agent", help="Add an agent (repeat).")
    ] = None,
    remove_agent: Annotated[
        list[str] | None, typer.Option("--remove-agent", help="Remove an agent (repeat).")
    ] = None,
    ring_timeout: RingOpt = None,
    wrapup: WrapOpt = None,
    wrapup_default: WrapDefaultOpt = None,
    max_attempts: AttemptsOpt = None,
    order: OrderOpt = None,
    retry: RetryOpt = None,
    target_seconds: TargetOpt = None,
    tag: TagOpt = None,
    ratio: RatioOpt = None,
    dial_order: DialOrderOpt = None,
    abandon_cap: CapOpt = None,
    ratio_override: OverrideOpt = None,
    safe_harbor: HarborOpt = None,
    cut_after: CutOpt = None,
    abandon_message: MessageOpt = None,
    script: ScriptOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a campaign's settings; a running campaign picks them up at once.

    List options (--group, --agent, --tag) replace the list; --add-agent and
    --remove-agent change it.
    """
    cfg = load_config(config)
    changes = _settings(**_setting_options(locals()))
    if add_agent or remove_agent:
        current = request(cfg, "campaign.show", {"name": name})["campaign"]["settings"]["agents"]
        agents = list(changes.get("agents", current))
        agents += [a for a in add_agent or [] if a not in agents]
        changes["agents"] = [a for a in agents if a not in (remove_agent or [])]
    args: dict[str, Any] = {"name": name, "settings": changes}
    if rename:
        args["rename"] = rename
    if start:
        args["start_at"] = parse_when(start, what="--start")
    if end:
        args["end_at"] = parse_when(end, what="--end")
    if no_end:
        args["clear_end"] = True
    if len(args) == 2 and not changes:
        raise UsageError("nothing to change", "see: ccterm campaign edit --help")
    c = request(cfg, "campaign.edit", args)["campaign"]
    if json_out:
        emit_json(c)
        return
    echo(f"Updated '{c['name']}' ({c['status']}).")
