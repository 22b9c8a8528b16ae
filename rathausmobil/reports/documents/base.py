"""A report as data: what it says, independent of the file it is written to.

A `Report` is a title, a Stichtag, optionally a unit, sections (paragraphs, tables and
charts) and an appendix of definitions. A build function per report kind makes one
(`documents/builders.py`); one renderer per format writes any of them
(`documents/render.py`). Table cells hold values, not text: an `int`, a share as a float
0..1, a `date`, `None` (no figure), or a text that stands in for a figure ("< 5", the
sentence of `core.figures.NotRebuilt`). Each renderer writes them its way: XLSX as typed
cells, CSV and text the German way, HTML and PDF through the same template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rathausmobil.core.charts import Chart
from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.core.xlsxexport import DATE, DECIMAL, INTEGER, SHARE, TEXT

__all__ = ["DATE", "DECIMAL", "INTEGER", "NUMBER", "SHARE", "TEXT"]

NUMBER = None  # a column of numbers written as each value is (1.200 or 347,6)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str | None = TEXT  # TEXT, INTEGER, DECIMAL, SHARE, DATE or NUMBER (None)


@dataclass(frozen=True)
class Table:
    """A table of values. `data_only`: its numbers are the data of a chart of the same
    section, so HTML and PDF (which print the chart with its table) leave it out, while
    XLSX, CSV and text, which draw no chart, write it."""

    caption: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    sheet: str = ""  # the XLSX sheet's name (default: the caption)
    data_only: bool = False

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    @property
    def wide(self) -> bool:
        """Many columns: printed smaller so that the table fits the page."""
        return len(self.columns) > 7

    @property
    def row_headers(self) -> bool:
        """The first column names each row (a figure, a unit's code): a row header."""
        return bool(self.columns) and self.columns[0].kind == TEXT

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.header, self.numeric(), strict=True))

    @property
    def kinds(self) -> list[str]:
        return [c.kind for c in self.columns]

    def text_rows(self) -> list[list[str]]:
        """The rows as a person reads them ("1.200", "25,3 %", "07.12.2026", "–")."""
        return [
            [cell_text(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def cells(self) -> list[list[tuple[str, str, bool]]]:
        """The rows for a page: each cell as (text, its column's label, is a number)."""
        labels, numeric = self.header, self.numeric()
        return [
            [(text, labels[i], numeric[i]) for i, text in enumerate(row)]
            for row in self.text_rows()
        ]

    def numeric(self) -> list[bool]:
        return [c.kind in (INTEGER, DECIMAL, SHARE, NUMBER) for c in self.columns]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    charts: Sequence[Chart] = ()
    # Items of a list (a legend, a verdict per figure): (term, text)
    items: Sequence[tuple[str, str]] = ()

    @property
    def charts_data_in_table(self) -> bool:
        """The charts' numbers stand in a table of this section (one for all charts)."""
        return any(table.data_only for table in self.tables)


@dataclass(frozen=True)
class Definition:
    """How a figure is computed, for the appendix."""

    term: str
    text: str


@dataclass(frozen=True)
class Report:
    name: str  # the report kind: "lagebericht"
    title: str  # "Lagebericht mobiles Arbeiten"
    on: dt.date  # the Stichtag
    unit: Any = None  # an organisation.OrgUnit, or None for the whole administration
    lead: str = ""  # the first paragraph: what the report is and whose figures
    sections: Sequence[Section] = ()
    definitions: Sequence[Definition] = ()
    made_at: dt.datetime | None = None
    # Plain text of the report, when it is text rather than tables (the press text).
    text: str = ""

    @property
    def subject(self) -> str:
        """Whose figures: the unit with everything below, or the whole administration."""
        from django.utils.translation import gettext

        if self.unit is None:
            return gettext("Gesamte Verwaltung")
        return gettext("%(code)s %(name)s und alle Einheiten darunter") % {
            "code": self.unit.code,
            "name": self.unit.name,
        }

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def filename(self, extension: str) -> str:
        unit = f"-{slug(self.unit.code)}" if self.unit is not None else ""
        return f"{self.name}{unit}-{self.on:%Y-%m-%d}.{extension}"


def slug(text: str) -> str:
    """A unit code fit for a file name (letters, digits, dash)."""
    cleaned = "".join(c if c.isalnum() else "-" for c in str(text))
    return cleaned.strip("-")[:40] or "einheit"


def cell_text(value: Any, kind: str | None = TEXT) -> str:
    """A cell as a person reads it: numbers and dates the German way through the one
    formatter, no figure as "–", a text (a suppressed "< 5") as it is."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("ja") if value else gettext("nein")
    if isinstance(value, dt.date):
        return german_date(value)
    if isinstance(value, int | float) and kind != TEXT:
        if kind == SHARE:
            return format_number(value * 100, 1) + " %"
        if kind == DECIMAL:
            return format_number(value, 1)
        return format_number(value, 0 if isinstance(value, int) or kind == INTEGER else 1)
    return str(value)


def empty_sections(*sections: Section | None) -> list[Section]:
    """The sections that say something (a builder leaves out what has no figures)."""
    return [s for s in sections if s is not None]


@dataclass
class SectionBuilder:
    """Collects a section's parts while a builder reads figures."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)

    def done(self) -> Section:
        return Section(
            self.title,
            tuple(self.paragraphs),
            tuple(self.tables),
            tuple(self.charts),
            tuple(self.items),
        )
