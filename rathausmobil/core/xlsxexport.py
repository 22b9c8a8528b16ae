"""XLSX for Excel and LibreOffice: typed cells that can be computed with, and no formula.

A workbook is one or more `Sheet`s; each is an optional title line and "Stand:" line, a
bold frozen header and the rows. A cell's type follows its value (or the column's kind):

- `int` as a number grouped by thousands (`#,##0`), `float` and `Decimal` with one
  decimal (`#,##0.0`), a column of kind `SHARE` (0.25) as a percentage (`0.0 %`);
  Excel and LibreOffice show these with the reader's separators ("1.300", "3,5", "25,0 %");
- `datetime.date` as a date (`DD.MM.YYYY`), `datetime.datetime` as a local date and time
  (`DD.MM.YYYY HH:MM`);
- `None` as an empty cell, `bool` as "ja"/"nein", anything else as text. Text is always
  stored as a string, never as a formula, so "=1+2" stays the text "=1+2" (XLSX knows
  the type of a cell; CSV needs `core.csvexport.safe_cell` instead).

    return xlsx_response(
        "bericht.xlsx",
        [Sheet(_("Einheiten"), [_("Einheit"), _("Beschäftigte"), _("Anteil")], rows,
               kinds=[TEXT, INTEGER, SHARE], heading=_("Lagebericht"), as_of=timezone.now())],
        title=_("Lagebericht"),
    )

Rows may be a generator: the workbook is written row by row (openpyxl's write-only
mode), and column widths are measured on the header and the first `MEASURED_ROWS` rows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from rathausmobil.core.dates import german_date

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column kinds: how a column's numbers are shown (None: from each value's type).
TEXT = "text"
INTEGER = "integer"  # 1.300
DECIMAL = "decimal"  # 3,5
SHARE = "share"  # 0.25 -> 25,0 %
DATE = "date"
DATETIME = "datetime"

# Format codes are stored in the file in Excel's neutral notation (comma groups, point
# for decimals); the program shows them with the separators of the reader's language.
FORMATS = {
    INTEGER: "#,##0",
    DECIMAL: "#,##0.0",
    SHARE: "0.0 %",
    DATE: "DD.MM.YYYY",
    DATETIME: "DD.MM.YYYY HH:MM",
}
KINDS = frozenset((TEXT, *FORMATS))

MEASURED_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Sheet:
    """One table on its own sheet. `kinds` names each column's kind (TEXT, INTEGER,
    DECIMAL, SHARE, DATE, DATETIME or None for "from the value"); `heading` and `as_of`
    write a title line and a "Stand: …" line above the header."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    kinds: Sequence[str | None] | None = None
    heading: str = ""
    as_of: dt.date | dt.datetime | None = None

    def __post_init__(self):
        if self.kinds is not None:
            if len(self.kinds) != len(self.header):
                raise ValueError("kinds must name one kind per column")
            unknown = set(self.kinds) - KINDS - {None}
            if unknown:
                raise ValueError(f"unknown column kinds: {sorted(unknown)}")


def as_of_line(as_of: dt.date | dt.datetime) -> str:
    """The "Stand" line: "Stand: 07.12.2026", of a moment "Stand: 07.12.2026, 14:05 Uhr"."""
    if isinstance(as_of, dt.datetime):
        moment = timezone.localtime(as_of) if timezone.is_aware(as_of) else as_of
        return gettext("Stand: %(date)s, %(time)s Uhr") % {
            "date": german_date(moment.date()),
            "time": moment.strftime("%H:%M"),
        }
    return gettext("Stand: %(date)s") % {"date": german_date(as_of)}


def _typed(value, kind: str | None) -> tuple[object, str | None]:
    """The value as the cell holds it and its number format (None: general or text)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (gettext("ja") if value else gettext("nein")), TEXT
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):  # Excel knows no time zones: the local wall time
            value = timezone.make_naive(value)
        return value, FORMATS[DATETIME]
    if isinstance(value, dt.date):
        return value, FORMATS[DATE]
    if isinstance(value, int | float | Decimal) and kind != TEXT:
        if isinstance(value, Decimal):
            value = float(value)
        if value != value or value in (float("inf"), float("-inf")):  # no number to show
            return None, None
        if kind in (INTEGER, DECIMAL, SHARE):
            return value, FORMATS[kind]
        return value, FORMATS[INTEGER if isinstance(value, int) else DECIMAL]
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)), TEXT


def _cell(ws, value, kind: str | None):
    value, number_format = _typed(value, kind)
    cell = WriteOnlyCell(ws, value=value)
    if number_format == TEXT:
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif number_format:
        cell.number_format = number_format
    return cell


def _shown_length(value, kind: str | None) -> int:
    value, number_format = _typed(value, kind)
    if value is None:
        return 0
    if number_format == FORMATS[DATE]:
        return 10
    if number_format == FORMATS[DATETIME]:
        return 16
    if isinstance(value, int | float):
        decimals = 0 if number_format == FORMATS[INTEGER] else 1
        text = f"{value * (100 if number_format == FORMATS[SHARE] else 1):,.{decimals}f}"
        return len(text) + (2 if number_format == FORMATS[SHARE] else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_TITLE_FORBIDDEN.sub("-", title).strip("' ")[:31] or "Tabelle"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]} {n}"
    taken.add(name.lower())
    return name


def _write_sheet(workbook: Workbook, sheet: Sheet, taken: set[str]) -> None:
    ws = workbook.create_sheet(_sheet_title(sheet.title, taken))
    kinds = list(sheet.kinds or [None] * len(sheet.header))
    rows: Iterator[Sequence] = iter(sheet.rows)
    measured = list(islice(rows, MEASURED_ROWS))

    for index, label in enumerate(sheet.header):
        longest = max(
            [len(str(label)) + 2, *(_shown_length(row[index], kinds[index]) for row in measured)]
        )
        width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(index + 1)].width = width

    # The sheet's views and columns are written with its first row: set them before.
    above = [line for line in (sheet.heading, sheet.as_of) if line not in ("", None)]
    header_row = len(above) + 2 if above else 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    if sheet.heading:
        cell = _cell(ws, sheet.heading, TEXT)
        cell.font = _TITLE
        ws.append([cell])
    if sheet.as_of is not None:
        ws.append([_cell(ws, as_of_line(sheet.as_of), TEXT)])
    if above:
        ws.append([])

    header = []
    for label in sheet.header:
        cell = _cell(ws, label, TEXT)
        cell.font, cell.alignment = _BOLD, _WRAP
        header.append(cell)
    ws.append(header)
    last_row = header_row
    for row in chain(measured, rows):
        ws.append([_cell(ws, value, kind) for value, kind in zip(row, kinds, strict=True)])
        last_row += 1
    if sheet.header:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.header))}{last_row}"


def xlsx_bytes(
    sheets: Sequence[Sheet], *, title: str, creator: str = "Rathaus Mobil", language: str = "de-DE"
) -> bytes:
    """The workbook of `sheets`, with its document title, creator and language."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    workbook.properties.creator = creator
    workbook.properties.lastModifiedBy = creator
    workbook.properties.language = language
    taken: set[str] = set()
    for sheet in sheets:
        _write_sheet(workbook, sheet, taken)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, sheets: Sequence[Sheet], *, title: str, language: str = "de-DE"
) -> HttpResponse:
    """The workbook as a download named `filename`."""
    response = HttpResponse(
        xlsx_bytes(sheets, title=title, language=language), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
