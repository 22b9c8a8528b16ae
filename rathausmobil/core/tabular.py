"""Reading the tables that administrations really exchange: CSV from Excel or an
HR system (`;` or `,` or tab, UTF-8 with or without BOM, UTF-16, Windows-1252)
and XLSX, and checking them row by row.

`read_table` turns bytes into rows of raw cell values keyed by field name, with
the line number each row has in the file. It never raises anything but
`TableError`, whose problems are German sentences for the person who uploaded
the file. It also keeps a file within the limits of the settings (docs/import.md,
"Limits"): an XLSX file whose zip directory promises more than
`IMPORT_MAX_UNPACKED_BYTES` (or packs too tightly, or has too many parts) is refused
before anything is unpacked, and no file may have more than `IMPORT_MAX_ROWS` data
rows; reading stops at the first row beyond.

Each `Column` names the parser that turns its cells into values (the parsers
below raise `CellError` with the reason). `check_rows` is the one loop every
import's planner runs: it parses each row through the columns, then applies the
import's named cross-field rules (small functions that each check one thing and
report through `CheckedRow.problem` / `.warning`), and collects every problem
of the file instead of stopping at the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from rathausmobil.core.numbers import format_number

# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One finding, rendered as `Zeile N, Spalte X: Grund`."""

    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = {"line": self.line, "column": self.column, "message": self.message}
        if self.line is not None and self.column:
            return _("Zeile %(line)s, Spalte %(column)s: %(message)s") % where
        if self.line is not None:
            return _("Zeile %(line)s: %(message)s") % where
        if self.column:
            return _("Spalte %(column)s: %(message)s") % where
        return self.message


class TableError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class CellError(ValueError):
    """A cell value that cannot be used; the message is the German reason."""


def in_file_order(problems: list[Problem]) -> None:
    """Sort problems by line, stable within a line (whole-file problems first)."""
    problems.sort(key=lambda problem: problem.line or 0)


# --------------------------------------------------------------------------- columns

