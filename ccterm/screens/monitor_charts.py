"""The wallboard's charts (`g` in `ccterm monitor`): today per quarter hour — dials,
connects and abandons of the campaigns you see, and each queue's service level.

The figures come from `monitor.series` every few seconds (they move with stored calls,
not with events); the plots are redrawn only when a new answer came, at most once a second.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ccterm.clock import local
from ccterm.errors import CctermError

EVERY = 5.0  # seconds between two reads of the series


def hours_axis(start: float, step: float, count: int) -> tuple[list[float], list[str]]:
    """Ticks at each full hour of the day shown, labelled HH:00."""
    per_hour = max(1, int(3600 // step))
    ticks = [float(i) for i in range(0, count, per_hour)]
    return ticks, [local(start + i * step).strftime("%H:00") for i in ticks]


def trimmed(values: list[Any]) -> int:
    """How many buckets to show: from the first with anything to the last (at least 8)."""
    used = [i for i, v in enumerate(values) if v]
    return max(8, used[-1] + 1) if used else 8


class ChartsScreen(Screen[None]):
    DEFAULT_CSS = """
    ChartsScreen PlotextPlot { height: 1fr; }
    ChartsScreen #charts-title, ChartsScreen #charts-keys { height: 1; background: $panel; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,g,q", "close", "Back to the tables"),
    ]

    def __init__(self, request: Any) -> None:
        super().__init__()
        self.request = request  # the app's request(op, args) to the daemon
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(" Today, per quarter hour", id="charts-title")
        yield PlotextPlot(id="calls")
        yield PlotextPlot(id="levels")
        yield Static(" [b]g[/b] or Esc: back to the tables", id="charts-keys")

    def on_mount(self) -> None:
        self.load()
        self.set_interval(EVERY, self.load)

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="series")
    async def load(self) -> None:
        try:
            data = await self.request("monitor.series")
        except CctermError as exc:
            self.query_one("#charts-title", Static).update(f" No charts: {exc.message}")
            return
        if data != self.data:
            self.data = data
            self.draw(data)

    def draw(self, data: dict[str, Any]) -> None:
        start, step = float(data["start"]), float(data["step"])
        dials, connects, abandons = data["dials"], data["connects"], data["abandons"]
        count = min(len(dials), trimmed([*dials]))
        ticks, labels = hours_axis(start, step, count)
        calls = self.query_one("#calls", PlotextPlot)
        plt = calls.plt
        plt.clear_data()
        plt.clear_figure()
        x = list(range(count))
        plt.title("Dials, connects and abandons")
        plt.plot(x, dials[:count], label="dials", marker="braille")
        plt.plot(x, connects[:count], label="connects", marker="braille")
        plt.bar(x, abandons[:count], label="abandons")
        plt.xticks(ticks, labels)
        calls.refresh()
        levels = self.query_one("#levels", PlotextPlot)
        plt = levels.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Service level (answered within the queue's limit / answered)")
        for queue, shares in sorted(data["service_level"].items()):
            points = [(i, s * 100) for i, s in enumerate(shares[:count]) if s is not None]
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], label=queue)
        plt.ylim(0, 100)
        plt.xticks(ticks, labels)
        levels.refresh()
