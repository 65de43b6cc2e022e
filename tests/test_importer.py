"""Reading messy real-world CSV files: what a user checks after `ccterm import`."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest

from ccterm.columns import FIRST_NAME_HEADERS, MIDDLE_NAME_HEADERS, SURNAME_HEADERS
from ccterm.errors import ImportFileError, UsageError
from ccterm.importer import (
    NAME_HEADERS,
    PHONE_HEADERS,
    PRIORITY_HEADERS,
    Batch,
    CsvLayout,
    Reject,
    normalize_header,
    open_csv,
    read_batches,
)
from ccterm.numbers import NumberBook
from ccterm.rejects import reject_path, write_rejects

WARSAW = "Europe/Warsaw"


@pytest.fixture(scope="module")
def book() -> NumberBook:
    return NumberBook("PL")


def write(tmp_path: Path, data: bytes, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, book: NumberBook, **kwargs: Any) -> tuple[CsvLayout, Batch]:
    """The whole file as one batch (after checking the per-file counts add up)."""
    layout = open_csv(path, **{k: v for k, v in kwargs.items() if k != "batch_size"})
    total = Batch([], [], 0, 0, 0)
    for batch in read_batches(layout, book, batch_size=kwargs.get("batch_size", 5000)):
        total.leads += batch.leads
        total.rejects += batch.rejects
        total.duplicates += batch.duplicates
        total.rows += batch.rows
        total.bytes_read = batch.bytes_read
    assert total.rows == len(total.leads) + total.duplicates + len(total.rejects)
    return layout, total


# --- encodings, delimiters, line ends -------------------------------------------------


def test_utf8_with_bom_semicolons_and_crlf(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, "\ufeffImię;Telefon\r\nJan Kowalski;601 234 567\r\n".encode())
    layout, batch = read_all(path, book)
    assert layout.delimiter == ";"
    assert layout.header == ("Imię", "Telefon")
    assert (layout.phone_index, layout.names.indices) == (1, (0,))
    assert layout.size == path.stat().st_size
    assert batch.leads == [[2, "+48601234567", "Jan Kowalski", {}, WARSAW, 0]]


def test_utf8_without_bom_commas_and_lf(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, "name,phone,city\nZażółć Gęślą,+48 601 234 567,Łódź\n".encode())
    layout, batch = read_all(path, book)
    assert layout.delimiter == ","
    assert layout.header == ("name", "phone", "city")
    assert batch.leads == [[2, "+48601234567", "Zażółć Gęślą", {"city": "Łódź"}, WARSAW, 0]]


def test_tab_separated(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, b"phone\tname\tnote\n601234567\tJan\thas, commas; and semicolons\n")
    layout, batch = read_all(path, book)
    assert layout.delimiter == "\t"
    assert batch.leads[0][3] == {"note": "has, commas; and semicolons"}


def test_semicolon_file_with_unquoted_commas_in_values(tmp_path: Path, book: NumberBook) -> None:
    rows = "".join(f"Nowak, Anna {i};60123456{i};ul. Długa {i}, Kraków\n" for i in range(5))
    path = write(tmp_path, ("nazwisko;telefon;adres\n" + rows).encode())
    layout, batch = read_all(path, book)
    assert layout.delimiter == ";"
    assert len(batch.leads) == 5
    assert batch.leads[0][2] == "Nowak, Anna 0", "a surname column alone is the name"
    assert batch.leads[0][3] == {"adres": "ul. Długa 0, Kraków"}


def test_single_column_file(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, b"phone\n601234567\n602345678\n")
    layout, batch = read_all(path, book)
    assert layout.header == ("phone",)
    assert [lead[1] for lead in batch.leads] == ["+48601234567", "+48602345678"]


def test_quoted_fields_with_separators_and_newlines_keep_spreadsheet_rows(
    tmp_path: Path, book: NumberBook
) -> None:
    data = (
        "name,phone,note\r\n"
        '"Kowalski, Jan",601234567,"first line\r\nsecond line, with comma"\r\n'
        '"Nowak ""Ania""",602 345 678,"a\nb\nc"\r\n'
        "\r\n"
        "Wiśniewski,603456789,plain\r\n"
        "Bad,12,too short\r\n"
    ).encode()
    _, batch = read_all(write(tmp_path, data), book)
    assert [lead[0] for lead in batch.leads] == [2, 3, 5]  # row 4 is the blank line
    assert batch.leads[0][2] == "Kowalski, Jan"
    assert batch.leads[0][3] == {"note": "first line\r\nsecond line, with comma"}
    assert batch.leads[1][2] == 'Nowak "Ania"'
    assert batch.rejects == [Reject(6, "too short for PL", ("Bad", "12", "too short"))]
    assert batch.rows == 4  # the blank line is not a data row


