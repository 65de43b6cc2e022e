"""Widgets of the agent's screen: the contact list (renders only what is visible), the status bar.

The list is a Line API widget: it keeps every contact but draws only the rows
on screen, so 100,000 contacts scroll as smoothly as 100.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from ccterm.clock import Clock
from ccterm.model import LeadBucket
from ccterm.screens import leadview
from ccterm.screens.leadview import LeadItem
from ccterm.screens.order import CallOrder

# (title, width); name takes what is left
COLUMNS: tuple[tuple[str, int], ...] = (
    ("", 1),
    ("Name", 0),
    ("Number", 16),
    ("Status", 14),
    ("Tries", 5),
    ("Next", 11),
    ("Prio", 4),
)

STYLE_DUE = Style(color="bright_white", bgcolor="red", bold=True)
STYLE_DUE_CURSOR = Style(color="red", bgcolor="bright_white", bold=True)
STYLE_CURSOR = Style(reverse=True)
STYLE_DIM = Style(dim=True)


def layout(width: int) -> list[int]:
    fixed = sum(w for _, w in COLUMNS if w) + len(COLUMNS) - 1
    name = max(8, width - fixed)
    return [w or name for _, w in COLUMNS]


def cells(values: list[str], widths: list[int]) -> str:
    parts = []
    for value, width in zip(values, widths, strict=True):
        text = value if len(value) <= width else value[: max(0, width - 1)] + "…"
        parts.append(text.ljust(width))
    return " ".join(parts)


def header_text(width: int) -> str:
    return cells([title for title, _ in COLUMNS], layout(width))


def row_text(item: LeadItem, now: float, width: int, shut: float | None = None) -> str:
    """One contact's row; `shut`: outside its calling hours until then (see leadview.Hours)."""
    status = leadview.status_text(item, now)
    when = leadview.next_contact(item, now)
    if shut is not None and not leadview.is_due_callback(item, now):
        status = "outside hours"
    if shut is not None:
        when = shut if shut != float("inf") else None
    return cells(
        [
            leadview.marker(item, now, shut is not None),
            item.name or "—",
            leadview.phone_text(item.e164),
            status,
            str(item.attempts),
            leadview.when_text(when, now),
            str(item.priority) if item.priority else "",
        ],
        layout(width),
    )


class LeadList(ScrollView, can_focus=True):
    """The campaign's contacts in the order they will be called."""

    DEFAULT_CSS = """
    LeadList { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
    ]

    cursor = reactive(0, always_update=True)

    class Selected(Message):
        """Enter on a contact."""

        def __init__(self, item: LeadItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.order = CallOrder()  # every contact, in call order, kept so as they change
        self.view: list[LeadItem] = []  # what is shown: the order, or find's part of it
        self.needle = leadview.Needle("")
        self.owner = ""  # the agent: their callbacks show; others' do not exist here
        self.hours: leadview.Hours | None = None
        self._cursor_group: int | None = None  # the cursor contact's group when last placed
        # the cursor's contact, by id: the order list changes in place under the view
        self._cursor_id: int | None = None

    @property
    def items(self) -> dict[int, LeadItem]:
        return self.order.items

    @property
    def counts(self) -> dict[LeadBucket, int]:
        return self.order.shown_counts()

    # -- data ------------------------------------------------------------------------------

    def load(self, items: list[LeadItem]) -> None:
        keep = self._cursor_id
        self.order.load(items, self.clock.now())
        self._show(keep)

    def apply(self, leads: list[dict[str, Any]]) -> list[LeadItem]:
        """lead.changed / leads.changed: the contacts of this list that changed, in place."""
        touched = self.order.apply(leads, self.clock.now(), self.owner)
        if touched:
            self._show(None)
        return touched

    def change(self, lead: dict[str, Any]) -> bool:
        """One lead.changed event; True when the lead is in this list."""
        return bool(self.apply([lead]))

    def filter(self, needle: str) -> None:
        """Find: the call order filtered, no sort (this runs on every keystroke)."""
        self.needle = leadview.Needle(needle)
        self._show(None)

    def _show(self, keep: int | None) -> None:
        """The view again; the cursor stays on its contact while others move around it, but
        stays in place when its own contact moves away (dialled, disposed), so it lands on
        the next one."""
        old_index = self.cursor
        old_group = self._cursor_group
        if keep is None:
            keep = self._cursor_id
        needle = self.needle
        ordered = self.order.sorted
        self.view = [i for i in ordered if needle.matches(i)] if needle else ordered
        self.virtual_size = Size(self.size.width, len(self.view))
        index: int | None = 0
        kept = self.items.get(keep) if keep is not None else None
        if kept is not None:
            if self.view is ordered:
                index = self.order.index(kept)
            else:
                index = next((n for n, i in enumerate(self.view) if i is kept), None)
            if index is None or (old_group is not None and kept.key[0] != old_group):
                index = old_index
        elif keep is not None:
            index = old_index
        self.cursor = min(index or 0, max(0, len(self.view) - 1))
        self.refresh()

    def tick(self) -> list[LeadItem]:
        """Called often: the clock's own changes (a callback falling due moves to the top at
        that moment); the callbacks that just fell due."""
        now = self.clock.now()
        turn = self.order.next_turn()
        if turn is None or now < turn:
            return []
        due = self.order.advance(now)
        self._show(None)
        return due

    @property
    def current(self) -> LeadItem | None:
        if 0 <= self.cursor < len(self.view):
            return self.view[self.cursor]
        return None

    # -- movement --------------------------------------------------------------------------

    def watch_cursor(self, cursor: int) -> None:
        item = self.current
        self._cursor_group = None if item is None else item.key[0]
        self._cursor_id = None if item is None else item.id
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if cursor < top:
            self.scroll_to(y=cursor, animate=False)
        elif cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        if self.view:
            self.cursor = max(0, min(len(self.view) - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        if self.view:
            self.cursor = 0 if where == 0 else len(self.view) - 1

    def key_enter(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.view))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        if index >= len(self.view):
            return Strip.blank(width)
        item = self.view[index]
        now = self.clock.now()
        shut = self.hours.shut_until(item, now) if self.hours is not None else None
        text = row_text(item, now, width, shut)
        due = leadview.is_due_callback(item, now)
        if index == self.cursor and self.has_focus:
            style = STYLE_DUE_CURSOR if due else STYLE_CURSOR
        elif index == self.cursor:
            style = STYLE_DUE_CURSOR if due else Style(underline=True)
        elif due:
            style = STYLE_DUE
        elif leadview.is_finished(item) or shut is not None:
            style = STYLE_DIM
        else:
            style = Style()
        return Strip([Segment(text.ljust(width)[:width], style)], width)


class ListHeader(Static):
    DEFAULT_CSS = """
    ListHeader { height: 1; text-style: bold; background: $boost; }
    """

    def on_resize(self) -> None:
        self.update(header_text(self.size.width))


STATUS_LABEL = {
    "offline": ("OFFLINE", "grey50"),
    "ready": ("READY", "green"),
    "paused": ("PAUSED", "yellow"),
    "dialing": ("DIALING", "cyan"),
    "on_call": ("ON CALL", "magenta"),
    "wrapup": ("WRAP-UP", "blue"),
}


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def queue_text(states: dict[str, dict[str, Any]], mine: list[str]) -> str:
    """Who waits in the agent's queues: "sales 2 waiting (longest 1:05), 1 callback"."""
    parts = []
    for name in mine:
        state = states.get(name)
        if not state or not (state["waiting"] or state["callbacks"]):
            continue
        text = f"{name} {state['waiting']} waiting"
        if state["waiting"]:
            text += f" (longest {_clock(state['longest_wait'])})"
        if state["callbacks"]:
            text += f", {state['callbacks']} callback(s)"
        parts.append(text)
    return "; ".join(parts)


