"""Who should have which access now, as CSV for gateways and directories without an
adapter: semicolon, UTF-8 with BOM, no cell that Excel would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

from django.utils import timezone

from rathausmobil.access import selectors
from rathausmobil.core.csvexport import csv_response, safe_cell

HEADER = ["Personalnummer", "Name", "E-Mail", "Zugang", "Gateway/Farm", "Fachverfahren", "seit"]


def export_rows() -> Iterable[Sequence]:
    """Rows in HEADER order, from the access selectors' list of who should have
    access (active grants of active staff)."""
    for row in selectors.export_rows():
        since = row["since"]
        yield [
            row["personnel_number"],
            f"{row['last_name']}, {row['first_name']}",
            row["email"],
            row["kind_label"],
            row["target"],
            row["application"],
            f"{since:%d.%m.%Y}" if since else "",
        ]


def write_csv(stream: TextIO) -> int:
    """Writes the export (with BOM) to a text stream; returns the number of rows."""
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    stream.write("\ufeff")
    writer.writerow(HEADER)
    count = 0
    for row in export_rows():
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count


def export_response():
    """The export as a download, for a page of IT."""
    filename = f"zugaenge-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, HEADER, export_rows())
