"""What a list's header row means: which column is the phone, the name (or its parts), the priority.

Pure: header cells in, column indices out. Headers are compared normalised (see
`normalize_header`) against the word lists below, in many languages. A name may be
one column ("Imię i nazwisko", "ФИО", "Name") or several ("Imię" + "Nazwisko",
"first_name" + "last_name", "Фамилия" + "Имя" + "Отчество"); `NameColumns.compose`
puts the parts in the order people write them, whatever the columns' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ccterm.errors import ImportFileError
from ccterm.typos import suggest

__all__ = [
    "FIRST_NAME_HEADERS",
    "MIDDLE_NAME_HEADERS",
    "NAME_HEADERS",
    "PHONE_HEADERS",
    "PRIORITY_HEADERS",
    "SURNAME_HEADERS",
    "NameColumns",
    "find_column",
    "looks_like_data",
    "looks_like_phone",
    "name_columns",
    "normalize_header",
    "phone_index",
]

# Header names, normalised (see normalize_header), best first: when several columns
# match, the earliest name in the list wins, so generic words ("number") come last.
PHONE_HEADERS: tuple[str, ...] = (
    # English
    "phone",
    "phonenumber",
    "phoneno",
    "phonenum",
    "telephone",
    "telephonenumber",
    "tel",
    "telno",
    "mobile",
    "mobilephone",
    "mobilenumber",
    "cell",
    "cellphone",
    "cellular",
    "msisdn",
    "contactnumber",
    "contactphone",
    # Polish
    "telefon",
    "nrtelefonu",
    "numertelefonu",
    "telefonu",
    "nrtel",
    "telkom",
    "telefonkomórkowy",
    "komórka",
    "komorka",
    # Russian, Ukrainian
    "телефон",
    "номертелефона",
    "телефона",
    "тел",
    "мобильный",
    "мобильныйтелефон",
    "мобільний",
    "номертелефону",
    "телефону",
    # Chinese
    "电话",
    "电话号码",
    "手机",
    "手机号",
    "手机号码",
    "联系电话",
    "联系方式",
    "電話",
    "手機",
    # French, German, Spanish, Italian, Portuguese, Czech
    "téléphone",
    "numérodetéléphone",
    "portable",
    "telefonnummer",
    "rufnummer",
    "handy",
    "mobil",
    "mobilnummer",
    "teléfono",
    "telefono",
    "celular",
    "móvil",
    "movil",
    "cellulare",
    "telemóvel",
    "gsm",
    # generic words last: they may name another column ("customer number")
    "numer",
    "номер",
    "号码",
    "numéro",
    "numero",
    "nummer",
    "número",
    "number",
)
# A whole name in one column.
NAME_HEADERS: tuple[str, ...] = (
    "name",
    "fullname",
    "contactname",
    "customername",
    "clientname",
    "contact",
    "customer",
    "client",
    "imięinazwisko",
    "imieinazwisko",
    "nazwa",
    "klient",
    "фио",
    "имяфамилия",
    "фамилияимя",
    "клиент",
    "контакт",
    "піб",
    "клієнт",
    "姓名",
    "名字",
    "客户",
    "客户名称",
    "联系人",
    "nomcomplet",
    "vollständigername",
    "nombrecompleto",
    "nomecompleto",
)
# The parts of a name, each in its own column.
FIRST_NAME_HEADERS: tuple[str, ...] = (
    "firstname",
    "first",
    "givenname",
    "forename",
    "imię",
    "imie",
    "имя",
    "імя",
    "名",
    "vorname",
    "prénom",
    "prenom",
    "nombre",
    "nome",
    "jméno",
    "jmeno",
)
MIDDLE_NAME_HEADERS: tuple[str, ...] = (
    "middlename",
    "middle",
    "patronymic",
    "drugieimię",
    "drugieimie",
    "отчество",
    "побатькові",
)
SURNAME_HEADERS: tuple[str, ...] = (
    "lastname",
    "last",
    "surname",
    "familyname",
    "nazwisko",
    "фамилия",
    "прізвище",
    "姓",
    "nachname",
    "familienname",
    "nom",
    "apellido",
    "apellidos",
    "cognome",
    "sobrenome",
    "příjmení",
    "prijmeni",
)
# Surname headers of languages that write the family name first and without a space.
_SURNAME_FIRST = frozenset({"姓"})

PRIORITY_HEADERS: tuple[str, ...] = (
    "priority",
    "prio",
    "priorytet",
    "приоритет",
    "пріоритет",
    "优先级",
    "priorité",
    "priorität",
    "prioridad",
    "priorità",
)

_HEADER_DROP = str.maketrans("", "", " \t\u00a0_.-#№'’ʼ\ufeff:")
_PHONE_PREFIXES = ("phone", "telephone", "telefon", "mobile", "телефон", "电话", "手机")
_NO_HEADER_HINT = "add a first row naming the columns, e.g. phone,name"


def normalize_header(text: str) -> str:
    """A header cell as the *_HEADERS lists spell it: case-folded, without spaces or
    punctuation, so "Phone No.", "phone_no" and "PHONE-NO" all read "phoneno"."""
    return text.casefold().translate(_HEADER_DROP).strip()


def find_column(normalized: Sequence[str], names: tuple[str, ...], taken: set[int]) -> int | None:
    """The column whose header comes earliest in `names`; the leftmost on a tie."""
    for name in names:
        for i, cell in enumerate(normalized):
            if cell == name and i not in taken:
                return i
    return None


def looks_like_phone(cell: str) -> bool:
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 6 and all(ch.isdigit() or ch in "+-() ./" for ch in cell.strip())


def looks_like_data(row: Sequence[str]) -> bool:
    """A first row of numbers rather than names: digits, and no letters anywhere.

    How a plain list of numbers (one a line, no header) is told from a header row:
    every header names its columns in words.
    """
    cells = "".join(row)
    return any(ch.isdigit() for ch in cells) and not any(ch.isalpha() for ch in cells)


def phone_index(
    path: Path, header: tuple[str, ...], normalized: Sequence[str], wanted: str | None
) -> int:
    """The phone column: the one named by --phone-column (`wanted`), else found by its header."""
    shown = ", ".join(f"'{cell}'" for cell in header)
    if wanted is not None:
        key = wanted.strip()
        for i, cell in enumerate(header):
            if cell.casefold() == key.casefold():
                return i
        norm = normalize_header(key)
        if norm:
            for i, cell in enumerate(normalized):
                if cell == norm:
                    return i
        if key.isdigit() and 1 <= int(key) <= len(header):
            index = int(key) - 1
            if looks_like_phone(header[index]):
                raise ImportFileError(
                    f"{path}: the first row looks like data ('{header[index]}'), not a header",
                    _NO_HEADER_HINT,
                )
            return index
        raise ImportFileError(
            f"{path}: no column '{wanted}'{suggest(key, header)}; the columns are {shown}",
            f"pass --phone-column with one of those names or a number 1..{len(header)}",
        )
    found = find_column(normalized, PHONE_HEADERS, set())
    if found is None:
        for i, cell in enumerate(normalized):
            if cell.startswith(_PHONE_PREFIXES):
                return i
        if any(looks_like_phone(cell) for cell in header):
            raise ImportFileError(
                f"{path}: has no header row: the first row holds data ({shown})", _NO_HEADER_HINT
            )
        raise ImportFileError(
            f"{path}: no phone column among {shown}",
            "name the column 'phone', or pass --phone-column NAME or --phone-column NUMBER",
        )
    return found


@dataclass(frozen=True, slots=True)
class NameColumns:
    """Where a row's name is: one whole-name column, or parts (first, middle, surname)."""

    full: int | None = None
    first: int | None = None
    middle: int | None = None
    last: int | None = None
    surname_first: bool = False  # 姓 + 名: the family name comes first, no space

    @property
    def indices(self) -> tuple[int, ...]:
        return tuple(i for i in (self.full, self.first, self.middle, self.last) if i is not None)

    def compose(self, record: Sequence[str]) -> str:
        """The contact's name from a row: first name, middle, surname (as written in
        the language of the headers), skipping empty or missing cells."""
        n = len(record)
        if self.full is not None:
            return record[self.full].strip() if self.full < n else ""
        order = (
            (self.last, self.first) if self.surname_first else (self.first, self.middle, self.last)
        )
        parts = [record[i].strip() for i in order if i is not None and i < n]
        return ("" if self.surname_first else " ").join(p for p in parts if p)


def name_columns(normalized: Sequence[str], taken: set[int]) -> NameColumns:
    """The name's columns among headers not `taken` (by the phone).

    A whole-name column wins over parts, except beside a surname alone ("Name" +
    "Surname"), where it holds the first name.
    """
    free = set(taken)

    def find(names: tuple[str, ...]) -> int | None:
        found = find_column(normalized, names, free)
        if found is not None:
            free.add(found)
        return found

    full = find(NAME_HEADERS)
    first = find(FIRST_NAME_HEADERS)
    last = find(SURNAME_HEADERS)
    middle = find(MIDDLE_NAME_HEADERS)
    if full is not None and last is not None and first is None:
        full, first = None, full
    if full is not None:
        return NameColumns(full=full)
    surname_first = last is not None and normalized[last] in _SURNAME_FIRST
    return NameColumns(None, first, middle, last, surname_first)
