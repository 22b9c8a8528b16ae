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
    if data.startswith(XLS_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        raise TableError(
            [
                Problem(
                    "Die Excel-Datei ist mit einem Kennwort geschützt. Bitte den Kennwortschutz "
                    "in Excel entfernen und die Datei erneut speichern."
                )
            ]
        )
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
    # Lines end only at CR, LF or CRLF; str.splitlines() would also split inside a
    # cell at form feeds, U+2028 and the like and so shift every line number.
    lines = io.StringIO(text, newline="").readlines()
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
    except csv.Error:
        # The only error of a lenient reader on text lines: a field grew past the
        # csv module's size limit, which in practice is an unclosed quote.
        start = last_line + 1 + first_line_offset
        raise TableError([_unclosed_quote(start)]) from None
    if records and last_line > records[-1][0] - first_line_offset:
        # The last record spans several lines. If it ends inside a quoted field, an
        # opening quote was never closed and swallowed the rest of the file.
        line, cells = records[-1]
        if _ends_inside_quotes(lines[line - 1 - first_line_offset :], delimiter):
            header = next(c for _, c in records if not _is_blank(c))
            column = (
                header[len(cells) - 1]
                if cells is not header and len(cells) <= len(header)
                else None
            )
            raise TableError([_unclosed_quote(line, column)])
    return records


def _ends_inside_quotes(lines: list[str], delimiter: str) -> bool:
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _unclosed_quote(line: int, column: str | None = None) -> Problem:
    return Problem(
        "Ein Feld beginnt mit einem Anführungszeichen, das bis zum Dateiende nicht "
        "geschlossen wird. Bitte das fehlende Anführungszeichen ergänzen.",
        line=line,
        column=cell_text(column) or None,
    )


def _detect_delimiter(lines: list[str], columns: list[Column]) -> str:
    header_line = next((line for line in lines if line.strip()), "")

    def score(delim: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delim), [])
        recognised = sum(1 for cell in cells if any(col.matches(cell) for col in columns))
        return recognised, len(cells)

    return max(DELIMITERS, key=score)


def _xlsx_records(data: bytes):
    try:
        return _read_xlsx(data)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise TableError(
            [
                Problem(
                    "Die Excel-Datei ist beschädigt oder keine XLSX-Datei. Bitte in Excel öffnen "
                    "und erneut als .xlsx oder als CSV speichern."
                )
            ]
        ) from None


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    # Read-only sheets are parsed lazily, so a broken sheet fails while iterating:
    # the caller catches errors from here as a whole.
    formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet_f = formulas.worksheets[0]
        sheet_v = values.worksheets[0]
        # Some programs write a wrong used range ("A1"); read every cell instead.
        sheet_f.reset_dimensions()
        sheet_v.reset_dimensions()
        records = []
        for number, (row_f, row_v) in enumerate(
            zip(sheet_f.iter_rows(), sheet_v.iter_rows(values_only=True), strict=False),
            start=1,
        ):
            cells = []
            for cell, computed in zip(row_f, row_v, strict=False):
                raw = cell.value
                if isinstance(raw, str) and raw.startswith("="):
                    # A real formula keeps the value Excel computed; a formula without
                    # a cached value (text such as "=Müller" written by a program) is text.
                    cells.append(computed if computed is not None else raw)
                else:
                    cells.append(_as_displayed(raw, cell.number_format))
            records.append((number, cells))
    finally:
        formulas.close()
        values.close()
    return records


