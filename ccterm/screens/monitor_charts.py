"""The wallboard's charts (`g` in `ccterm monitor`): today per quarter hour — dials,
connects and abandons of the campaigns you see, and each queue's service level.

The figures come from `monitor.series` every few seconds (they move with stored calls,
not with events); the plots are redrawn only when a new answer came, at most once a second.
"""

from __future__ import annotations

import math
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
LABEL = 6  # both charts' y labels this wide, so their quarters line up column for column
PERCENTS = [0.0, 25.0, 50.0, 75.0, 100.0]


def hours_axis(start: float, step: float, first: int, count: int) -> tuple[list[float], list[str]]:
    """Ticks at each full hour in the buckets shown, labelled HH:00."""
    per_hour = max(1, int(3600 // step))
    ticks = [float(i) for i in range(first, count) if i % per_hour == 0]
    return ticks, [local(start + i * step).strftime("%H:00") for i in ticks]


def window(values: list[Any], count: int) -> int:
    """The first bucket to show: an hour before the day's first call (the working day, not
    the night before it), and at least the last two hours."""
    used = [i for i, v in enumerate(values) if v]
    first = max(0, used[0] - 4) if used else count
    return max(0, min(first, count - 8))


def counts_ticks(top: float) -> list[float]:
    """Whole numbers on a count axis (plotext would label 0.17, 0.33 ... for a top of 1)."""
    step = max(1, math.ceil(top / 5))
    return [float(n) for n in range(0, int(top) + step, step)]


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
        count = len(dials)
        first = window(dials, count)
        ticks, labels = hours_axis(start, step, first, count)
        calls = self.query_one("#calls", PlotextPlot)
        plt = calls.plt
        plt.clear_data()
        plt.clear_figure()
        x = list(range(first, count))
        plt.title("Dials, connects and abandons")
        plt.plot(x, dials[first:], label="dials", marker="braille")
        plt.plot(x, connects[first:], label="connects", marker="braille")
        # a bar of height 0 still draws a dash on the axis: only the quarters with abandons
        hit = [(i, n) for i, n in zip(x, abandons[first:], strict=True) if n]
        if hit:
            plt.bar([i for i, _ in hit], [n for _, n in hit], label="abandons")
        top = max([1, *dials[first:], *connects[first:]])
        plt.ylim(0, top)
        steps = counts_ticks(top)
        plt.yticks(steps, [f"{n:>{LABEL}.0f}" for n in steps])
        plt.xlim(first, count - 1)
        plt.xticks(ticks, labels)
        calls.refresh()
        levels = self.query_one("#levels", PlotextPlot)
        plt = levels.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Occupancy (on a call or wrapping up / logged in) and queues' service level")
        busy = data.get("occupancy") or []
        points = [(i, s * 100) for i, s in enumerate(busy) if s is not None and i >= first]
        if points:
            plt.plot([p[0] for p in points], [p[1] for p in points], label="occupancy %")
        for queue, shares in sorted(data["service_level"].items()):
            points = [(i, s * 100) for i, s in enumerate(shares) if s is not None and i >= first]
            if points:
                plt.plot([p[0] for p in points], [p[1] for p in points], label=f"SL {queue} %")
        plt.ylim(0, 100)
        plt.yticks(PERCENTS, [f"{n:.0f}%".rjust(LABEL) for n in PERCENTS])
        plt.xlim(first, count - 1)  # the same quarters as the chart above, aligned
        plt.xticks(ticks, labels)
        levels.refresh()