def test_blank_lines_before_the_header_count_as_rows(tmp_path: Path, book: NumberBook) -> None:
    _, batch = read_all(write(tmp_path, b"\n\nphone\n601234567\n"), book)
    assert batch.leads[0][0] == 4


# --- headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "index"),
    [
        ("имя;телефон", 1),
        ("姓名,电话", 1),
        ("电话号码,姓名", 0),
        ("Imię i nazwisko;Nr telefonu", 1),
        ("nazwa;numer", 1),
        ("klient;telefon komórkowy", 1),
        ("ФИО;Номер телефона", 1),
        ("Name,Phone Number", 1),
        ("name,customer number,mobile", 2),  # "number" is the weakest phone header
        ("NAME,TEL.", 1),
        ("kto;telefon kontaktowy", 1),  # no exact name: a phone word starts the header
        ("id,Mobile Phone #", 1),
    ],
)
def test_phone_column_found_by_header_in_many_languages(
    tmp_path: Path, book: NumberBook, header: str, index: int
) -> None:
    delimiter = ";" if ";" in header else ","
    cells = ["X"] * len(header.split(delimiter))
    cells[index] = "601234567"
    path = write(tmp_path, f"{header}\n{delimiter.join(cells)}\n".encode())
    layout, batch = read_all(path, book)
    assert layout.phone_index == index
    assert batch.leads[0][1] == "+48601234567"


def test_header_lists_are_normalised() -> None:
    for name in (
        PHONE_HEADERS
        + NAME_HEADERS
        + FIRST_NAME_HEADERS
        + MIDDLE_NAME_HEADERS
        + SURNAME_HEADERS
        + PRIORITY_HEADERS
    ):
        assert normalize_header(name) == name, name
    assert normalize_header(" Phone_No. ") == "phoneno"
    assert normalize_header("№ телефона") == "телефона"


def test_phone_column_by_name_and_by_number(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, b"name;kontakt;inny\nJan;601234567;602345678\n")
    by_name = open_csv(path, phone_column="KONTAKT")
    assert by_name.phone_index == 1
    by_number = open_csv(path, phone_column="3")
    assert by_number.phone_index == 2
    _, batch = read_all(path, book, phone_column="3")
    assert batch.leads[0][1:4] == ["+48602345678", "Jan", {"kontakt": "601234567"}]


def test_unknown_phone_column_lists_the_headers(tmp_path: Path) -> None:
    path = write(tmp_path, b"name;kontakt\nJan;601234567\n")
    with pytest.raises(ImportFileError) as err:
        open_csv(path, phone_column="telefon")
    assert str(path) in err.value.message
    assert "'name', 'kontakt'" in err.value.message
    with pytest.raises(ImportFileError):
        open_csv(path, phone_column="9")


def test_no_phone_column_names_the_file_and_the_headers(tmp_path: Path) -> None:
    path = write(tmp_path, b"name,city\nJan,Warszawa\n")
    with pytest.raises(ImportFileError) as err:
        open_csv(path)
    assert str(path) in err.value.message
    assert "'name', 'city'" in err.value.message
    assert "--phone-column" in err.value.hint


def test_file_without_a_header_row_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"Jan,601234567\nAnna,602345678\n")
    with pytest.raises(ImportFileError, match="header"):
        open_csv(path)
    with pytest.raises(ImportFileError, match="looks like data"):
        open_csv(path, phone_column="2")


