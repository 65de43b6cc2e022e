"""A DataTable for live boards: a cell is rendered again only when its own value changes.

Textual's DataTable keys its render caches on a count of every update: one changed cell,
or a sort, makes every visible cell go through Rich again at the next refresh. On the
wallboard, where some cell changes at every redraw (the clocks tick), that was most of
the screen's CPU. Here each body cell's rendering is kept by (row, column, width, style,
cursor) while the value in the table is the same object; a row that only moved (a
re-sort) gets its cells' mouse metadata (row, column) rewritten instead of a new render.

Strings are shown as they are, not read as markup. Values must be replaced
(`update_cell`), never changed in place: a rich Text mutated after it was given to the
table would keep showing its old rendering.
"""

from __future__ import annotations

from typing import Any, Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

Lines = list[list[Segment]]
Kept = tuple[object, int, Lines]  # the value, the row index it was rendered at, its lines
ALIKE = 8192  # renderings kept by what they show (the clocks' values come round again)


class LiveTable(DataTable[Any]):
    """A DataTable whose unchanged cells are not rendered again (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # before DataTable's __init__, which may clear the caches
        self._kept: dict[RowKey, dict[tuple[Any, ...], Kept]] = {}  # by row, column, how
        self._alike: dict[tuple[Any, ...], Lines] = {}  # by what the cell shows, how
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
        found = self._cell(row_index, column_index)
        if found is None:  # row labels, auto-height rows: as DataTable does
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key, height, value = found
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
            lines = moved(kept[2], row_index, column_index)
        else:
            same = signature(value)
            alike = self._alike.get((same, how)) if same is not None else None
            if alike is not None:
                lines = moved(alike, row_index, column_index)
            else:
                lines = super()._render_cell(
                    row_index, column_index, base_style, width, cursor, hover
                )
                if same is not None:
                    if len(self._alike) >= ALIKE:
                        self._alike.clear()
                    self._alike[(same, how)] = lines
        cells[(column_index, how)] = (value, row_index, lines)
        return lines

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
        return super().add_row(*map(plain, cells), height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, plain(value), update_width=update_width)

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


def moved(lines: Lines, row_index: int, column_index: int) -> Lines:
    """A cell's rendering at another row: the same segments with the metadata the table
    reads on a click or hover (row, column) for the new place."""
    return [
        [
            Segment(text, at(style, row_index, column_index), control)
            for text, style, control in line
        ]
        for line in lines
    ]


_AT: dict[tuple[Style | None, int, int], Style] = {}


def at(style: Style | None, row_index: int, column_index: int) -> Style:
    """`style` with the metadata of the cell at (row, column), as the table renders it."""
    key = (style, row_index, column_index)
    found = _AT.get(key)
    if found is None:
        if len(_AT) > 50_000:  # a bound, never reached by a board of a few hundred rows
            _AT.clear()
        meta = Style.from_meta({"row": row_index, "column": column_index})
        found = _AT[key] = style + meta if style else meta
    return found
