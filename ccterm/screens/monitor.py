"""`ccterm monitor`: the supervisor's wallboard — agents, calls, queues, campaigns, alerts.

Events from the daemon change the model (monitor_model.py) and set a dirty
flag; the first change after a quiet spell is drawn at once, then at most twice
a second, so a burst of events costs one redraw. Rows are kept by key: when
agents re-sort, the cursor stays on the agent it was on. The tables are
LiveTables (livetable.py): a cell goes through Rich again only when it shows
something new. The keys' actions live in monitor_keys.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from ccterm.app import Banner, CctermApp, Connected, DaemonEvent, Disconnected, Refused
from ccterm.clock import Clock, monotonic
from ccterm.errors import CctermError, RemoteError
from ccterm.screens import monitor_view as view
from ccterm.screens.livetable import LiveTable
from ccterm.screens.monitor_keys import MonitorKeys
from ccterm.screens.monitor_model import Floor

FLUSH = 0.5  # seconds: the most often the wallboard redraws (events are batched till then)
TABLES = ("agents", "calls", "queues", "campaigns")
TITLES = {"agents": "Agents", "calls": "Calls", "queues": "Queues", "campaigns": "Campaigns"}
COLUMNS = {
    "agents": view.AGENT_COLUMNS,
    "calls": view.CALL_COLUMNS,
    "queues": view.QUEUE_COLUMNS,
    "campaigns": view.CAMPAIGN_COLUMNS,
}
KEYS = {
    "agents": "[b]l[/b] listen [b]w[/b] whisper [b]b[/b] barge [b]s[/b] stop [b]m[/b] message "
    "[b]p[/b] pause [b]o[/b] log out [b]Space[/b] tag",
    "campaigns": "[b]s[/b] start [b]p[/b] pause [b]x[/b] stop [b]r[/b] ratio [b]c[/b] cap",
    "calls": "",
    "queues": "",
}
ALWAYS = (
    "[b]/[/b] filter [b]Tab[/b] next table [b]v[/b] report [b]g[/b] charts [b]?[/b] keys"
    " [b]q[/b] quit"
)
KEY_LINES = {  # parsed once: the line is put at every redraw
    name: Text.from_markup(f"{keys}  {ALWAYS}" if keys else ALWAYS) for name, keys in KEYS.items()
}
NO_DAY: dict[str, Any] = {}  # an agent without today's figures (read only)
Fixed = tuple[tuple[Any, ...], list[Any]]  # a row's cells but its clocks, and their sources
TALL = 40  # rows from which every table shows at once; below, one table at a time
TODAY_EVERY = 15.0  # seconds between two reads of the day's figures


def kept_cells(kept: dict[str, Fixed], key: str, sources: tuple[Any, ...]) -> list[Any] | None:
    """A row's cells that do not move with the clock, as made last time if made from the
    same objects (the model replaces an agent's or a call's data on each event)."""
    was = kept.get(key)
    if was is not None and all(a is b for a, b in zip(was[0], sources, strict=True)):
        return was[1]
    return None


class MonitorScreen(MonitorKeys, Screen[None]):
    DEFAULT_CSS = """
    MonitorScreen #summary { height: auto; max-height: 6; background: $panel; }
    MonitorScreen #tabs { height: 1; }
    MonitorScreen DataTable { height: 1fr; }
    MonitorScreen #agents { height: 2fr; }
    MonitorScreen DataTable.titled { border-top: solid $accent; border-title-align: left; }
    MonitorScreen.compact DataTable.titled { border-top: none; }
    MonitorScreen.compact DataTable { display: none; }
    MonitorScreen.compact DataTable.current { display: block; height: 1fr; }
    MonitorScreen #alerts { height: auto; max-height: 5; }
    MonitorScreen.compact #alerts { max-height: 2; }
    MonitorScreen #filter { display: none; height: 3; }
    MonitorScreen #filter.shown { display: block; }
    MonitorScreen #keys { height: auto; background: $panel; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_table(1)", "Next table", priority=True),
        Binding("shift+tab", "next_table(-1)", "Previous table", priority=True),
        Binding("l", "monitor('listen')", "Listen"),
        Binding("w", "monitor('whisper')", "Whisper"),
        Binding("b", "barge", "Barge"),
        Binding("s", "s_key", "Stop / start"),
        Binding("m", "message", "Message"),
        Binding("p", "pause", "Pause"),
        Binding("o", "logout", "Log out"),
        Binding("x", "stop_campaign", "Stop campaign"),
        Binding("r", "ratio", "Ratio"),
        Binding("c", "cap", "Abandon cap"),
        Binding("space", "tag", "Tag"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("g", "charts", "Charts"),
        Binding("v", "report", "Report"),
        Binding("question_mark", "help", "Keys"),
        Binding("q", "quit_monitor", "Quit"),
    ]

    def __init__(self, clock: Clock, steps: tuple[float, ...] = view.STEPS) -> None:
        super().__init__()
        self.clock = clock
        self.steps = steps
        self.floor = Floor()
        self.user = ""
        self.role = ""
        self.group = ""
        self.current = "agents"
        self.tagged: set[str] = set()
        self.needle = ""
        self._dirty = True
        self._pending: Timer | None = None  # the redraw asked for, if one is
        self._drawn = 0.0  # when the last redraw was (monotonic)
        self.online = False
        self.listening: str | None = None
        self.shown: dict[str, list[tuple[str, list[Any]]]] = {name: [] for name in TABLES}
        self.texts: dict[str, Text] = {}  # what the summary and alerts show now
        self.fixed: dict[str, dict[str, Fixed]] = {name: {} for name in TABLES}  # kept_cells

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        yield Static(id="summary")
        yield Static(id="tabs")
        for name in TABLES:
            table = LiveTable(id=name, cursor_type="row", zebra_stripes=True, classes="titled")
            table.border_title = TITLES[name]
            for key, title in COLUMNS[name]:
                table.add_column(title, key=key)
            yield table
        yield Static(id="alerts")
        yield Input(
            placeholder="filter: any text in a row; Enter keeps it, Esc clears", id="filter"
        )
        yield Static(id="keys", markup=True)

    @property
    def dirty(self) -> bool:
        return self._dirty

    @dirty.setter
    def dirty(self, value: bool) -> None:
        """Something to show: redrawn at once after a quiet spell (a change shows within
        milliseconds), else batched to at most one redraw per FLUSH under a busy floor."""
        self._dirty = value
        if value and self._pending is None and self.is_mounted:
            wait = max(0.001, self._drawn + FLUSH - monotonic())  # (a timer needs > 0)
            self._pending = self.set_timer(wait, self.flush)

    def on_mount(self) -> None:
        self.flush()
        self.set_interval(1.0, self.tick)
        self.set_interval(TODAY_EVERY, self.refresh_today)
        self.layout_for(self.size.height)
        self.show_table("agents")
        self.flush()

    def on_resize(self, event: events.Resize) -> None:
        self.layout_for(event.size.height)

    def layout_for(self, height: int) -> None:
        self.set_class(height < TALL, "compact")

    def tick(self) -> None:
        """Once a second: the clocks in the tables and the summary move."""
        self.dirty = True

    def table(self, name: str | None = None) -> DataTable[Any]:
        return self.query_one(f"#{name or self.current}", DataTable)

    # -- drawing ----------------------------------------------------------------------------

    def rows(self, name: str, now: float) -> list[tuple[str, list[Any]]]:
        floor = self.floor
        out: list[tuple[str, list[Any]]] = []
        kept, self.fixed[name] = self.fixed[name], {}  # rows gone are dropped
        sources: tuple[Any, ...]
        if name == "agents":
            for agent in floor.agent_list():
                key = agent["name"]
                today = floor.today.get(key, NO_DAY)  # (one object: the row's cells are kept)
                tagged = key in self.tagged
                sources = (agent, today, tagged)
                fixed = kept_cells(kept, key, sources) or view.agent_fixed(
                    agent, today, tagged=tagged
                )
                self.fixed[name][key] = (sources, fixed)
                out.append((key, view.agent_clocks(fixed, agent, now, self.steps)))
        elif name == "calls":
            for call in floor.call_list():
                key = str(call["id"])
                campaign = floor.campaigns.get(call.get("campaign_id") or -1)
                sources = (call, campaign)
                fixed = kept_cells(kept, key, sources) or view.call_fixed(call, floor)
                self.fixed[name][key] = (sources, fixed)
                out.append((key, view.call_clocks(fixed, call, now)))
        elif name == "queues":
            out = [(q, view.queue_cells(data)) for q, data in sorted(floor.queues.items())]
        else:
            campaigns = sorted(floor.campaigns.values(), key=lambda c: str(c["name"]).casefold())
            out = [(str(c["id"]), view.campaign_cells(c, floor)) for c in campaigns]
        return [(key, cells) for key, cells in out if view.matches(cells, self.needle)]

    def flush(self) -> None:
        """Redraw what changed since the last time, if anything did."""
        self._pending = None
        if not self._dirty:
            return
        self._dirty = False
        self._drawn = monotonic()
        now = self.clock.now()
        try:
            if self.online:
                self.put("#summary", view.summary(self.floor, now, self.user, self.role))
            for name in TABLES:
                self.sync(name, self.rows(name, now))
            self.put("#alerts", view.alert_lines(self.floor, now))
            self.show_tabs()
        except NoMatches:  # a redraw that fired while the app was taking the screen down
            return

    def put(self, selector: str, text: Text) -> None:
        """A Static's new text, only when it differs (a re-render costs more than a compare)."""
        if not view.same(self.texts.get(selector), text):
            self.texts[selector] = text
            self.query_one(selector, Static).update(text)

    def sync(self, name: str, rows: list[tuple[str, list[Any]]]) -> None:
        """Make the table show `rows` with as little work as the change needs: rows gone
        removed, new ones added, changed cells updated (widths measured again only when
        a cell grows), and a new order by a sort in place (the agents, by their unique
        name) rather than a rebuild. The cursor stays on the row (key) it was on."""
        table = self.table(name)
        before = dict(self.shown[name])
        self.shown[name] = rows
        wanted = {key: cells for key, cells in rows}
        selected = self.selected(name) if table.row_count else None
        columns = [key for key, _ in COLUMNS[name]]
        for key in before.keys() - wanted.keys():
            table.remove_row(key)
        order = [k for k in before if k in wanted]
        for key, cells in rows:
            old = before.get(key)
            if old is None:
                table.add_row(*cells, key=key)
                order.append(key)
                continue
            for column, was, cell in zip(columns, old, cells, strict=True):
                if not view.same(was, cell):
                    # measured only when wider than the column: DataTable measures a whole
                    # column again when told of a cell narrower than it
                    wider = view.width(cell) > table.columns[ColumnKey(column)].content_width
                    table.update_cell(key, column, cell, update_width=wider)
        keys = [k for k, _ in rows]
        if order != keys:
            if name == "agents":  # names are unique: sort in place by the order wanted
                place = {k: i for i, k in enumerate(keys)}
                table.sort("name", key=lambda agent: place.get(str(agent), 0))
            else:
                table.clear()
                for key, cells in rows:
                    table.add_row(*cells, key=key)
        if rows:
            index = keys.index(selected) if selected in keys else table.cursor_row
            if index != table.cursor_row or selected not in keys:
                table.move_cursor(row=max(0, min(index, len(rows) - 1)), animate=False)

    def selected(self, name: str | None = None) -> str | None:
        """The key of the row under the cursor (an agent's name, a campaign's id)."""
        name = name or self.current
        shown = self.shown[name]
        table = self.table(name)
        if not shown or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def show_tabs(self) -> None:
        tabs = Text(" ")
        for name in TABLES:
            count = len(self.shown[name])
            label = f" {TITLES[name]} {count} "
            tabs.append(label, style="reverse bold" if name == self.current else "")
            tabs.append(" ")
        if self.needle:
            tabs.append(f"  filter: {self.needle}", style="yellow")
        if self.tagged:
            tabs.append(f"  tagged: {len(self.tagged)}", style="bold")
        if self.listening:
            tabs.append(f"  listening: {self.listening}", style="bold magenta")
        self.put("#tabs", tabs)
        self.put("#keys", KEY_LINES[self.current])

    def show_table(self, name: str) -> None:
        for other in TABLES:
            self.table(other).set_class(other == name, "current")
        self.current = name
        self.table(name).focus()
        self.show_tabs()

    @on(events.DescendantFocus)
    def focused_table(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, DataTable) and widget.id in TABLES and widget.id != self.current:
            self.show_table(str(widget.id))

    # -- the connection ---------------------------------------------------------------------

    def banner(self, text: str | None) -> None:
        banner = self.query_one(Banner)
        banner.update(text or "")
        banner.set_class(bool(text), "shown")

    def connected(self, message: Connected) -> None:
        hello = message.hello
        self.user, self.role, self.group = hello["user"], hello["role"], hello.get("group", "")
        self.online = True
        self.floor = Floor()
        self.floor.hello(hello.get("snapshot") or {})
        self.banner(None)
        if message.reconnect:
            self.notify("Reconnected to the daemon")
        self.dirty = True
        self.load()

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        """The group's users, then the whole floor; an older daemon has no monitor.snapshot:
        agents then appear as their events arrive."""
        try:
            users = await self.app_.request("user.list")
            self.floor.roster(users.get("users", []))
        except CctermError as exc:
            self.notify(exc.message, severity="error")
        try:
            snap = await self.app_.request("monitor.snapshot")
        except RemoteError as exc:
            if exc.code != "unknown_op":
                self.notify(exc.message, severity="error")
        except CctermError as exc:
            self.notify(exc.message, severity="error")
        else:
            self.floor.load(snap)
        self.dirty = True

    @work(exclusive=True, group="today")
    async def refresh_today(self) -> None:
        """The day's counts (calls, talk, service level) move with stored calls, not events:
        read again now and then, cheaply (one snapshot)."""
        if not self.online or not self.floor.full:
            return
        try:
            snap = await self.app_.request("monitor.snapshot")
        except CctermError:
            return
        self.floor.refresh_today(snap)
        self.dirty = True

    def disconnected(self, message: Disconnected) -> None:
        self.online = False
        self.banner(f" No daemon: {message.reason}. Reconnecting by itself…")

    def event(self, message: DaemonEvent) -> None:
        if message.name == "daemon.stopping":
            self.banner(" The daemon is stopping — reconnecting when it is back…")
        elif message.name == "monitor.ended":  # our phone hung up or never answered
            self.listening = None
            self.dirty = True
            self.notify(str(message.data.get("reason", "")), severity="warning", timeout=10)
        elif self.floor.apply(message.name, message.data):
            self.dirty = True
            if message.name == "alert.raised":
                self.notify(str(message.data.get("text", "")), title="Alert", severity="warning")

    # -- filter -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.needle = ""
        self.dirty = True
        self.table().focus()

    @on(Input.Changed, "#filter")
    def filtering(self, event: Input.Changed) -> None:
        self.needle = event.value.strip()
        self.dirty = True
        self.flush()

    @on(Input.Submitted, "#filter")
    def filtered(self, event: Input.Submitted) -> None:
        self.table().focus()

    def action_next_table(self, step: int) -> None:
        index = TABLES.index(self.current)
        self.show_table(TABLES[(index + step) % len(TABLES)])


