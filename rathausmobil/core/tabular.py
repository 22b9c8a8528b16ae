"""Reading the tables that administrations really exchange: CSV from Excel or an
HR system (`;` or `,` or tab, UTF-8 with or without BOM, UTF-16, Windows-1252)
and XLSX.

`read_table` turns bytes into rows of raw cell values keyed by field name, with
the line number each row has in the file. It never raises anything but
`TableError`, whose problems are German sentences for the person who uploaded
the file. Field parsers below turn cell values into Python values or raise
`CellError` with the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One finding, rendered as `Zeile N, Spalte X: Grund`."""

    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"Zeile {self.line}")
        if self.column:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TableError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class CellError(ValueError):
    """A cell value that cannot be used; the message is the German reason."""


# --------------------------------------------------------------------------- columns


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the German name, as documented in docs/import.md
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be present and every cell filled

    def matches(self, header: str) -> bool:
        key = normalise_header(header)
        return key in {normalise_header(name) for name in (self.label, *self.aliases)}


@dataclass
class Row:
    line: int
    values: dict[str, Any]

    def text(self, name: str) -> str:
        return cell_text(self.values.get(name))


@dataclass
class Table:
    rows: list[Row]
    headers: dict[str, str]  # field -> the header as written in the file
    ignored_headers: list[str] = field(default_factory=list)
    format: str = "csv"

    def has(self, name: str) -> bool:
        return name in self.headers

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


# --------------------------------------------------------------------------- reading

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (";", ",", "\t")


def read_table(data: bytes, filename: str, columns: list[Column]) -> Table:
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TableError([Problem("Die Datei ist leer.")])
    if data.startswith(XLS_MAGIC):
        raise TableError(
            [
                Problem(
                    "Das alte Excel-Format (.xls) wird nicht unterstützt. Bitte in Excel "
                    "„Speichern unter“ wählen und als .xlsx oder als CSV speichern."
                )
            ]
        )
    if data.startswith(XLSX_MAGIC):
        records, fmt = _xlsx_records(data), "xlsx"
    else:
        records, fmt = _csv_records(data, columns), "csv"
    return _table_from_records(records, columns, fmt)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(
        [
            Problem(
                "Die Zeichenkodierung der Datei ist nicht erkennbar. Erwartet wird UTF-8 "
                "(mit oder ohne BOM) oder Windows-1252 (ANSI)."
            )
        ]
    )


def _csv_records(data: bytes, columns: list[Column]):
    text = _decode(data).replace("\x00", "")
    lines = text.splitlines(keepends=True)
    first_line_offset = 0
    delimiter = None
    # Excel writes and honours a first line "sep=;".
    match = re.fullmatch(r"\s*sep=(.)\s*", lines[0]) if lines else None
    if match:
        delimiter = match.group(1)
        lines = lines[1:]
        first_line_offset = 1
    if delimiter is None:
        delimiter = _detect_delimiter(lines, columns)

    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
    last_line = 0
    records = []
    try:
        for cells in reader:
            start = last_line + 1 + first_line_offset
            last_line = reader.line_num
            records.append((start, cells))
    except csv.Error as exc:
        raise TableError(
            [
                Problem(
                    f"Die Zeile ist kein gültiges CSV ({exc}).",
                    line=reader.line_num + first_line_offset,
                )
            ]
        ) from None
    return records


def _detect_delimiter(lines: list[str], columns: list[Column]) -> str:
    header_line = next((line for line in lines if line.strip()), "")

    def score(delim: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delim), [])
        recognised = sum(1 for cell in cells if any(col.matches(cell) for col in columns))
        return recognised, len(cells)

    return max(DELIMITERS, key=score)


def _xlsx_records(data: bytes):
    try:
        from openpyxl import load_workbook

        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError(
            [Problem(f"Die Excel-Datei ist beschädigt oder keine XLSX-Datei ({exc.__class__.__name__}).")]
        ) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise TableError(
            [Problem(f"Die Excel-Datei kann nicht gelesen werden ({exc.__class__.__name__}).")]
        ) from None
    sheet_f = formulas.worksheets[0]
    sheet_v = values.worksheets[0]
    records = []
    for number, (row_f, row_v) in enumerate(
        zip(sheet_f.iter_rows(values_only=True), sheet_v.iter_rows(values_only=True), strict=False),
        start=1,
    ):
        cells = []
        for raw, computed in zip(row_f, row_v, strict=False):
            if isinstance(raw, str) and raw.startswith("="):
                # A real formula keeps the value Excel computed; a formula without a
                # cached value (text such as "=Müller" written by a program) is text.
                cells.append(computed if computed is not None else raw)
            else:
                cells.append(raw)
        records.append((number, cells))
    formulas.close()
    values.close()
    return records


