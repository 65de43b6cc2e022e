"""A DataTable for live boards: a cell is rendered again only when its own value changes.

Textual's DataTable keys its render caches on a count of every update, and refreshes
the whole table on each: one changed cell, or a sort, makes every visible cell go
through Rich again at the next refresh. On the wallboard, where some cell changes at
every redraw (the clocks tick), that was most of the screen's CPU. Here:

- a cell's rendering is kept by (row, column, width, style, cursor) while the value in
  the table is the same object, and by what it shows (text and style), so a value seen
  before on any row (a clock's 0:07) is not rendered again; a cell drawn at another
  place (a re-sort) gets the metadata a click reads (row, column) of its new place;
- `update_cell` and `sort` refresh only the rows that changed (a cell, or which row
  stands at a place): Textual keeps the other lines as they were drawn.

Strings are shown as they are, not read as markup. Values must be replaced
(`update_cell`), never changed in place: a rich Text mutated after it was given to the
table would keep showing its old rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

Lines = list[list[Segment]]
# the value, the row index it was drawn for, its lines there, and without the place (unplaced)
Kept = tuple[object, int, Lines, Lines]
ALIKE = 8192  # renderings kept by what they show (the clocks' values come round again)


class LiveTable(DataTable[Any]):
    """A DataTable whose unchanged cells are not rendered again (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # before DataTable's __init__, which may clear the caches
        self._kept: dict[RowKey, dict[tuple[Any, ...], Kept]] = {}  # by row, column, how
        self._alike: dict[tuple[Any, ...], Lines] = {}  # unplaced, by what it shows, how
        self._rows_refreshed_by_caller = False
        self._one_line_rows = True  # no row was added taller than a line (or of auto height)
        self._pass_styles: dict[Any, Style] | None = None  # while render_lines runs
        super().__init__(*args, **kwargs)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Lines:
        cell = self._cell(row_index, column_index)
        if cell is None:  # row labels, auto-height rows: as DataTable does
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key, height, value = cell
        how = (
            base_style,
            width,
            height,
            cursor,
            hover,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority,
            self.cursor_background_priority,
            row_index == -1,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            self.cell_padding,
            self._pseudo_class_state,
        )
        cells = self._kept.setdefault(row_key, {})
        kept = cells.get((column_index, how))
        if kept is not None and kept[0] is value:
            if kept[1] == row_index:
                return kept[2]
            bare = kept[3]
        else:
            same = signature(value)
            found = self._alike.get((same, how)) if same is not None else None
            if found is None:
                lines = super()._render_cell(
                    row_index, column_index, base_style, width, cursor, hover
                )
                bare = [[Segment(t, unplaced(style), c) for t, style, c in line] for line in lines]
                if same is not None:
                    if len(self._alike) >= ALIKE:
                        self._alike.clear()
                    self._alike[(same, how)] = bare
                cells[(column_index, how)] = (value, row_index, lines, bare)
                return lines
            bare = found
        lines = [
            [Segment(t, placed(style, row_index, column_index), c) for t, style, c in line]
            for line in bare
        ]
        cells[(column_index, how)] = (value, row_index, lines, bare)
        return lines

    def render_lines(self, crop: Region) -> list[Strip]:
        """As DataTable's; the styles it reads for each line (the widget's, a row's) are
        worked out once for the pass (each is a walk up the DOM)."""
        self._pass_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._pass_styles = None

    @property
    def rich_style(self) -> Style:
        if self._pass_styles is None:
            return super().rich_style
        style = self._pass_styles.get(None)
        if style is None:
            style = self._pass_styles[None] = super().rich_style
        return style

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        if self._pass_styles is None or row_index < max(self.fixed_rows, 0):
            return super()._get_row_style(row_index, base_style)
        key = (row_index % 2, base_style)
        style = self._pass_styles.get(key)
        if style is None:
            style = self._pass_styles[key] = super()._get_row_style(row_index, base_style)
        return style

    def _cell(self, row_index: int, column_index: int) -> tuple[RowKey, int, object] | None:
        """(row key, row height, value) of a header or body cell; None for a row label or
        a row of automatic height (DataTable patches those renderings in place)."""
        if column_index < 0:
            return None
        if row_index == -1:
            label = self.ordered_columns[column_index].label
            return self._header_row_key, self.header_height, label
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row_key is None or row is None or row.auto_height or column_key is None:
            return None
        return row_key, row.height, self._data.get(row_key, {}).get(column_key)

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        self._one_line_rows = self._one_line_rows and height == 1
        return super().add_row(*map(plain, cells), height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        """As DataTable's, but only the cell's row is drawn again (unless the column may
        widen): the rows that did not change keep their lines."""
        row_key = RowKey(row_key) if isinstance(row_key, str) else row_key
        with self._rows_only():
            super().update_cell(row_key, column_key, plain(value), update_width=update_width)
        index = self._row_locations.get(row_key)
        if update_width or index is None:
            self.refresh()
        else:
            self._refresh_rows([index])

    def sort(
        self,
        *columns: ColumnKey | str,
        key: Callable[[Any], Any] | None = None,
        reverse: bool = False,
    ) -> Self:
        """As DataTable's, but only the places where another row now stands are drawn
        again (rows of one line; taller rows: the whole table)."""
        before = [self._row_locations.get_key(index) for index in range(self.row_count)]
        with self._rows_only():
            super().sort(*columns, key=key, reverse=reverse)
        after = self._row_locations.get_key
        self._refresh_rows([i for i, was in enumerate(before) if after(i) != was])
        return self

    def _refresh_rows(self, indexes: list[int]) -> None:
        """Draw these rows again where they are on screen (rows of one line, none fixed:
        row i is line i under the header; else the whole table)."""
        if not self._one_line_rows or self.fixed_rows:
            self.refresh()
            return
        top = self.header_height if self.show_header else 0
        width, height = self.size
        scrolled = self.scroll_offset.y
        lines = [top + index - scrolled for index in indexes]
        regions = [Region(0, y, width, 1) for y in lines if top <= y < height]
        if regions:
            self.refresh(*regions)

    @contextmanager
    def _rows_only(self) -> Iterator[None]:
        """While DataTable's own step runs: its refresh of the whole table is left out
        (the caller refreshes what changed)."""
        self._rows_refreshed_by_caller = True
        try:
            yield
        finally:
            self._rows_refreshed_by_caller = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if self._rows_refreshed_by_caller and not (regions or layout or recompose):
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._kept.clear()
        self._alike.clear()

    def notify_style_update(self) -> None:
        self._kept.clear()
        self._alike.clear()
        super().notify_style_update()

    def remove_row(self, row_key: RowKey | str) -> None:
        super().remove_row(row_key)
        self._kept.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)

    def remove_column(self, column_key: ColumnKey | str) -> None:
        super().remove_column(column_key)
        self._kept.clear()
        self._alike.clear()

    def clear(self, columns: bool = False) -> Self:
        super().clear(columns)
        self._one_line_rows = True
        self._kept.clear()
        self._alike.clear()
        return self


def signature(value: object) -> tuple[Any, ...] | None:
    """What a cell shows, as a key: equal for two Texts that render the same; None for
    anything else (kept only by its own row and column)."""
    if not isinstance(value, Text):
        return None
    spans = tuple(value.spans)
    return (
        value.plain,
        value.style,
        spans,
        value.justify,
        value.overflow,
        value.no_wrap,
        value.end,
        value.tab_size,
    )


def plain(value: Any) -> Any:
    """A string as it reads: DataTable would parse it as markup ("[b]" lost, and a
    stray "[/]" in someone's free text raising at every redraw)."""
    return Text(value, end="") if isinstance(value, str) else value


_UNPLACED: dict[Style | None, Style | None] = {}
_PLACED: dict[tuple[Style | None, int, int], Style] = {}


def unplaced(style: Style | None) -> Style | None:
    """A cell's segment style without the cell's place (the metadata a click reads: row,
    column); kept as it is if it carries a link or other metadata of its own."""
    if style in _UNPLACED:
        return _UNPLACED[style]
    found = style
    if style is not None and not style.link and set(style.meta) <= {"row", "column"}:
        found = style.clear_meta_and_links()
    if len(_UNPLACED) > 50_000:  # a bound, never reached by a board of a few hundred rows
        _UNPLACED.clear()
    _UNPLACED[style] = found
    return found


def placed(style: Style | None, row_index: int, column_index: int) -> Style:
    """An unplaced style with the metadata of the cell at (row, column), as DataTable
    renders it."""
    key = (style, row_index, column_index)
    found = _PLACED.get(key)
    if found is None:
        if len(_PLACED) > 50_000:
            _PLACED.clear()
        meta = Style.from_meta({"row": row_index, "column": column_index})
        found = _PLACED[key] = style + meta if style else meta
    return found
