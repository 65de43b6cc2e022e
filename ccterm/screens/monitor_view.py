"""What the wallboard draws from the model: the summary and each table's cells.

Pure functions of (model, now): the screen calls them when something changed and
once a second for the clocks. Time in a state escalates in colour at 10, 60 and
300 s by default (VICIdial's steps) and in a mark of ! to !!!, so it reads
without colour too.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text

from ccterm.screens.leadview import phone_text
from ccterm.screens.monitor_model import BUSY, IN_IVR, RINGING, Floor

STEPS = (10.0, 60.0, 300.0)
LEVEL_STYLE = ("", "green", "yellow", "bold red")
STATE = {  # label, colour
    "ready": ("READY", "green"),
    "paused": ("PAUSED", "yellow"),
    "dialing": ("DIALING", "cyan"),
    "on_call": ("ON CALL", "magenta"),
    "wrapup": ("WRAP-UP", "blue"),
    "offline": ("offline", "grey50"),
    "unknown": ("?", "grey50"),
}

AGENT_COLUMNS = (
    ("tag", " "),
    ("name", "Agent"),
    ("state", "State"),
    ("time", "Time"),
    ("reason", "Pause reason"),
    ("work", "Campaign/queue"),
    ("number", "Call"),
    ("dir", "Dir"),
    ("dur", "Dur"),
    ("phone", "Phone"),
    ("calls", "Calls"),
    ("talk", "Talk"),
    ("aht", "AHT"),
    ("occ", "Occ"),
)
CALL_COLUMNS = (
    ("state", "State"),
    ("age", "Age"),
    ("dir", "Dir"),
    ("number", "Number"),
    ("agent", "Agent"),
    ("where", "Campaign/queue"),
    ("talk", "Talk"),
)
QUEUE_COLUMNS = (
    ("queue", "Queue"),
    ("waiting", "Waiting"),
    ("longest", "Longest"),
    ("callbacks", "Callbacks"),
    ("free", "Free"),
    ("agents", "Agents"),
    ("sl", "SL today"),
    ("offered", "Offered"),
    ("abandoned", "Aband."),
)
CAMPAIGN_COLUMNS = (
    ("name", "Campaign"),
    ("status", "State"),
    ("mode", "Mode"),
    ("ratio", "Ratio"),
    ("pacing", "Pacing"),
    ("progress", "Progress"),
    ("today", "Dials/conn."),
    ("abandon", "Aband. 24h/30d (cap)"),
)


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


def level(seconds: float, steps: tuple[float, ...] = STEPS) -> int:
    """0 below the first step, then 1, 2, 3."""
    return sum(1 for step in steps if seconds >= step)


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def state_text(status: str) -> Text:
    label, colour = STATE.get(status, (status.upper(), "white"))
    return Text(label, style=f"bold {colour}" if status in BUSY else colour)


EMPTY = Text("")
_CLOCKS: dict[tuple[str, int], Text] = {}  # a clock's text by (what it reads, its step)


def time_text(since: float | None, now: float, steps: tuple[float, ...]) -> Text:
    """The time in a state, escalated; one Text per value, shared (the table renders a
    value it has seen once, on any row, without Rich: see livetable.py)."""
    if since is None:
        return EMPTY
    seconds = now - since
    key = (clock(seconds), level(seconds, steps))
    text = _CLOCKS.get(key)
    if text is None:
        if len(_CLOCKS) > 20_000:
            _CLOCKS.clear()
        text = _CLOCKS[key] = Text(key[0] + " " + "!" * key[1], style=LEVEL_STYLE[key[1]])
    return text


def call_age(call: dict[str, Any], now: float) -> float:
    return now - (call.get("started_at") or now)


def talk_time(call: dict[str, Any], now: float) -> float | None:
    answered = call.get("answered_at")
    return None if answered is None else now - answered


AGENT_TIME, AGENT_DUR = 3, 8  # the agent cells that move with the clock
CALL_AGE, CALL_TALK = 1, 6


def agent_cells(
    agent: dict[str, Any],
    today: dict[str, Any],
    now: float,
    *,
    tagged: bool,
    steps: tuple[float, ...] = STEPS,
) -> list[Any]:
    return agent_clocks(agent_fixed(agent, today, tagged=tagged), agent, now, steps)


def agent_fixed(agent: dict[str, Any], today: dict[str, Any], *, tagged: bool) -> list[Any]:
    """An agent's cells but the two that move with the clock (None there): the same for
    as long as the agent's data is (agent_clocks adds the clocks)."""
    status = str(agent.get("status", "unknown"))
    campaign = agent.get("campaign")
    queues = agent.get("queues") or []
    if campaign:
        work = str(campaign["name"])
    elif queues and status != "offline":
        work = "in: " + ",".join(queues)
    else:
        work = ""
    call = agent.get("call") or {}
    taken_from = (call.get("inbound") or {}).get("queue")
    if taken_from:  # a blended agent on an inbound call works for that queue now
        work = f"in: {taken_from}"
    if call:
        number = phone_text(str(call.get("e164") or "")) or "withheld"
        direction = "in" if call.get("direction") == "inbound" else "out"
    else:
        number = direction = ""
    reason = str(agent.get("pause_reason") or "")
    if agent.get("pause_after_call"):
        reason = f"after call: {reason}" if reason else "after call"
    if status in BUSY and agent.get("connected") is False:
        reason = "DESK GONE " + reason  # offline with a customer
    occupancy = today.get("occupancy")
    return [
        "*" if tagged else " ",
        str(agent["name"]),
        state_text(status),
        None,
        reason,
        work,
        number,
        direction,
        None,
        str(agent.get("phone") or ""),
        str(today["calls"]) if "calls" in today else "",
        clock(today.get("talk_s")),
        clock(today.get("aht_s")),
        "" if occupancy is None else f"{occupancy * 100:.0f}%",
    ]