def _is_blank(cells) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def _table_from_records(records, columns: list[Column], fmt: str) -> Table:
    records = [(line, cells) for line, cells in records if not _is_blank(cells)]
    if not records:
        raise TableError([Problem("Die Datei ist leer.")])
    header_line, header_cells = records[0]
    header_cells = [cell_text(cell) for cell in header_cells]
    # Trailing empty header cells come from Excel's "used range"; ignore them.
    while header_cells and header_cells[-1] == "":
        header_cells.pop()

    problems: list[Problem] = []
    index_of: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(header_cells):
        column = next((col for col in columns if col.matches(header)), None)
        if column is None:
            if header:
                ignored.append(header)
            continue
        if column.field in index_of:
            problems.append(
                Problem(
                    f"Die Spalte „{column.label}“ kommt doppelt vor "
                    f"(„{headers[column.field]}“ und „{header}“).",
                    line=header_line,
                    column=header,
                )
            )
            continue
        index_of[column.field] = index
        headers[column.field] = header

    if not index_of:
        expected = ", ".join(col.label for col in columns if col.required)
        raise TableError(
            [
                Problem(
                    "Die Kopfzeile wurde nicht erkannt: keine der erwarteten Spalten gefunden. "
                    f"Erwartet werden mindestens: {expected}. Trennzeichen: Semikolon, Komma "
                    "oder Tabulator.",
                    line=header_line,
                )
            ]
        )
    for column in columns:
        if column.required and column.field not in index_of:
            problems.append(
                Problem("Pflichtspalte fehlt in der Kopfzeile.", line=header_line, column=column.label)
            )
    if problems:
        raise TableError(problems)

    width = len(header_cells)
    rows: list[Row] = []
    for line, cells in records[1:]:
        extra = [cell for cell in cells[width:] if cell_text(cell) != ""]
        if extra:
            problems.append(
                Problem(
                    f"Die Zeile hat {width + len(extra)} oder mehr Felder, die Kopfzeile nur "
                    f"{width}. Steht ein Trennzeichen im Text, ohne dass das Feld in "
                    "Anführungszeichen steht?",
                    line=line,
                )
            )
            continue
        values = {name: (cells[i] if i < len(cells) else None) for name, i in index_of.items()}
        rows.append(Row(line=line, values=values))
    if problems:
        raise TableError(problems)
    if not rows:
        raise TableError(
            [Problem("Die Datei enthält nur die Kopfzeile, aber keine Datenzeilen.", line=header_line)]
        )
    return Table(rows=rows, headers=headers, ignored_headers=ignored, format=fmt)


# --------------------------------------------------------------------------- cell parsers

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: Any) -> str:
    """The cell as plain, trimmed text. Numbers from XLSX lose a `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _CONTROL.sub("", str(value))
    return _SPACES.sub(" ", text).strip()


def parse_text(value: Any, *, max_length: int, multiline_ok: bool = False) -> str:
    if not multiline_ok and isinstance(value, str) and ("\n" in value or "\r" in value):
        raise CellError(
            "Das Feld enthält einen Zeilenumbruch. Fehlt ein schließendes Anführungszeichen?"
        )
    text = cell_text(value)
    if len(text) > max_length:
        raise CellError(f"Der Text ist zu lang ({len(text)} Zeichen, höchstens {max_length}).")
    return text


_DATE_DE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_DATE_DE_SHORT = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}")


def parse_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An XLSX date cell without date format arrives as Excel's day number.
        if 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
    text = cell_text(value)
    if text == "":
        return None
    if match := _DATE_DE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif _DATE_DE_SHORT.fullmatch(text):
        raise CellError(
            f"„{text}“ hat eine zweistellige Jahreszahl. Bitte das Jahr vierstellig angeben "
            "(TT.MM.JJJJ)."
        )
    else:
        raise CellError(f"„{text}“ ist kein Datum. Erwartet wird TT.MM.JJJJ oder JJJJ-MM-TT.")
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise CellError(f"„{text}“ ist kein gültiges Datum: diesen Tag gibt es nicht.") from None
    if not 1900 <= date.year <= 2200:
        raise CellError(f"„{text}“ liegt außerhalb des möglichen Zeitraums (1900 bis 2200).")
    return date


_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def parse_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    text = cell_text(value)
    if text == "":
        return None
    if not _NUMBER.fullmatch(text):
        raise CellError(f"„{text}“ ist keine Zahl. Erwartet wird z. B. 39 oder 19,5.")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"„{text}“ ist keine Zahl.") from None


_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def parse_key(value: Any, *, max_length: int = 32, what: str = "Kennung") -> str:
    text = cell_text(value)
    if text == "":
        return ""
    if len(text) > max_length or not _KEY.fullmatch(text):
        raise CellError(
            f"„{text}“ ist keine gültige {what}: erlaubt sind Buchstaben, Ziffern und . _ / - "
            f"(höchstens {max_length} Zeichen)."
        )
    return text