def agent_line(
    agent: dict[str, Any] | None,
    user: str,
    now: float,
    *,
    connected: bool = True,
    queues: str = "",
    tags: tuple[str, ...] = (),
) -> Text:
    """The status bar: state, campaign, phone leg, and the call in hand with the funnel tags
    picked for it; two lines, the state and the timers first, so where the screen cuts them
    (no wrap) the end is what goes (the card repeats the tags, wrapped)."""
    if agent is None:
        agent = {"status": "offline", "campaign": None, "phone": "-", "call": None}
    status = agent["status"]
    label, colour = STATUS_LABEL.get(status, (status.upper(), "white"))
    first = Text()
    if not connected:  # what the daemon last said is not the truth any more
        first.append(" NO DAEMON ", style="bold white on red")
        first.append(f"  was {label.lower()}; nothing is dialled or saved until it is back")
        first.append(f"  {user}", style="dim")
        return first
    first.append(f" {label} ", style=f"bold white on {colour}")
    if status == "paused":
        reason = agent.get("pause_reason") or ""
        first.append(f" {reason} — p when ready" if reason else " p when ready", style="yellow")
    elif agent.get("pause_after_call"):
        first.append(" pausing after this call", style="yellow")
    campaign = agent.get("campaign")
    if campaign:
        first.append(f"  {campaign['name']}", style="bold")
        state = "" if campaign["status"] == "running" else f", {campaign['status']}"
        first.append(f" ({campaign['mode']}{state})")
    if not campaign and agent.get("queues") and status != "offline":
        first.append("  inbound: " + ", ".join(agent["queues"]), style="bold")
    first.append(f"  phone: {agent.get('phone', '-')}")
    first.append(f"  {user}", style="dim")
    if queues:
        first.append(f"  {queues}", style="yellow")
    second = Text()
    call = agent.get("call")
    if call:
        second.append(" ")
        inbound = call.get("inbound") or {}
        name = call["name"] or (f"{inbound['client']} caller" if inbound.get("client") else "—")
        who = f"{name} {leadview.phone_text(call['e164'])}"
        if status == "wrapup":
            left = agent.get("wrapup_until")
            remain = f" {max(0, int(left - now))} s left —" if left else ""
            second.append(f"Wrap-up:{remain} choose 1-7 for {who}", style="bold")
        elif call["state"] == "connected":
            talk = now - (call.get("answered_at") or now)
            second.append(f"On call {_clock(talk)} with {who}  (h hangs up)", style="bold magenta")
        else:
            ring = now - (call.get("started_at") or now)
            second.append(f"Calling {who} ({call['state']} {_clock(ring)})  (h hangs up)", "cyan")
        extra = agent.get("lines", 0) - (0 if call["state"] == "connected" else 1)
        if extra > 0:
            second.append(f"  +{extra} more line(s) ringing")
        if tags:
            second.append(f"  tags: {', '.join(tags)}", style="bold green")
    elif agent.get("lines", 0):
        second.append(f" Dialling {agent['lines']} line(s)...", style="cyan")
    return Text("\n").join([first, second]) if second.plain else first


KEYS_TEXT = (
    "[b]1[/b] Done [b]2[/b] New contact [b]3[/b] No answer [b]4[/b] Voicemail [b]5[/b] Busy "
    "[b]6[/b] Wrong no. [b]7[/b] Fax [b]t[/b] Tags\n"
    "[b]d[/b] Dial [b]h[/b] Hang up [b]p[/b] Pause [b]Enter[/b] Card [b]/[/b] Find "
    "[b]x[/b] DNC [b]c[/b] Campaign [b]?[/b] Keys [b]q[/b] Quit"
)
