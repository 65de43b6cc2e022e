"""LiveTable draws exactly what Textual's DataTable draws (text, colours, and the row and
column a click or hover reads), through updates, re-sorts, the cursor and scrolling; it
only renders less. Guards the widget against a Textual whose DataTable changed inside."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable

from ccterm.screens.livetable import LiveTable

COLUMNS = ("name", "state", "time", "note")
HEIGHT = 8  # a header and 7 rows shown of 20: most rows are off the screen


def cells(n: int, second: int = 0) -> list[Any]:
    return [
        f"agent {n:02d}",
        Text("READY" if n % 3 else "ON CALL", style="green" if n % 3 else "bold magenta"),
        Text(f"0:{(n + second) % 60:02d} " + "!" * (n % 4), style=("", "green", "yellow")[n % 3]),
        "",
    ]


class Pair(App[None]):
    CSS = "DataTable { height: 8; width: 70; }"
    AUTO_FOCUS = None  # neither table has the focus (its cursor looks different)

    def compose(self) -> ComposeResult:
        for table in (DataTable(id="stock"), LiveTable(id="live")):
            table.cursor_type = "row"
            table.zebra_stripes = True
            for key in COLUMNS:
                table.add_column(key.title(), key=key)
            for n in range(20):
                table.add_row(*cells(n), key=f"a{n:02d}")
            yield table

    def tables(self) -> list[DataTable[Any]]:
        return [self.query_one("#stock", DataTable), self.query_one("#live", DataTable)]


def drawn(table: DataTable[Any]) -> list[list[tuple[str, Any, Any]]]:
    """Every line on screen, as Textual keeps it between refreshes (a line left out of a
    refresh shows as it was): each segment's text, style and the metadata a click reads."""
    lines = []
    for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height)):
        segments: list[Segment] = list(strip)
        lines.append([(s.text, s.style, s.style.meta if s.style else None) for s in segments])
    return lines


async def same_on_both(app: Pair, pilot: Any) -> list[list[tuple[str, Any, Any]]]:
    await pilot.pause()
    stock, live = app.tables()
    assert drawn(live) == drawn(stock)
    return drawn(live)


def text_of(line: list[tuple[str, Any, Any]]) -> str:
    return "".join(text for text, _, _ in line)


async def test_live_table_draws_what_data_table_draws() -> None:
    app = Pair()
    async with app.run_test(size=(150, 20)) as pilot:
        await same_on_both(app, pilot)
        for second in (1, 2):  # the clocks tick: every row's time cell, on and off screen
            for table in app.tables():
                for n in range(20):
                    table.update_cell(f"a{n:02d}", "time", cells(n, second)[2])
            await same_on_both(app, pilot)
        for table in app.tables():  # a re-sort: rows move, unchanged, to other places
            table.sort("name", key=lambda name: -int(str(name).split()[1]))
            table.move_cursor(row=3)
        lines = await same_on_both(app, pilot)
        assert "agent 19" in text_of(lines[1])
        for table in app.tables():  # the same words as other rows show, in another colour
            table.update_cell("a19", "state", Text("READY", style="red"))
        await same_on_both(app, pilot)
        for table in app.tables():  # scrolled down: the same, lines under the header
            table.move_cursor(row=15)
        await same_on_both(app, pilot)
        for table in app.tables():  # rows near the bottom, on screen only when scrolled
            for row in range(12, 16):
                table.update_cell_at(Coordinate(row, 2), Text(f"9:{row:02d}"))
        await same_on_both(app, pilot)
        for table in app.tables():
            table.sort("time", key=str)
        await same_on_both(app, pilot)
        for table in app.tables():  # a cell grows: the column widens
            table.update_cell("a18", "note", "a longer note", update_width=True)
            table.remove_row("a17")
        await same_on_both(app, pilot)
        stock, live = app.tables()
        stock.focus()
        await pilot.pause()
        focused = drawn(stock)
        live.focus()
        await pilot.pause()
        assert drawn(live) == focused


async def test_an_off_screen_row_shows_its_new_values_once_scrolled_into_view() -> None:
    app = Pair()
    async with app.run_test(size=(150, 20)) as pilot:
        await same_on_both(app, pilot)
        for table in app.tables():
            table.update_cell("a19", "state", Text("PAUSED", style="yellow"))
            table.update_cell("a19", "note", "lunch", update_width=True)
            table.move_cursor(row=19)  # scrolls it into view
        lines = await same_on_both(app, pilot)
        assert "PAUSED" in text_of(lines[-1]) and "lunch" in text_of(lines[-1])


async def test_strings_are_shown_as_written_not_read_as_markup() -> None:
    app = Pair()
    async with app.run_test(size=(150, 20)) as pilot:
        live = app.query_one("#live", LiveTable)
        live.update_cell("a00", "note", "[/] [b]back[/b] soon", update_width=True)
        await pilot.pause()
        assert "[/] [b]back[/b] soon" in text_of(drawn(live)[1])
