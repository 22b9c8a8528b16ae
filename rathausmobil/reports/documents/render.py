"""One renderer per format, for every report: HTML (the page's body), PDF, XLSX, CSV, TXT.

- HTML and PDF share one template, `reports/documents/_report.html`: the page folds each
  chart's data table, the PDF prints it open (tagged PDF/UA-1 through core/pdf.py).
- XLSX: one sheet per table with typed cells (core/xlsxexport.py), then a sheet
  "Definitionen" with the appendix.
- CSV: several tables in one file as blocks. The file starts with the title, the "Stand"
  line and whose figures; then each table as a block: its caption in a line of its own,
  the header, the rows, an empty line. Semicolons, UTF-8 with BOM, numbers written
  German (1200, 12,5, 25,3 %, 07.12.2026, without thousands separators so that Excel
  reads them as numbers), every text cell formula-safe (core.csvexport.safe_cell). The
  definitions follow as a last block.
- TXT: plain text for the press text and the command; tables as aligned columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

from rathausmobil.core.csvexport import safe_cell
from rathausmobil.core.dates import german_date
from rathausmobil.core.pdf import pdf_from_template
from rathausmobil.core.xlsxexport import XLSX_CONTENT_TYPE, Sheet, as_of_line, xlsx_bytes
from rathausmobil.reports.documents.base import DECIMAL, INTEGER, SHARE, Report, Table

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
FORMAT_LABELS = {
    "pdf": "PDF",
    "xlsx": "Excel (XLSX)",
    "csv": "CSV",
    "txt": "Text",
}
PDF_TEMPLATE = "reports/documents/report_pdf.html"
BODY_TEMPLATE = "reports/documents/_report.html"


def render_html(report: Report, *, for_print: bool = False) -> str:
    """The report's body for a page (charts' tables folded) or for print (open)."""
    return render_to_string(BODY_TEMPLATE, {"report": report, "for_print": for_print})


def render_pdf(report: Report, *, landscape: bool = False) -> bytes:
    return pdf_from_template(
        PDF_TEMPLATE,
        {"report": report, "for_print": True},
        title=report.title,
        as_of=report.on,
        landscape=landscape,
    )


def render_xlsx(report: Report) -> bytes:
    sheets = [
        Sheet(
            table.sheet or table.caption,
            table.header,
            [list(row) for row in table.rows],
            kinds=table.kinds,
            heading=f"{report.title}: {table.caption}",
            as_of=report.on,
        )
        for table in report.tables
    ]
    if report.text:
        sheets.insert(
            0,
            Sheet(
                gettext("Text"),
                [gettext("Text")],
                [[report.text]],
                heading=report.title,
                as_of=report.on,
            ),
        )
    if report.definitions:
        sheets.append(
            Sheet(
                gettext("Definitionen"),
                [gettext("Begriff"), gettext("Wie berechnet")],
                [[d.term, d.text] for d in report.definitions],
                heading=report.title,
                as_of=report.on,
            )
        )
    if not sheets:
        sheets = [Sheet(report.title, [report.title], [[report.lead]])]
    return xlsx_bytes(sheets, title=report.title)


def csv_value(value, kind: str) -> str:
    """A cell as German Excel reads a semicolon file: numbers without grouping, a decimal
    comma, shares with " %", dates as 07.12.2026; text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return german_date(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind == SHARE:
            return f"{value * 100:.1f}".replace(".", ",") + " %"
        if kind == DECIMAL or isinstance(value, float):
            text = f"{value:.1f}" if kind != INTEGER else f"{round(value)}"
            return text.replace(".", ",")
        return str(value)
    return safe_cell(value)


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(report.title)])
    writer.writerow([safe_cell(as_of_line(report.on))])
    writer.writerow([safe_cell(report.subject)])
    if report.text:
        writer.writerow([])
        writer.writerow([safe_cell(report.text)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([safe_cell(table.caption)])
        writer.writerow([safe_cell(h) for h in table.header])
        for row in table.rows:
            writer.writerow([csv_value(v, k) for v, k in zip(row, table.kinds, strict=True)])
    if report.definitions:
        writer.writerow([])
        writer.writerow([safe_cell(gettext("Definitionen"))])
        writer.writerow([gettext("Begriff"), gettext("Wie berechnet")])
        for d in report.definitions:
            writer.writerow([safe_cell(d.term), safe_cell(d.text)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text_records(table: Table) -> list[str]:
    """A table of long texts (the register, justifications) as one block per row, each
    cell "Spalte: Text" and wrapped: columns would cut the texts off."""
    lines = []
    for row in table.text_rows():
        first, *rest = zip(table.header, row, strict=True)
        lines += [first[1], "~" * min(len(first[1]), 88)]
        for label, text in rest:
            lines += _wrap(f"{label}: {text}")
        lines.append("")
    return lines


def _text_table(table: Table) -> list[str]:
    if any(len(cell) > 60 for row in table.text_rows() for cell in row[1:]):
        return _text_records(table)
    rows = [table.header, *table.text_rows()]
    numeric = table.numeric()
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.header))]
    widths = [min(w, 60) for w in widths]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            cell = cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…"
            cells.append(cell.rjust(widths[i]) if numeric[i] and n else cell.ljust(widths[i]))
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=88) or [""]


def render_txt(report: Report) -> str:
    """Plain text. The press text comes first and alone, so that it can be copied."""
    lines: list[str] = []
    if report.text:
        # One line: a press office pastes it into its own text, which wraps it.
        lines += [report.text]
        lines += ["", "-- ", report.title, as_of_line(report.on), ""]
    else:
        lines += [report.title, "=" * len(report.title), as_of_line(report.on), report.subject, ""]
    if report.lead:
        lines += [*_wrap(report.lead), ""]
    for section in report.sections:
        if report.text and list(section.paragraphs) == [report.text]:
            continue
        lines += [section.title, "-" * len(section.title)]
        for paragraph in section.paragraphs:
            if paragraph != report.text:
                lines += [*_wrap(paragraph), ""]
        for term, text in section.items:
            lines += _wrap(f"{term}: {text}")
        if section.items:
            lines.append("")
        for table in section.tables:
            lines += [table.caption, *_text_table(table), ""]
    if report.definitions:
        title = gettext("Definitionen")
        lines += [title, "-" * len(title)]
        for d in report.definitions:
            lines += _wrap(f"{d.term}: {d.text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render(report: Report, fmt: str, *, landscape: bool = False) -> bytes:
    """The report in `fmt` as bytes (text in UTF-8)."""
    if fmt == "pdf":
        return render_pdf(report, landscape=landscape)
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "txt":
        return render_txt(report).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


def response(report: Report, fmt: str, *, landscape: bool = False) -> HttpResponse:
    """The report as a download."""
    result = HttpResponse(render(report, fmt, landscape=landscape), content_type=CONTENT_TYPES[fmt])
    result["Content-Disposition"] = f'attachment; filename="{report.filename(fmt)}"'
    return result