def _as_displayed(value: Any, number_format: str | None) -> Any:
    """A whole number formatted `000000` shows its leading zeros in Excel: keep them."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and number_format
        and re.fullmatch(r"0+", number_format)
    ):
        return str(int(value)).zfill(len(number_format))
    return value


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
                Problem(
                    "Pflichtspalte fehlt in der Kopfzeile.", line=header_line, column=column.label
                )
            )
    if problems:
        raise TableError(problems)

    width = len(header_cells)
    data = records[1:]
    # In a CSV file every line has as many fields as the header. Some systems end
    # each data line (not the header) with separators: empty fields every line has.
    fields = len(records[0][1])
    longest = max((len(cells) for _, cells in data), default=fields)
    if all(len(cells) == longest and _is_blank(cells[fields:]) for _, cells in data):
        fields = longest
    rows: list[Row] = []
    for line, cells in data:
        if fmt == "csv" and len(cells) > fields:
            problems.append(
                Problem(
                    f"Die Zeile hat {len(cells)} Felder, die Kopfzeile nur {len(records[0][1])}. "
                    "Steht ein Trennzeichen im Text, ohne dass das Feld in Anführungszeichen steht?",
                    line=line,
                )
            )
            continue
        if any(cell_text(cell) != "" for cell in cells[width:]):
            problems.append(
                Problem(
                    "Die Zeile hat Werte rechts der letzten Spalte mit Überschrift. Bitte die "
                    "Überschrift ergänzen oder die Werte löschen.",
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
            [
                Problem(
                    "Die Datei enthält nur die Kopfzeile, aber keine Datenzeilen.", line=header_line
                )
            ]
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


def quoted(text: str, limit: int = 60) -> str:
    """The text in German quotes for a message, shortened if it is long."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"„{text}“"


def parse_text(value: Any, *, max_length: int, multiline_ok: bool = False) -> str:
    if not multiline_ok and isinstance(value, str) and ("\n" in value or "\r" in value):
        raise CellError(
            "Das Feld enthält einen Zeilenumbruch. Fehlt ein schließendes Anführungszeichen?"
        )
    text = cell_text(value)
    if len(text) > max_length:
        raise CellError(f"Der Text ist zu lang ({len(text)} Zeichen, höchstens {max_length}).")
    return text


_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"  # a midnight time that Excel may append
_DATE_DE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_DATE_DE_SHORT = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}")


def parse_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    # An XLSX date cell without date format arrives as Excel's day number.
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
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
            f"{quoted(text)} hat eine zweistellige Jahreszahl. Bitte das Jahr vierstellig angeben "
            "(TT.MM.JJJJ)."
        )
    else:
        raise CellError(f"{quoted(text)} ist kein Datum. Erwartet wird TT.MM.JJJJ oder JJJJ-MM-TT.")
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise CellError(
            f"{quoted(text)} ist kein gültiges Datum: diesen Tag gibt es nicht."
        ) from None
    if not 1900 <= date.year <= 2200:
        raise CellError(f"{quoted(text)} liegt außerhalb des möglichen Zeitraums (1900 bis 2200).")
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
        raise CellError(f"{quoted(text)} ist keine Zahl. Erwartet wird z. B. 39 oder 19,5.")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(f"{quoted(text)} ist keine Zahl.") from None


_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def parse_key(value: Any, *, max_length: int = 32, what: str = "Kennung") -> str:
    text = cell_text(value)
    if text == "":
        return ""
    if len(text) > max_length or not _KEY.fullmatch(text):
        raise CellError(
            f"{quoted(text)} ist keine gültige {what}: erlaubt sind Buchstaben, Ziffern und . _ / - "
            f"(höchstens {max_length} Zeichen)."
        )
    return text


# --------------------------------------------------------------------------- row checking


def parse_cell(
    row: Row, table: Table, problems: list[Problem], name: str, parser, *, required=False
):
    """Parse one cell; a problem is recorded (not raised) so that every cell of the
    file is checked and all problems are listed at once."""
    raw = row.values.get(name)
    try:
        value = parser(raw)
    except CellError as exc:
        problems.append(Problem(str(exc), line=row.line, column=table.header(name)))
        return None
    if required and (value is None or value == ""):
        problems.append(Problem("Pflichtfeld ist leer.", line=row.line, column=table.header(name)))
        return None
    return value


def display_value(value: Any) -> str:
    """A value as the preview and the history show it: German dates and decimals."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    return str(value)