def agent_clocks(
    fixed: list[Any], agent: dict[str, Any], now: float, steps: tuple[float, ...] = STEPS
) -> list[Any]:
    """The agent's cells at `now`: time in state and the call's duration filled in."""
    cells = list(fixed)
    online = agent.get("status", "unknown") != "offline"
    cells[AGENT_TIME] = time_text(agent.get("since"), now, steps) if online else EMPTY
    call = agent.get("call") or {}
    if call:
        talk = talk_time(call, now)
        cells[AGENT_DUR] = clock(talk if talk is not None else call_age(call, now))
    else:
        cells[AGENT_DUR] = ""
    return cells


def call_cells(call: dict[str, Any], now: float, floor: Floor) -> list[Any]:
    return call_clocks(call_fixed(call, floor), call, now)


def call_fixed(call: dict[str, Any], floor: Floor) -> list[Any]:
    """A call's cells but its age and talk time (None there)."""
    state = str(call.get("state", ""))
    campaign = floor.campaigns.get(call.get("campaign_id") or -1, {})
    where = str(campaign.get("name") or call.get("queue") or call.get("client") or "")
    style = "cyan" if state in RINGING else "magenta" if state == "connected" else ""
    return [
        Text(state, style=style),
        None,
        "in" if call.get("direction") == "inbound" else "out",
        phone_text(str(call.get("e164") or "")) or "withheld",
        str(call.get("agent") or ""),
        where,
        None,
    ]


def call_clocks(fixed: list[Any], call: dict[str, Any], now: float) -> list[Any]:
    cells = list(fixed)
    cells[CALL_AGE] = clock(call_age(call, now))
    cells[CALL_TALK] = clock(talk_time(call, now))
    return cells


def queue_cells(queue: dict[str, Any]) -> list[Any]:
    """`service_level` is the queue's target in seconds: a longer wait shows red."""
    today = queue.get("today") or {}
    sl = today.get("sl_answered")  # answered within the limit / answered; None: none yet
    longest = queue.get("longest_wait") or 0.0
    limit = queue.get("service_level")
    late = limit is not None and longest > float(limit)
    return [
        str(queue["queue"]),
        str(queue.get("waiting", 0)),
        Text(clock(longest), style="bold red" if late else ""),
        str(queue.get("callbacks", 0)),
        str(queue.get("agents_free", "")),
        str(queue.get("agents", "")),
        percent(sl),
        str(today.get("offered", "")),
        str(today.get("abandoned", "")),
    ]


def progress_text(progress: dict[str, Any]) -> str:
    """'37% done, 180 to call' of the campaign's contacts (as `campaign show` counts them)."""
    if not progress.get("total"):
        return "–"
    return f"{progress['done_share'] * 100:.0f}% done, {progress['open']:,} to call"


