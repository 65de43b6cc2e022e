"""The wallboard's reports (`v` in `ccterm monitor`): the selected agent's day, campaign's
progress, funnel and list quality, or queue's calls — as `ccterm report` prints them —
and `e` exports the same as CSV beside you (the file named on screen)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ccterm.commands import agent_view, queue_view
from ccterm.commands.campaign_view import print_campaign_csv, print_campaign_text
from ccterm.errors import CctermError

Printer = Callable[[dict[str, Any]], None]
PRINTERS: dict[str, tuple[str, Printer, Printer]] = {  # table: (op, text, csv)
    "agents": ("report.agent", agent_view.print_text, agent_view.print_csv),
    "campaigns": ("report.campaign", print_campaign_text, print_campaign_csv),
    "queues": ("report.queue", queue_view.print_text, queue_view.print_csv),
}


def printed(printer: Printer, data: dict[str, Any]) -> str:
    """What the command line prints for `data`, as text."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        printer(data)
    return out.getvalue()


class ReportScreen(Screen[None]):
    DEFAULT_CSS = """
    ReportScreen #report-title, ReportScreen #report-keys { height: 1; background: $panel; }
    ReportScreen #report-body { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v,q", "close", "Back"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(
        self,
        table: str,
        name: str,
        request: Callable[[str, dict[str, Any]], Awaitable[Any]],
        folder: Path,
    ) -> None:
        super().__init__()
        self.table, self.subject = table, name
        self.request = request
        self.folder = folder  # where `e` writes the CSV
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        kind = self.table.rstrip("s")
        yield Static(f" Report: {kind} {self.subject} (today)", id="report-title")
        with VerticalScroll():
            yield Static("Reading…", id="report-body", markup=False)
        yield Static(" [b]e[/b] export CSV  [b]v[/b] or Esc: back", id="report-keys")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="report")
    async def load(self) -> None:
        op, text, _ = PRINTERS[self.table]
        try:
            self.data = await self.request(op, {"name": self.subject})
        except CctermError as exc:
            self.query_one("#report-body", Static).update(f"No report: {exc.message}")
            return
        assert self.data is not None
        self.query_one("#report-body", Static).update(printed(text, self.data))

    def action_export(self) -> None:
        if self.data is None:
            self.notify("Nothing to export yet", severity="warning")
            return
        _, _, csv = PRINTERS[self.table]
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.subject)
        path = self.folder / f"ccterm-report-{self.table.rstrip('s')}-{safe}.csv"
        try:
            path.write_text(printed(csv, self.data), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Cannot write {path}: {exc.strerror}", severity="error")
            return
        self.notify(f"Saved {path}")

    def action_close(self) -> None:
        self.dismiss(None)