class MonitorApp(CctermApp):
    """The supervisor's TUI: the shell's connection plus the wallboard."""

    TITLE = "ccterm monitor"

    def __init__(
        self,
        socket: Path | str,
        *,
        clock: Clock | None = None,
        act_as: str | None = None,
        steps: tuple[float, ...] = view.STEPS,
    ) -> None:
        super().__init__(socket, clock=clock, act_as=act_as, client_name="monitor")
        self.board = MonitorScreen(self.clock, steps)
        self.error_text = ""

    def on_mount(self) -> None:
        self.push_screen(self.board)
        super().on_mount()

    def on_connected(self, message: Connected) -> None:
        role = message.hello.get("role")
        if role not in ("supervisor", "admin"):
            self.error_text = (
                f"ccterm monitor is for supervisors and admins; you ({message.hello['user']})"
                f" are {'an' if str(role)[:1] in 'aeiou' else 'a'} {role}"
                "\n  hint: agents work with `ccterm agent`; an admin gives the supervisor role"
                " in config.toml"
            )
            self.exit(77, return_code=77)
            return
        self.board.connected(message)

    def on_disconnected(self, message: Disconnected) -> None:
        self.board.disconnected(message)

    def on_daemon_event(self, message: DaemonEvent) -> None:
        self.board.event(message)

    def on_refused(self, message: Refused) -> None:
        self.error_text = message.error.message + (
            f"\n  hint: {message.error.hint}" if message.error.hint else ""
        )
        self.exit(77, return_code=77)