def campaign_cells(campaign: dict[str, Any], floor: Floor) -> list[Any]:
    settings = campaign.get("settings") or {}
    mode = str(settings.get("mode", ""))
    cid = int(campaign["id"])
    pacing = (floor.pacing.get(cid) or {}).get("pacing") or {}
    if mode in ("manual", "preview"):
        ratio = "–"
    elif mode == "power":
        ratio = f"{settings.get('dial_ratio', 1):g}/agent"
    elif settings.get("ratio_override"):
        ratio = f"{settings['ratio_override']:g} (fixed)"
    else:
        ratio = "auto" + (f" {pacing['ratio']:.2f}" if "ratio" in pacing else "")
    inputs = []
    if "answer_rate" in pacing:
        inputs.append(f"ans {pacing['answer_rate'] * 100:.0f}%")
    for key, short in (("idle", "idle"), ("ringing", "ring"), ("waiting", "wait")):
        if key in pacing:
            inputs.append(f"{short} {pacing[key]}")
    today = campaign.get("today") or {}
    day, month, cap = floor.abandon(cid)
    near = cap is not None and day is not None and day >= cap - 0.005 and day > 0
    status = str(campaign.get("status", ""))
    return [
        str(campaign["name"]),
        Text(status, style="green" if status == "running" else ""),
        mode,
        ratio,
        " ".join(inputs),
        progress_text(campaign.get("progress") or {}),
        f"{today['dials']}/{today.get('connects', 0)}" if "dials" in today else "–",
        Text(
            f"{percent(day)}/{percent(month)} ({percent(cap)})",
            style="bold red" if near else "",
        ),
    ]


def summary(floor: Floor, now: float, user: str, role: str) -> Text:
    """Four short lines that wrap on a narrow terminal: agents, calls, campaigns, queues."""
    agents = list(floor.agents.values())

    def count(*states: str) -> int:
        return sum(1 for a in agents if a.get("status") in states)

    gone = sum(1 for a in agents if a.get("status") in BUSY and a.get("connected") is False)
    calls = floor.call_list()
    ringing = sum(1 for c in calls if c.get("state") in RINGING)
    ivr = sum(1 for c in calls if c.get("state") in IN_IVR)
    waiting = sum(int(q.get("waiting", 0)) for q in floor.queues.values())
    longest = max((float(q.get("longest_wait") or 0) for q in floor.queues.values()), default=0)
    trunk = str(floor.trunk.get("state", "?"))
    out = Text()
    out.append(f" {user} ({role})  ", style="dim")
    logged = len(agents) - count("offline", "unknown")
    out.append(f"Agents {logged} in: ", style="bold")
    out.append(f"{count('ready')} ready  ", style="green")
    out.append(f"{count('on_call', 'dialing')} on call  ", style="magenta")
    out.append(f"{count('wrapup')} wrap-up  ", style="blue")
    out.append(f"{count('paused')} paused", style="yellow")
    if gone:
        out.append(f"  {gone} desk gone with a customer", style="bold red")
    out.append("\n ")
    out.append("Calls ", style="bold")
    out.append(f"{ringing} ringing  {ivr} in IVR  {waiting} queued")
    if waiting:
        out.append(f" (longest {clock(longest)})")
    out.append("  trunk ")
    out.append(trunk, style="green" if trunk == "up" else "bold red")
    parts = []
    for cid, campaign in sorted(floor.campaigns.items(), key=lambda kv: kv[1]["name"]):
        if campaign.get("status") != "running":
            continue
        today = campaign.get("today") or {}
        day, month, cap = floor.abandon(cid)
        dials = f" {today['dials']}d/{today.get('connects', 0)}c" if "dials" in today else ""
        parts.append(
            f"{campaign['name']}{dials} ab {percent(day)}/{percent(month)} cap {percent(cap)}"
        )
    if parts:
        out.append("\n ")
        out.append("Running ", style="bold")
        out.append("; ".join(parts))
    queues = []
    for name, queue in sorted(floor.queues.items()):
        today = queue.get("today") or {}
        share = today.get("sl_answered")  # answered within the limit / answered
        sl = "" if share is None else f" SL {share * 100:.0f}%"
        ab = f" ab {today['abandoned']}" if "abandoned" in today else ""
        queues.append(f"{name} {queue.get('waiting', 0)} waiting{sl}{ab}")
    if queues:
        out.append("\n ")
        out.append("Queues ", style="bold")
        out.append("; ".join(queues))
    return out


def alert_lines(floor: Floor, now: float) -> Text:
    out = Text()
    for alert in sorted(floor.alerts.values(), key=lambda a: a.get("at") or 0, reverse=True):
        if out.plain:
            out.append("\n")
        out.append(" ! ", style="bold white on red")
        out.append(f" {clock(now - (alert.get('at') or now))} ago  {alert.get('text', '')}")
    return out


def same(a: Any, b: Any) -> bool:
    """Whether two cells show the same (rich's Text == leaves out the style)."""
    if a is b:
        return True
    if isinstance(a, Text) and isinstance(b, Text):
        return a == b and a.style == b.style
    return bool(a == b)


def width(cell: Any) -> int:
    """A cell's width on the screen."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def matches(cells: list[Any], needle: str) -> bool:
    if not needle:
        return True
    text = " ".join(c.plain if isinstance(c, Text) else str(c) for c in cells)
    return needle.casefold() in text.casefold()