def test_a_plain_list_of_numbers_is_read_only_where_numbers_are_all_it_needs(
    tmp_path: Path, book: NumberBook
) -> None:
    """Do-not-call lists come as one number a line, no header; contact lists need one."""
    path = write(tmp_path, b"+48 601 234 567\r\n601-234-568\r\n\r\n12\r\n")
    short_first = write(tmp_path, b"12\n601234567\n", "short.csv")
    _, batch = read_all(short_first, book, numbers_only=True)
    assert [r.row for r in batch.rejects] == [1] and len(batch.leads) == 1, "row 1 is data too"
    with pytest.raises(ImportFileError, match="has no header row"):
        open_csv(path)
    layout, batch = read_all(path, book, numbers_only=True)
    assert not layout.has_header and layout.phone_index == 0
    assert [lead[:2] for lead in batch.leads] == [[1, "+48601234567"], [2, "+48601234568"]]
    assert [(r.row, r.reason) for r in batch.rejects] == [(4, "too short for PL")]
    two = write(tmp_path, b"2024-01-02;601234567\n2024-01-03;601234568\n", "two.csv")
    _, batch = read_all(two, book, numbers_only=True, phone_column="2")
    assert [lead[1] for lead in batch.leads] == ["+48601234567", "+48601234568"]
    with pytest.raises(ImportFileError, match="must be a column number"):
        open_csv(two, numbers_only=True, phone_column="phone")
    headed = write(tmp_path, b"telefon\n601234567\n", "headed.csv")
    layout, batch = read_all(headed, book, numbers_only=True)
    assert layout.has_header and [lead[0] for lead in batch.leads] == [2]


@pytest.mark.parametrize(
    ("header", "row", "name"),
    [
        ("Imię;Nazwisko;Telefon", "Anna;Nowak;601234567", "Anna Nowak"),
        ("Nazwisko;Imię;Telefon", "Nowak;Anna;601234567", "Anna Nowak"),
        ("first_name,last_name,phone", "Anna,Smith,601234567", "Anna Smith"),
        ("Last Name,First Name,Phone", "Smith,Anna,601234567", "Anna Smith"),
        ("Фамилия;Имя;Отчество;Телефон", "Иванов;Иван;Петрович;601234567", "Иван Петрович Иванов"),
        ("Прізвище;Ім'я;Телефон", "Шевченко;Тарас;601234567", "Тарас Шевченко"),
        ("Name;Surname;Phone", "Anna;Nowak;601234567", "Anna Nowak"),
        ("Nom;Prénom;Téléphone", "Dupont;Marie;601234567", "Marie Dupont"),
        ("姓,名,电话", "张,伟,601234567", "张伟"),
        (
            "Imię i nazwisko;Imię;Nazwisko;Telefon",
            "Anna Maria Nowak;Anna;Nowak;601234567",
            "Anna Maria Nowak",
        ),
        ("Imię;Nazwisko;Telefon", "Anna;;601234567", "Anna"),
        ("Imię;Nazwisko;Telefon", "Anna", ""),
    ],
)
def test_a_name_in_parts_reads_first_name_then_surname(
    tmp_path: Path, book: NumberBook, header: str, row: str, name: str
) -> None:
    path = write(tmp_path, f"{header}\n{row}\n".encode())
    _, batch = read_all(path, book)
    if not name:  # a row that stops before its phone is a reject, not a nameless lead
        assert batch.rejects[0].reason == "missing phone column"
        return
    assert batch.leads[0][2] == name


def test_name_parts_stay_fields_for_the_script(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, "Imię;Nazwisko;Telefon;Miasto\nAnna;Nowak;601234567;Kraków\n".encode())
    _, batch = read_all(path, book)
    assert batch.leads[0][2:4] == [
        "Anna Nowak",
        {"Imię": "Anna", "Nazwisko": "Nowak", "Miasto": "Kraków"},
    ]


@pytest.mark.parametrize(
    ("phone", "extension"),
    [
        ("+48 601 234 570 wew. 12", "12"),
        ("+48 601 234 570 wewn. 12", "12"),
        ("601 234 570 ext. 12", "12"),
        ("601 234 570 Ext 12", "12"),
        ("601234570x12", "12"),
        ("601 234 570 x 12", "12"),
        ("601 234 570 #12", "12"),
        ("+48 601 234 570, wew. 1234", "1234"),
        ("601 234 570 доб. 5", "5"),
        ("601 234 570 分机 88", "88"),
        ("601 234 570", ""),
    ],
)
def test_an_extension_is_kept_and_the_number_dialled(
    tmp_path: Path, book: NumberBook, phone: str, extension: str
) -> None:
    path = write(tmp_path, f'name;phone;city\nAnna;"{phone}";Kraków\n'.encode())
    _, batch = read_all(path, book)
    assert not batch.rejects, batch.rejects
    assert batch.leads[0][1] == "+48601234570"
    expected = {"city": "Kraków", **({"extension": extension} if extension else {})}
    assert batch.leads[0][3] == expected


