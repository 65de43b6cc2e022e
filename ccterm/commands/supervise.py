"""`ccterm agents`, `listen`, `message`: the supervisor's floor from a shell or a script.

The same actions as the monitor screen's keys, one request each, so a supervisor
over a slow link or a cron job is served too. The daemon decides who may see and
touch which agent; these commands only ask and print.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ccterm.commands.common import (
    ConfigOpt,
    JsonOpt,
    confirm,
    echo,
    emit_json,
    load_config,
    note,
    request,
    table,
)
from ccterm.errors import UsageError
from ccterm.textout import STOPPED_LISTENING, monitoring

GroupOpt = Annotated[
    str | None, typer.Option("--group", "-g", help="Only this group.", show_default=False)
]


def span(seconds: float) -> str:
    """A duration as a wallboard shows it: 0:42, 12:05, 1:02:03."""
    s = max(0, int(seconds))
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def state_words(agent: dict[str, Any]) -> str:
    status = str(agent["status"]).replace("_", " ")
    if agent.get("pause_reason"):
        return f"{status} ({agent['pause_reason']})"
    if agent.get("pause_after_call"):
        return f"{status}, pause next"
    return status


def work_words(agent: dict[str, Any]) -> str:
    """The campaign and the inbound queues the agent takes."""
    parts = [agent["campaign"]["name"]] if agent.get("campaign") else []
    parts += [f"queue {q}" for q in agent.get("queues") or []]
    return ", ".join(parts)


def call_words(call: dict[str, Any] | None, now: float) -> str:
    """The call in hand: number, direction, how long (and its state until it is answered)."""
    if not call:
        return ""
    way = "out" if call["direction"] == "outbound" else "in"
    start = call.get("answered_at") or call["started_at"]
    state = "" if call.get("answered_at") else f" {call['state']}"
    return f"{call['e164']} {way} {span(now - start)}{state}"


def agents_table(agents: list[dict[str, Any]], now: float) -> str:
    order = {"on_call": 0, "wrapup": 1, "dialing": 2, "ready": 3, "paused": 4, "offline": 5}
    rows = [
        [
            a["name"],
            a["group"],
            state_words(a),
            span(now - a["since"]),
            work_words(a),
            call_words(a.get("call"), now),
            a["phone"],
        ]
        for a in sorted(agents, key=lambda a: (order.get(a["status"], 9), a["name"]))
    ]
    headers = ["agent", "group", "state", "for", "campaign / queues", "call", "phone"]
    return table(headers, rows, right={3})


def agents_command(
    group: GroupOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False
) -> None:
    """Every agent you may see (supervisors: their group), with state, time in it, the call."""
    cfg = load_config(config)
    found = request(cfg, "agents.list", {"group": group or ""})
    if json_out:
        emit_json(found)
        return
    agents = found["agents"]
    if not agents:
        echo("No agents logged in" + (f" in group {group}." if group else "."))
        return
    echo(agents_table(agents, found["now"]))
    on = sum(a["status"] != "offline" for a in agents)
    echo(f"{on} logged in, {sum(a['status'] == 'on_call' for a in agents)} on a call.")


def listen_command(
    agent: Annotated[
        str | None,
        typer.Argument(metavar="AGENT", help="The agent to listen to.", show_default=False),
    ] = None,
    whisper: Annotated[
        bool, typer.Option("--whisper", help="Speak to the agent; the customer does not hear.")
    ] = False,
    barge: Annotated[
        bool, typer.Option("--barge", help="Join the call: both hear you (asks first).")
    ] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Hang up your listening phone.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Barge without asking.")] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Listen to an agent's calls on your own phone (your `phone` in [[users]]); --whisper to
    coach them, --barge to join in, --stop to hang up."""
    cfg = load_config(config)
    if stop:
        done = request(cfg, "call.monitor.stop")
        if json_out:
            emit_json(done)
        else:
            echo(STOPPED_LISTENING)
        return
    if agent is None:
        raise UsageError("say whom to listen to: ccterm listen AGENT", "or --stop to hang up")
    if whisper and barge:
        raise UsageError("--whisper or --barge, not both")
    mode = "barge" if barge else "whisper" if whisper else "listen"
    if barge:
        confirm(f"Barge in on {agent}'s call? The customer will hear you.", yes=yes)
    done = request(cfg, "call.monitor", {"agent": agent, "mode": mode})
    if json_out:
        emit_json(done)
        return
    echo(monitoring(agent, mode))
    if done.get("phone") != "up":
        echo("Your phone is ringing: answer it.")
    echo("ccterm listen --stop hangs up.")


def message_command(
    first: Annotated[
        str, typer.Argument(metavar="AGENT", help="Whom to send it to (none with --group).")
    ],
    text: Annotated[
        str | None, typer.Argument(metavar="TEXT", help="The message.", show_default=False)
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", "-g", help="To every logged-in agent of this group.", show_default=False
        ),
    ] = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A popup on an agent's desk until they dismiss it: `ccterm message anna "call me"`,
    or to a whole group: `ccterm message --group sales "team meeting at 3"`."""
    if group is not None:
        if text is not None:
            raise UsageError("with --group, give only the text", 'ccterm message --group G "TEXT"')
        args: dict[str, Any] = {"to_group": group, "text": first}
    else:
        if text is None:
            raise UsageError("say what to send: ccterm message AGENT TEXT")
        args = {"to": first, "text": text}
    cfg = load_config(config)
    done = request(cfg, "message.send", args)
    if json_out:
        emit_json(done)
        return
    to, reached = done.get("to", []), set(done.get("reached", []))
    if not to:
        note(f"Nobody of group {group} is logged in: the message went to no one.")
        raise typer.Exit(1)
    if reached:
        echo(f"Sent to {', '.join(n for n in to if n in reached)}.")
    missed = [n for n in to if n not in reached]
    if missed:
        note(f"Not delivered to {', '.join(missed)}: no desk open.")
        if not reached:
            raise typer.Exit(1)