Parser = Callable[[Any], Any]


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, dst)
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    `label` is the German header as documented (it is a file format, so it is not
    translated), `aliases` are further headers that mean the same column,
    `required` says that the column must be present and every cell filled, and
    `parse` turns a cell into a value or raises `CellError` (default: the cell as
    plain text).
    """

    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Parser | None = None

    def matches(self, header: str) -> bool:
        key = normalise_header(header)
        return key in {normalise_header(name) for name in (self.label, *self.aliases)}

    def value(self, raw: Any) -> Any:
        return (self.parse or cell_text)(raw)


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
    labels: dict[str, str] = field(default_factory=dict)  # field -> the column's label

    def has(self, name: str) -> bool:
        return name in self.headers

    def header(self, name: str) -> str:
        """The header as the file writes it; for a column the file lacks, its label."""
        return self.headers.get(name) or self.labels.get(name, name)


# --------------------------------------------------------------------------- reading

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (";", ",", "\t")


def read_table(data: bytes, filename: str, columns: Sequence[Column]) -> Table:
    check_file(data)
    if data.startswith(XLSX_MAGIC):
        records, fmt = _xlsx_records(data), "xlsx"
    else:
        records, fmt = _csv_records(data, columns), "csv"
    return _table_from_records(records, columns, fmt)


def check_file(data: bytes) -> None:
    """What can be judged of a file without reading its rows: empty, an old or
    encrypted Excel file, a workbook over the limits (from the zip's directory). Fast
    at any size, so a large upload is refused at once rather than after the worker's
    turn (core/imports.py); `read_table` starts with it. Raises TableError."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TableError([Problem(_("Die Datei ist leer."))])
    if data.startswith(XLS_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        raise TableError(
            [
                Problem(
                    _(
                        "Die Excel-Datei ist mit einem Kennwort geschützt. Bitte den "
                        "Kennwortschutz in Excel entfernen und die Datei erneut speichern."
                    )
                )
            ]
        )
    if data.startswith(XLS_MAGIC):
        raise TableError(
            [
                Problem(
                    _(
                        "Das alte Excel-Format (.xls) wird nicht unterstützt. Bitte in Excel "
                        "„Speichern unter“ wählen und als .xlsx oder als CSV speichern."
                    )
                )
            ]
        )
    if data.startswith(XLSX_MAGIC):
        _check_zip(data)


# --------------------------------------------------------------------------- limits

MB = 1024 * 1024
# Small parts (styles, the workbook) may pack tightly without costing anything to read;
# the ratio is judged only from this size on.
RATIO_FROM_BYTES = 1 * MB


def _check_zip(data: bytes) -> None:
    """Refuse a workbook that would unpack to more than the limits allow, from the zip's
    directory alone, before openpyxl unpacks a byte. A zip bomb of 3.4 MB that unpacked
    to 777 MB (3 million rows) kept a worker at full CPU for eleven minutes with 2 GB of
    memory. The sizes in the directory are an upper bound one can trust: zipfile stops
    reading a part at its stated size (and then fails its checksum), so a part that
    claims to be small cannot unpack to more. A file that is no zip at all is left to the
    reader, which calls it damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return
    problems = []
    total = sum(part.file_size for part in parts)
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        largest = max(parts, key=lambda part: part.file_size)
        problems.append(
            Problem(
                _(
                    "Die Datei ist entpackt größer als %(limit)s MB (%(size)s MB, davon "
                    "„%(part)s“ %(part_size)s MB). So große Excel-Dateien werden nicht "
                    "gelesen; bitte die Datei aufteilen."
                )
                % {
                    "limit": _megabytes(settings.IMPORT_MAX_UNPACKED_BYTES),
                    "size": _megabytes(total),
                    "part": largest.filename[:100],
                    "part_size": _megabytes(largest.file_size),
                }
            )
        )
    packed_tight = [
        part
        for part in parts
        if part.file_size >= RATIO_FROM_BYTES
        and part.file_size > settings.IMPORT_MAX_ZIP_RATIO * max(part.compress_size, 1)
    ]
    if packed_tight:
        part = max(packed_tight, key=lambda part: part.file_size / max(part.compress_size, 1))
        problems.append(
            Problem(
                _(
                    "„%(part)s“ ist entpackt %(ratio)s-mal so groß wie gepackt (höchstens "
                    "%(limit)s-mal). So dicht packen sich nur künstlich erzeugte Dateien; "
                    "die Datei wird nicht gelesen."
                )
                % {
                    "part": part.filename[:100],
                    "ratio": format_number(part.file_size // max(part.compress_size, 1)),
                    "limit": format_number(settings.IMPORT_MAX_ZIP_RATIO),
                }
            )
        )
    if len(parts) > settings.IMPORT_MAX_ZIP_MEMBERS:
        problems.append(
            Problem(
                _(
                    "Die Datei besteht aus %(count)s Teilen, eine Excel-Datei aus höchstens "
                    "%(limit)s. Bitte nur die Tabelle als .xlsx oder als CSV speichern."
                )
                % {
                    "count": format_number(len(parts)),
                    "limit": format_number(settings.IMPORT_MAX_ZIP_MEMBERS),
                }
            )
        )
    if problems:
        raise TableError(problems)


def _megabytes(size: int) -> str:
    return format_number(-(-size // MB))  # rounded up: 25.3 MB is "more than 25"


class _RowCounter:
    """Counts the rows while a file is read and stops the reading at the first data row
    beyond `IMPORT_MAX_ROWS`, so that a file far over the limit costs no more than one
    at the limit. Empty lines are not data, but they are counted too, up to twice the
    limit: a file of millions of empty lines costs as much to read as one of rows."""

    def __init__(self) -> None:
        self.limit = settings.IMPORT_MAX_ROWS
        self.lines = 0
        self.blank = 0

    def count(self, cells, before: list) -> None:
        """Count the line `cells`; `before` holds the (line, cells) read so far."""
        self.lines += 1
        if self.lines <= self.limit + 1:
            return  # the header and the limit's rows fit, however many are blank
        if self.lines == self.limit + 2:
            # Blank lines are looked for only in a file this long (most files are not).
            self.blank = sum(1 for _line, earlier in before if _is_blank(earlier))
        if self.lines > 2 * self.limit + 1:
            raise TableError([_too_many_lines(self.limit)])
        if _is_blank(cells):
            self.blank += 1
        elif self.lines - self.blank > self.limit + 1:  # the header is no data row
            raise TableError([_too_many_rows(self.limit)])


def _too_many_rows(limit: int) -> Problem:
    return Problem(
        _(
            "Die Datei hat mehr als %(limit)s Datenzeilen; mehr nimmt ein Import nicht an. "
            "Bitte die Datei in kleinere Teile aufteilen und nacheinander importieren."
        )
        % {"limit": format_number(limit)}
    )


def _too_many_lines(limit: int) -> Problem:
    return Problem(
        _(
            "Die Datei hat mehr als %(lines)s Zeilen (leere mitgezählt); ein Import nimmt "
            "höchstens %(limit)s Datenzeilen an. Bitte leere Zeilen löschen oder die Datei "
            "aufteilen."
        )
        % {"lines": format_number(2 * limit + 1), "limit": format_number(limit)}
    )


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
                _(
                    "Die Zeichenkodierung der Datei ist nicht erkennbar. Erwartet wird UTF-8 "
                    "(mit oder ohne BOM) oder Windows-1252 (ANSI)."
                )
            )
        ]
    )


def _csv_records(data: bytes, columns: Sequence[Column]):
    text = _decode(data).replace("\x00", "")
    limit = settings.IMPORT_MAX_ROWS
    if max(text.count("\n"), text.count("\r")) > 2 * limit + 1:
        # Before the text is split: 25 MB of line breaks are 25 million lines.
        raise TableError([_too_many_lines(limit)])
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
    counter = _RowCounter()
    try:
        for cells in reader:
            start = last_line + 1 + first_line_offset
            last_line = reader.line_num
            counter.count(cells, records)
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
            header = next(c for _line, c in records if not _is_blank(c))
            column = (
                header[len(cells) - 1]
                if cells is not header and len(cells) <= len(header)
                else None
            )
            raise TableError([_unclosed_quote(line, column)])
    return records


def _ends_inside_quotes(lines: list[str], delimiter: str) -> bool:
    try:
        for _row in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _unclosed_quote(line: int, column: str | None = None) -> Problem:
    return Problem(
        _(
            "Ein Feld beginnt mit einem Anführungszeichen, das bis zum Dateiende nicht "
            "geschlossen wird. Bitte das fehlende Anführungszeichen ergänzen."
        ),
        line=line,
        column=cell_text(column) or None,
    )


def _detect_delimiter(lines: list[str], columns: Sequence[Column]) -> str:
    header_line = next((line for line in lines if line.strip()), "")

    def score(delim: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delim), [])
        recognised = sum(1 for cell in cells if any(col.matches(cell) for col in columns))
        return recognised, len(cells)

    return max(DELIMITERS, key=score)


def _xlsx_records(data: bytes):
    try:
        return _read_xlsx(data)
    except TableError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise TableError(
            [
                Problem(
                    _(
                        "Die Excel-Datei ist beschädigt oder keine XLSX-Datei. Bitte in Excel "
                        "öffnen und erneut als .xlsx oder als CSV speichern."
                    )
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
        counter = _RowCounter()
        for number, (row_f, row_v) in enumerate(
            zip(sheet_f.iter_rows(), sheet_v.iter_rows(values_only=True), strict=False),
            start=1,
        ):
            cells = [
                _xlsx_cell(cell, computed) for cell, computed in zip(row_f, row_v, strict=False)
            ]
            counter.count(cells, records)
            records.append((number, cells))
    finally:
        formulas.close()
        values.close()
    return records


def _xlsx_cell(cell, computed: Any) -> Any:
    raw = cell.value
    if isinstance(raw, str) and raw.startswith("="):
        # A real formula keeps the value Excel computed; a formula without a cached
        # value (text such as "=Müller" written by a program) is text.
        return computed if computed is not None else raw
    return _as_displayed(raw, cell.number_format)


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


def _table_from_records(records, columns: Sequence[Column], fmt: str) -> Table:
    records = [(line, cells) for line, cells in records if not _is_blank(cells)]
    if not records:
        raise TableError([Problem(_("Die Datei ist leer."))])
    header_line, header_cells = records[0]
    header_cells = [cell_text(cell) for cell in header_cells]
    # Trailing empty header cells come from Excel's "used range"; ignore them.
    while header_cells and header_cells[-1] == "":
        header_cells.pop()

    index_of, headers, ignored = _match_headers(header_line, header_cells, columns)
    rows = _data_rows(records, index_of, width=len(header_cells), fmt=fmt)
    return Table(
        rows=rows,
        headers=headers,
        ignored_headers=ignored,
        format=fmt,
        labels={column.field: column.label for column in columns},
    )


def _match_headers(header_line: int, header_cells: list[str], columns: Sequence[Column]):
    """Which cell of the header holds which column: (field -> index, field -> header,
    ignored headers); raises TableError for a header that cannot be used."""
    problems: list[Problem] = []
    index_of: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(header_cells):
        column = next((col for col in columns if col.matches(header)), None)
        if column is None:
            if header:
                ignored.append(header)
        elif column.field in index_of:
            problems.append(_duplicate_column(column, headers[column.field], header, header_line))
        else:
            index_of[column.field] = index
            headers[column.field] = header
    if not index_of:
        raise TableError([_header_not_recognised(columns, header_line)])
    problems += [
        Problem(_("Pflichtspalte fehlt in der Kopfzeile."), line=header_line, column=column.label)
        for column in columns
        if column.required and column.field not in index_of
    ]
    if problems:
        raise TableError(problems)
    return index_of, headers, ignored


def _duplicate_column(column: Column, first: str, second: str, line: int) -> Problem:
    return Problem(
        _("Die Spalte „%(label)s“ kommt doppelt vor („%(first)s“ und „%(second)s“).")
        % {"label": column.label, "first": first, "second": second},
        line=line,
        column=second,
    )


def _header_not_recognised(columns: Sequence[Column], line: int) -> Problem:
    expected = ", ".join(col.label for col in columns if col.required)
    return Problem(
        _(
            "Die Kopfzeile wurde nicht erkannt: keine der erwarteten Spalten gefunden. "
            "Erwartet werden mindestens: %(expected)s. Trennzeichen: Semikolon, Komma "
            "oder Tabulator."
        )
        % {"expected": expected},
        line=line,
    )


def _data_rows(records, index_of: dict[str, int], *, width: int, fmt: str) -> list[Row]:
    header_line, header_record = records[0]
    data = records[1:]
    # In a CSV file every line has as many fields as the header. Some systems end
    # each data line (not the header) with separators: empty fields every line has.
    fields = len(header_record)
    longest = max((len(cells) for _line, cells in data), default=fields)
    if longest > fields and all(
        len(cells) == longest and _is_blank(cells[fields:]) for _line, cells in data
    ):
        fields = longest
    problems: list[Problem] = []
    rows: list[Row] = []
    names, indices = list(index_of), list(index_of.values())
    shape_ok = min(fields, width)  # a line no longer than this has the right shape
    complete = max(indices) + 1  # a line at least this long has every column's cell
    for line, cells in data:
        if len(cells) > shape_ok:
            problem = _row_shape_problem(cells, line, fields, len(header_record), width, fmt)
            if problem is not None:
                problems.append(problem)
                continue
        if len(cells) >= complete:
            values = dict(zip(names, [cells[i] for i in indices], strict=True))
        else:
            values = {name: (cells[i] if i < len(cells) else None) for name, i in index_of.items()}
        rows.append(Row(line=line, values=values))
    if problems:
        raise TableError(problems)
    if not rows:
        raise TableError(
            [
                Problem(
                    _("Die Datei enthält nur die Kopfzeile, aber keine Datenzeilen."),
                    line=header_line,
                )
            ]
        )
    return rows


def _row_shape_problem(
    cells: list, line: int, fields: int, header_fields: int, width: int, fmt: str
) -> Problem | None:
    if fmt == "csv" and len(cells) > fields:
        return Problem(
            _(
                "Die Zeile hat %(fields)s Felder, die Kopfzeile nur %(header)s. Steht ein "
                "Trennzeichen im Text, ohne dass das Feld in Anführungszeichen steht?"
            )
            % {"fields": len(cells), "header": header_fields},
            line=line,
        )
    if any(cell_text(cell) != "" for cell in cells[width:]):
        return Problem(
            _(
                "Die Zeile hat Werte rechts der letzten Spalte mit Überschrift. Bitte die "
                "Überschrift ergänzen oder die Werte löschen."
            ),
            line=line,
        )
    return None


# --------------------------------------------------------------------------- cell parsers

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: Any) -> str:
    """The cell as plain, trimmed text. Numbers from XLSX lose a `.0`."""
    if type(value) is str and value.isprintable() and "  " not in value:
        # No control character and no space but single ASCII ones: nothing to clean
        # (the common cell, and a file has hundreds of thousands).
        return value.strip()
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
            _("Das Feld enthält einen Zeilenumbruch. Fehlt ein schließendes Anführungszeichen?")
        )
    text = cell_text(value)
    if len(text) > max_length:
        raise CellError(
            _("Der Text ist zu lang (%(length)s Zeichen, höchstens %(limit)s).")
            % {"length": len(text), "limit": max_length}
        )
    return text


def text_parser(max_length: int, *, multiline_ok: bool = False) -> Parser:
    """A parser for text of at most `max_length` characters."""
    return partial(parse_text, max_length=max_length, multiline_ok=multiline_ok)


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
    year, month, day = _date_parts(text)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise CellError(
            _("%(value)s ist kein gültiges Datum: diesen Tag gibt es nicht.")
            % {"value": quoted(text)}
        ) from None
    if not 1900 <= date.year <= 2200:
        raise CellError(
            _("%(value)s liegt außerhalb des möglichen Zeitraums (1900 bis 2200).")
            % {"value": quoted(text)}
        )
    return date


def _date_parts(text: str) -> tuple[int, int, int]:
    if match := _DATE_DE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        return year, month, day
    if match := _DATE_ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        return year, month, day
    if _DATE_DE_SHORT.fullmatch(text):
        raise CellError(
            _(
                "%(value)s hat eine zweistellige Jahreszahl. Bitte das Jahr vierstellig "
                "angeben (TT.MM.JJJJ)."
            )
            % {"value": quoted(text)}
        )
    raise CellError(
        _("%(value)s ist kein Datum. Erwartet wird TT.MM.JJJJ oder JJJJ-MM-TT.")
        % {"value": quoted(text)}
    )


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
        raise CellError(
            _("%(value)s ist keine Zahl. Erwartet wird z. B. 39 oder 19,5.")
            % {"value": quoted(text)}
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(_("%(value)s ist keine Zahl.") % {"value": quoted(text)}) from None


_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def parse_key(value: Any, *, max_length: int = 32, what: str = "Kennung") -> str:
    text = cell_text(value)
    if text == "":
        return ""
    if len(text) > max_length or not _KEY.fullmatch(text):
        raise CellError(
            _(
                "%(value)s ist keine gültige %(what)s: erlaubt sind Buchstaben, Ziffern und "
                ". _ / - (höchstens %(limit)s Zeichen)."
            )
            % {"value": quoted(text), "what": what, "limit": max_length}
        )
    return text


def key_parser(what: str, *, max_length: int = 32) -> Parser:
    """A parser for a key (personnel number, unit code …); `what` names it in messages."""
    return partial(parse_key, what=what, max_length=max_length)


# --------------------------------------------------------------------------- row checking


class Report(Protocol):
    """Where the checks report: an import's result."""

    problems: list[Problem]
    warnings: list[Problem]


@dataclass
class CheckedRow:
    """One row of the file after its cells were parsed: the values by field, and a
    way for the rules to report what they find, in German, with line and column."""

    row: Row
    table: Table
    report: Report
    values: dict[str, Any] = field(default_factory=dict)
    found: int = 0  # problems found in this row

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def ok(self) -> bool:
        return not self.found

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def raw_text(self, name: str) -> str:
        """The cell as written, also where it could not be parsed."""
        return self.row.text(name)

    def problem(self, message: str, column: str | None = None) -> None:
        """A problem (the file is refused); `column` is a field name."""
        self.found += 1
        self.report.problems.append(self._at(message, column))

    def warning(self, message: str, column: str | None = None) -> None:
        """A hint (the file is applied all the same)."""
        self.report.warnings.append(self._at(message, column))

    def _at(self, message: str, column: str | None) -> Problem:
        return Problem(
            message, line=self.line, column=self.table.header(column) if column else None
        )


Rule = Callable[[CheckedRow, Any], None]


def parse_row(checked: CheckedRow, columns: Sequence[Column]) -> dict[str, Any]:
    """Every cell of the row through its column's parser. A cell that cannot be
    used is reported (not raised), so that all problems are listed at once, and
    its value is None."""
    return _parse_cells(checked, _cell_specs(columns))


def _cell_specs(columns: Sequence[Column]) -> list[tuple[str, Parser, bool]]:
    return [(column.field, column.parse or cell_text, column.required) for column in columns]


def _parse_cells(checked: CheckedRow, specs: list[tuple[str, Parser, bool]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    cells = checked.row.values
    for name, parse, required in specs:
        try:
            value = parse(cells.get(name))
        except CellError as exc:
            checked.problem(str(exc), name)
            value = None
        else:
            if required and (value is None or value == ""):
                checked.problem(_("Pflichtfeld ist leer."), name)
                value = None
        values[name] = value
    return values


def check_rows(
    table: Table,
    columns: Sequence[Column],
    *,
    report: Report,
    rules: Iterable[Rule] = (),
    context: Any = None,
    by_column: bool = False,
) -> list[CheckedRow]:
    """Parse every row through the columns, then apply the rules to it, in order.

    Returns every row (rules may still look at rows with problems; `ok` tells the
    clean ones). A row's problems follow the order of the checks, or with
    `by_column` the order of the columns.
    """
    rules = list(rules)
    position = {table.header(column.field): i for i, column in enumerate(columns)}
    specs = _cell_specs(columns)  # once, not for each of 50,000 rows
    checked_rows = []
    for row in table.rows:
        start = len(report.problems)
        checked = CheckedRow(row=row, table=table, report=report)
        checked.values = _parse_cells(checked, specs)
        for rule in rules:
            rule(checked, context)
        if by_column and len(report.problems) > start + 1:
            report.problems[start:] = sorted(
                report.problems[start:], key=lambda p: position.get(p.column, len(columns))
            )
        checked_rows.append(checked)
    return checked_rows


def display_value(value: Any) -> str:
    """A value as the preview and the history show it: German dates and decimals."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    return str(value)