def test_an_extension_column_of_the_file_is_filled_not_overwritten(
    tmp_path: Path, book: NumberBook
) -> None:
    data = "phone;extension\n601234570 wew. 12;\n601234571 wew. 13;99\n"
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert [lead[3] for lead in batch.leads] == [{"extension": "12"}, {"extension": "99"}]


# --- rows: leads, duplicates, rejects -------------------------------------------------


def test_duplicates_in_different_formats_count_once(tmp_path: Path, book: NumberBook) -> None:
    data = "name,phone\nA,+48 601 234 567\nB,601234567\nC,0048-601-234-567\nD,602345678\n"
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert [lead[:3] for lead in batch.leads] == [
        [2, "+48601234567", "A"],
        [5, "+48602345678", "D"],
    ]
    assert batch.duplicates == 2
    assert batch.rows == 4


def test_invalid_rows_are_rejected_with_reasons_and_rows(tmp_path: Path, book: NumberBook) -> None:
    data = (
        "name;phone;city\n"
        "Ok;601234567;Kraków\n"
        "Short;60123;Kraków\n"
        "Long;+48 601 234 567 890;Gdańsk\n"
        "Empty;;Poznań\n"
        ";;\n"
        "Words;call me maybe;Łódź\n"
        "Nowhere;+999 123 456;Wrocław\n"
        "Truncated\n"
    )
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert len(batch.leads) == 1
    assert [(r.row, r.reason) for r in batch.rejects] == [
        (3, "too short for PL"),
        (4, "too long for PL"),
        (5, "empty phone"),
        (6, "empty phone"),
        (7, "not a phone number"),
        (8, "unknown country code +999"),
        (9, "missing phone column"),
    ]
    assert batch.rejects[0].values == ("Short", "60123", "Kraków")
    assert batch.rows == 8 == len(batch.leads) + batch.duplicates + len(batch.rejects)


def test_priority_column(tmp_path: Path, book: NumberBook) -> None:
    data = (
        "phone,priorytet\n601234567,5\n602345678,\n603456789,high\n604567890, -2 \n605678901,3.0\n"
    )
    layout, batch = read_all(write(tmp_path, data.encode()), book)
    assert layout.priority_index == 1
    assert [(lead[1][-1], lead[5]) for lead in batch.leads] == [
        ("7", 5),
        ("8", 0),
        ("0", -2),
        ("1", 3),
    ]
    assert batch.leads[0][3] == {}  # the priority is not repeated as a field
    assert [(r.row, r.reason) for r in batch.rejects] == [(4, "priority is not a whole number")]


def test_short_and_long_rows_keep_their_cells(tmp_path: Path, book: NumberBook) -> None:
    data = "phone,name,city,note\n601234567,Jan\n602345678,Anna,Kraków,x,extra1,,extra3\n"
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert batch.leads[0][3] == {"city": "", "note": ""}
    assert batch.leads[1][3] == {
        "city": "Kraków",
        "note": "x",
        "column_5": "extra1",
        "column_7": "extra3",
    }


def test_many_columns_become_fields(tmp_path: Path, book: NumberBook) -> None:
    data = "a,b,phone,c,d,e,name\n 1 ,2,601234567,3,4, 5 ,Jan\n"
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert batch.leads[0][2:4] == ["Jan", {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}]


def test_values_are_stripped_and_repeated_headers_kept_apart(
    tmp_path: Path, book: NumberBook
) -> None:
    data = "phone, note ,note,\n 601234567 ,  a  , b ,ignored\n"
    _, batch = read_all(write(tmp_path, data.encode()), book)
    assert batch.leads[0][3] == {"note": "a", "note_3": "b"}


def test_header_only_file_has_no_rows(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, b"name;phone\r\n")
    layout = open_csv(path)
    assert layout.header == ("name", "phone")
    assert list(read_batches(layout, book)) == []


def test_batches_split_the_file_and_report_progress(tmp_path: Path, book: NumberBook) -> None:
    lines = ["phone,name"] + [f"60{i:07d},P{i}" for i in range(250)]
    path = write(tmp_path, ("\n".join(lines) + "\n").encode())
    layout = open_csv(path)
    batches = list(read_batches(layout, book, batch_size=100))
    assert [b.rows for b in batches] == [100, 100, 50]
    assert batches[-1].bytes_read == layout.size
    assert all(a.bytes_read <= b.bytes_read for a, b in itertools.pairwise(batches))
    assert batches[1].leads[0][0] == 102
    assert sum(len(b.leads) + b.duplicates + len(b.rejects) for b in batches) == 250


