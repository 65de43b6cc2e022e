"""Reading real-world lead lists: CSV files from Excel, CRMs and hand-edited sheets.

Pure: no database, no network. `open_csv` decides whether a file can be imported at
all (and fails before anything is imported if it cannot); `read_batches` streams it
as batches of leads, rejects and a duplicate count, for the daemon to insert. Row
numbers are the ones a spreadsheet shows, so a user can find a rejected row. What
each column is (phone, name parts, priority) is `columns`' business; extensions
written after a number ("wew. 12") are split off by `phonetext` and kept as a field.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from ccterm.columns import (
    NAME_HEADERS,
    PHONE_HEADERS,
    PRIORITY_HEADERS,
    NameColumns,
    find_column,
    looks_like_data,
    name_columns,
    normalize_header,
    phone_index,
)
from ccterm.errors import ImportFileError, UsageError
from ccterm.numbers import Number, NumberBook
from ccterm.phonetext import EXTENSION_HINT, split_extension

__all__ = [
    "NAME_HEADERS",
    "PHONE_HEADERS",
    "PRIORITY_HEADERS",
    "Batch",
    "CsvLayout",
    "NameColumns",
    "Reject",
    "normalize_header",
    "open_csv",
    "read_batches",
]

_SAMPLE_CHARS = 256 * 1024
_SNIFF_RECORDS = 51  # the header and the first 50 records
_DELIMITERS = (";", ",", "\t")
_CHUNK = 1 << 20
_SIGNATURES = (
    (b"PK\x03\x04", "looks like an Excel .xlsx workbook (a zip file)"),
    (b"\xd0\xcf\x11\xe0", "looks like an old Excel .xls workbook"),
    (b"%PDF", "is a PDF document"),
    (b"\x1f\x8b", "is gzip-compressed"),
    (b"{\\rtf", "is an RTF document"),
)
_SAVE_AS_CSV = "open it in your spreadsheet and save it as 'CSV UTF-8 (comma delimited)'"
_ENCODING_HINT = (
    "save it as 'CSV UTF-8' in Excel or LibreOffice, or name its encoding, e.g. "
    "--encoding cp1250 (Polish/Czech Windows), cp1251 (Cyrillic Windows), "
    "gb18030 (Chinese), latin-1"
)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """What open_csv learnt about a file; read_batches reads it with exactly this."""

    path: Path
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    phone_index: int
    names: NameColumns
    priority_index: int | None
    size: int
    has_header: bool = True  # False: a plain list of numbers, data from the first row


@dataclass(frozen=True, slots=True)
class Reject:
    """A data row that cannot become a lead; `row` is the spreadsheet row number."""

    row: int
    reason: str
    values: tuple[str, ...]


@dataclass(slots=True)
class Batch:
    """One slice of a file. Per file, rows == len(leads) + duplicates + len(rejects)."""

    # [row, e164, name, fields, timezone, priority]: lists, to be JSON-encoded as is
    leads: list[list[Any]]
    rejects: list[Reject]
    duplicates: int
    rows: int
    bytes_read: int


def open_csv(
    path: Path | str,
    *,
    phone_column: str | None = None,
    encoding: str = "utf-8-sig",
    numbers_only: bool = False,
) -> CsvLayout:
    """Check that `path` is a readable CSV with a phone column and learn its layout.

    The whole file is decoded here, so a bad byte on row 900,000 stops the import
    before the first lead is inserted instead of leaving half a list imported.
    `numbers_only` (do-not-call lists) also takes a plain list of numbers, one a
    line without a header, as such lists usually come.
    """
    path = Path(path)
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            f"unknown encoding '{encoding}'",
            "try utf-8, cp1250, cp1251, gb18030 or latin-1",
        ) from None
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImportFileError(f"{path}: is a folder, not a CSV file")
        _check_bytes(path, codec.name, encoding)
        with open(path, encoding=encoding, newline="") as f:
            sample = f.read(_SAMPLE_CHARS)
            complete = not f.read(1)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except PermissionError:
        raise ImportFileError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read it: {exc.strerror or exc}") from None

    delimiter = _sniff_delimiter(sample, complete)
    try:
        _, first = _find_header(csv.reader(io.StringIO(sample), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not a readable CSV file: {exc}") from None
    if first is None:
        raise ImportFileError(
            f"{path}: has no header row",
            "the first row must name the columns, e.g. phone,name",
        )
    header = tuple(cell.strip().lstrip("\ufeff").strip() for cell in first)
    if numbers_only and looks_like_data(header):
        return _plain_list(path, encoding, delimiter, header, phone_column, size)
    normalized = [normalize_header(cell) for cell in header]

    phone = phone_index(path, header, normalized, phone_column)
    names = name_columns(normalized, {phone})
    priority_index = find_column(normalized, PRIORITY_HEADERS, {phone, *names.indices})
    return CsvLayout(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        phone_index=phone,
        names=names,
        priority_index=priority_index,
        size=size,
    )


def _plain_list(
    path: Path,
    encoding: str,
    delimiter: str,
    first: tuple[str, ...],
    phone_column: str | None,
    size: int,
) -> CsvLayout:
    """A list without a header: the phone is the first column that holds one in row 1,
    or the column --phone-column numbers."""
    header = tuple(f"column {i + 1}" for i in range(len(first)))
    if phone_column is not None:
        key = phone_column.strip()
        if not (key.isdigit() and 1 <= int(key) <= len(first)):
            raise ImportFileError(
                f"{path}: has no header row, so --phone-column must be a column number"
                f" (1..{len(first)}), not '{phone_column}'"
            )
        phone = int(key) - 1
    else:
        phone = next(i for i, cell in enumerate(first) if any(ch.isdigit() for ch in cell))
    return CsvLayout(path, encoding, delimiter, header, phone, NameColumns(), None, size, False)


def _check_bytes(path: Path, codec_name: str, encoding: str) -> None:
    """Refuse empty, binary and undecodable files, naming the first bad byte."""
    wide = codec_name.startswith(("utf-16", "utf-32"))
    # utf-8-sig's decoder reports error positions past the BOM it swallowed; skip the
    # BOM ourselves and decode plain UTF-8 so offsets are the file's.
    sig = codec_name == "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8" if sig else encoding)(errors="strict")
    offset = 0
    lines = 0
    with open(path, "rb") as f:
        chunk = f.read(_CHUNK)
        if not chunk:
            raise ImportFileError(f"{path}: is empty", "export the list again, with a header row")
        _check_signature(path, chunk, wide)
        if sig and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8) :]
            offset = len(codecs.BOM_UTF8)
        while chunk:
            if not wide and b"\x00" in chunk:
                at = offset + chunk.index(b"\x00")
                raise ImportFileError(
                    f"{path}: contains NUL bytes (at byte {at}): it is a binary file, not CSV",
                    _SAVE_AS_CSV,
                )
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, encoding, exc, offset, pending, lines) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
            chunk = f.read(_CHUNK)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc, offset, pending, lines) from None


def _check_signature(path: Path, head: bytes, wide: bool) -> None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise ImportFileError(f"{path}: {what}, not a CSV file", _SAVE_AS_CSV)
    if not wide and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            f"{path}: is UTF-16 text ('Unicode Text' in Excel), not UTF-8",
            "pass --encoding utf-16, or save it as 'CSV UTF-8'",
        )


def _decode_error(
    path: Path, encoding: str, exc: UnicodeDecodeError, offset: int, pending: int, lines: int
) -> ImportFileError:
    """Where the bad byte is, as a byte offset and a line number a text editor shows.

    `exc.object` is the `pending` bytes the decoder held back from the previous chunk
    (already counted in `lines`), then the chunk that starts at `offset`.
    """
    at = offset - pending + exc.start
    line = lines + 1 + exc.object[pending : max(pending, exc.start)].count(b"\n")
    bad = exc.object[exc.start : exc.start + 1]
    return ImportFileError(
        f"{path}: is not valid {encoding}: byte 0x{bad.hex()} at line {line} (byte {at})",
        _ENCODING_HINT,
    )


def _sniff_delimiter(sample: str, complete: bool) -> str:
    """';', ',' or tab: the one that splits the header widest with consistent rows.

    csv.Sniffer guesses from character frequencies and is easily fooled by commas in
    names or notes; parsing with each candidate and comparing widths is not.
    """
    best: tuple[tuple[int, int, float], str] | None = None
    for delimiter in _DELIMITERS:
        records: list[list[str]] = []
        try:
            for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
                if any(cell.strip() for cell in record):
                    records.append(record)
                    if len(records) > _SNIFF_RECORDS:
                        break
        except csv.Error:
            continue
        if not complete and len(records) <= _SNIFF_RECORDS and len(records) > 1:
            records.pop()  # the sample may end inside the last record
        if not records:
            continue
        width = len(records[0])
        data = records[1:]
        same = sum(len(record) == width for record in data) / len(data) if data else 1.0
        score = (int(width > 1 and same >= 0.8), width if width > 1 else 0, same)
        if best is None or score > best[0]:
            best = (score, delimiter)
    if best is None or best[0][1] == 0:
        return ","  # one column: any delimiter reads it
    return best[1]


def _find_header(reader: Iterator[list[str]]) -> tuple[int, list[str] | None]:
    """Skip leading blank rows; (row number of the header, header) or (rows, None)."""
    row = 0
    for record in reader:
        row += 1
        if any(cell.strip() for cell in record):
            return row, record
    return row, None


def read_batches(layout: CsvLayout, book: NumberBook, *, batch_size: int = 5000) -> Iterator[Batch]:
    """Stream the file's data rows as batches of at most `batch_size` rows.

    Every data row is exactly one of: a lead, a duplicate (its number was on an
    earlier valid row; counted, not kept) or a reject. Blank lines are not rows of
    data but still advance the row number, as in a spreadsheet. This loop runs a
    million times per big file, so it stays flat: no per-row objects but the lead list.
    """
    path = layout.path
    phone_i = layout.phone_index
    names = layout.names.indices
    name_i = names[0] if len(names) == 1 else None  # one column: read inline, it is the usual
    compose_name = layout.names.compose if len(names) > 1 else None
    prio_i = layout.priority_index
    width = len(layout.header)
    others = _field_columns(layout)
    full_row_fields = _fields_of_full_rows(others)
    parse = book.parse
    maybe_extension = EXTENSION_HINT.search
    seen: set[int] = set()  # e164 digits as ints: half the memory of a million strings

    row = 0
    try:
        # open(path, encoding=...) builds exactly this stack; building it here keeps the
        # byte stream typed as what it is, a BufferedReader, whose tell() is bytes_read.
        with (
            open(path, "rb") as raw,
            io.TextIOWrapper(raw, encoding=layout.encoding, newline="") as f,
        ):
            reader = csv.reader(f, delimiter=layout.delimiter)
            if layout.has_header:
                row, _ = _find_header(reader)
            leads: list[list[Any]] = []
            rejects: list[Reject] = []
            duplicates = 0
            rows = 0
            for record in reader:
                row += 1
                if not record:
                    continue
                rows += 1
                n = len(record)
                number = None
                extension = ""
                if n > phone_i:
                    text = record[phone_i]
                    if maybe_extension(text) is not None:
                        text, extension = split_extension(text)
                    result = parse(text)
                    if isinstance(result, Number):
                        number = result
                        reason = None
                    else:
                        reason = result.reason
                else:
                    reason = _short_row_reason(record)
                priority: int | None = 0
                if number is not None and prio_i is not None and prio_i < n:
                    text = record[prio_i].strip()
                    if text:
                        priority = _whole_number(text)
                        if priority is None:
                            reason = "priority is not a whole number"
                if number is None or priority is None:
                    rejects.append(Reject(row, reason or "not a phone number", tuple(record)))
                elif (key := int(number.e164[1:])) in seen:
                    duplicates += 1
                else:
                    seen.add(key)
                    if n == width:
                        fields = full_row_fields(record)
                    else:
                        fields = _fields(record, others, width)
                    if extension and not fields.get("extension"):
                        fields["extension"] = extension
                    if name_i is not None:
                        name = record[name_i].strip() if name_i < n else ""
                    else:
                        name = compose_name(record) if compose_name is not None else ""
                    timezone = "|".join(number.timezones)
                    leads.append([row, number.e164, name, fields, timezone, priority])
                if rows >= batch_size:
                    yield Batch(leads, rejects, duplicates, rows, raw.tell())
                    leads, rejects, duplicates, rows = [], [], 0, 0
            if rows:
                yield Batch(leads, rejects, duplicates, rows, raw.tell())
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path}: is not valid {layout.encoding} near row {row + 1}: {exc.reason}",
            _ENCODING_HINT,
        ) from None
    except csv.Error as exc:
        raise ImportFileError(f"{path}: row {row + 1} cannot be read as CSV: {exc}") from None
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file (was it moved?)") from None


def _short_row_reason(record: list[str]) -> str:
    """The reason for a row that ends before the phone column."""
    if any(cell.strip() for cell in record):
        return "missing phone column"
    return "empty phone"


def _field_columns(layout: CsvLayout) -> list[tuple[int, str]]:
    """(index, key) of the columns kept as lead fields; a repeated header gets "_N".

    A name in one column is the lead's name and not a field too; a name in parts
    keeps its parts as fields as well ("{Imię}" in a script greets by first name).
    """
    names = layout.names.indices
    special = {layout.phone_index, layout.priority_index, *(names if len(names) == 1 else ())}
    out: list[tuple[int, str]] = []
    used: set[str] = set()
    for i, header in enumerate(layout.header):
        if i in special or not header:
            continue
        key = header if header not in used else f"{header}_{i + 1}"
        used.add(key)
        out.append((i, key))
    return out


def _fields_of_full_rows(others: list[tuple[int, str]]) -> Callable[[list[str]], dict[str, str]]:
    """The lead fields of a row as wide as the header: dict literals for the usual few
    columns (a quarter of the cost of building the dict from zip), zip for many."""
    if not others:
        return lambda record: {}
    if len(others) == 1:
        ((i0, k0),) = others
        return lambda record: {k0: record[i0].strip()}
    if len(others) == 2:
        (i0, k0), (i1, k1) = others
        return lambda record: {k0: record[i0].strip(), k1: record[i1].strip()}
    if len(others) == 3:
        (i0, k0), (i1, k1), (i2, k2) = others
        return lambda record: {
            k0: record[i0].strip(),
            k1: record[i1].strip(),
            k2: record[i2].strip(),
        }
    keys = tuple(key for _, key in others)
    pick = itemgetter(*(i for i, _ in others))
    strip = str.strip
    return lambda record: dict(zip(keys, map(strip, pick(record)), strict=False))


def _fields(record: list[str], others: list[tuple[int, str]], width: int) -> dict[str, str]:
    """Fields of a row that is shorter or longer than the header."""
    n = len(record)
    fields = {h: (record[i].strip() if i < n else "") for i, h in others}
    for i in range(width, n):
        value = record[i].strip()
        if value:
            fields[f"column_{i + 1}"] = value
    return fields


def _whole_number(text: str) -> int | None:
    """'7', '+7', ' -2 ', '7.0' -> int; anything else -> None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(value) if value.is_integer() else None