def test_timezones_of_a_multi_zone_country(tmp_path: Path) -> None:
    path = write(tmp_path, b"phone\n+1 212 555 0123\n+7 495 123 45 67\n")
    _, batch = read_all(path, NumberBook("US"))
    assert [lead[4] for lead in batch.leads] == ["America/New_York", "Europe/Moscow"]


# --- files that cannot be imported ----------------------------------------------------


def test_cp1250_file_fails_before_any_batch(tmp_path: Path, book: NumberBook) -> None:
    good = "".join(f"Osoba {i};60{i:07d}\n" for i in range(3000))
    data = ("imię;telefon\n" + good + "Łukasz Żółć;601234567\n").encode("cp1250")
    path = write(tmp_path, data)
    with pytest.raises(ImportFileError) as err:
        open_csv(path)
    message = err.value.message
    assert str(path) in message
    assert "line 1" in message  # "imię" on line 1 is the first non-UTF-8 byte
    assert "byte 0xea at line 1 (byte 3)" in message
    assert "--encoding cp1250" in err.value.hint
    layout, batch = read_all(path, book, encoding="cp1250")
    assert batch.leads[-1][2] == "Łukasz Żółć"
    assert layout.header == ("imię", "telefon")


def test_decode_error_deep_in_the_file_names_its_line_and_offset(tmp_path: Path) -> None:
    head = b"name,phone\n" + b"".join(b"P%d,60%07d\n" % (i, i) for i in range(200_000))
    path = write(tmp_path, head + b"Bad \xff,601234567\n")
    with pytest.raises(ImportFileError) as err:
        open_csv(path)
    assert f"byte 0xff at line 200002 (byte {len(head) + 4})" in err.value.message


def test_bom_offsets_are_file_offsets(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfphone\n60\xb31234567\n")
    with pytest.raises(ImportFileError, match=r"byte 0xb3 at line 2 \(byte 11\)"):
        open_csv(path)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "Excel .xls"),
        (b"%PDF-1.7\n", "PDF"),
        (b"", "empty"),
        (b"phone\n601\x00234567\n", "NUL"),
        ("phone\n601234567\n".encode("utf-16"), "UTF-16"),
        (b"\n\n   \n", "no header"),
    ],
)
def test_files_that_are_not_csv(tmp_path: Path, data: bytes, words: str) -> None:
    path = write(tmp_path, data, "leads.csv")
    with pytest.raises(ImportFileError) as err:
        open_csv(path)
    assert str(path) in err.value.message
    assert words in err.value.message


def test_missing_file_and_bad_encoding_name(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        open_csv(tmp_path / "nope.csv")
    with pytest.raises(UsageError, match="unknown encoding"):
        open_csv(write(tmp_path, b"phone\n601234567\n"), encoding="klingon")


def test_utf16_with_the_encoding_given(tmp_path: Path, book: NumberBook) -> None:
    path = write(tmp_path, "name\tphone\nJan\t601234567\n".encode("utf-16"))
    _, batch = read_all(path, book, encoding="utf-16")
    assert batch.leads[0][1:3] == ["+48601234567", "Jan"]


# --- rejects file ---------------------------------------------------------------------


def test_reject_path() -> None:
    assert reject_path(Path("/data/list.csv")) == Path("/data/list.csv.rejects.csv")


def test_rejects_file_holds_row_reason_and_the_original_cells(
    tmp_path: Path, book: NumberBook
) -> None:
    data = 'name;phone;note\nOk;601234567;x\nBad;123;"semi;colon"\n;;\nShort\n'
    path = write(tmp_path, data.encode())
    layout, batch = read_all(path, book)
    written = write_rejects(reject_path(path), layout.header, batch.rejects)
    assert written == tmp_path / "list.csv.rejects.csv"
    assert written.read_bytes().decode("utf-8").splitlines() == [
        "row,reason,name,phone,note",
        "3,too short for PL,Bad,123,semi;colon",
        "4,empty phone,,,",
        "5,missing phone column,Short",
    ]
    with written.open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f))[1] == ["3", "too short for PL", "Bad", "123", "semi;colon"]
    # Written again, it replaces the file whole; no temporary files are left.
    assert write_rejects(written, layout.header, []) == written
    assert written.read_bytes() == b"row,reason,name,phone,note\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "list.csv.rejects.csv"]
