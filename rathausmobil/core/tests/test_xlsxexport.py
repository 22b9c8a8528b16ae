"""The XLSX export (core/xlsxexport.py), read back by LibreOffice Calc and by openpyxl."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from rathausmobil.core.tests.readback import calc_csv
from rathausmobil.core.xlsxexport import (
    DATE,
    DECIMAL,
    INTEGER,
    SHARE,
    TEXT,
    XLSX_CONTENT_TYPE,
    Sheet,
    xlsx_bytes,
    xlsx_response,
)

AS_OF = dt.datetime(2026, 12, 7, 13, 5, tzinfo=dt.UTC)  # 14:05 in Offenbach
HEADER = ["Einheit", "Beschäftigte", "Anteil", "Stichtag", "Erfasst", "Stunden", "Bemerkung"]
KINDS = [TEXT, INTEGER, SHARE, DATE, None, DECIMAL, None]
UNITS = [
    ["Amt für Bürgerdienste", 1300, 0.253, dt.date(2026, 12, 7), AS_OF, Decimal("12894.56"), None],
    ["Ordnungsamt", 7, 1, dt.date(2021, 1, 20), None, 3.45, "=1+2"],
]
INJECTIONS = ["=1+2", "+1+2", "-1+2", "@SUM(1,2)", '=HYPERLINK("http://example.org","x")']


def many_rows():
    for n in range(1, 251):  # beyond the rows measured for the column widths
        yield [f"Stelle {n}", n * 1000]


def workbook_bytes() -> bytes:
    return xlsx_bytes(
        [
            Sheet(
                "Einheiten",
                HEADER,
                UNITS,
                kinds=KINDS,
                heading="Lagebericht mobiles Arbeiten",
                as_of=AS_OF,
            ),
            Sheet("Formeln?", ["Eingabe"], [[text] for text in INJECTIONS]),
            Sheet("Stellen", ["Stelle", "Wert"], many_rows(), as_of=dt.date(2021, 1, 20)),
        ],
        title="Lagebericht mobiles Arbeiten",
    )


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    """The workbook as LibreOffice Calc shows it (one start of Calc for the module)."""
    folder = tmp_path_factory.mktemp("xlsx")
    path = folder / "bericht.xlsx"
    path.write_bytes(workbook_bytes())
    return calc_csv(path, folder)


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes()))


def test_it_is_read_back_by_libreoffice_with_the_same_values(calc):
    assert list(calc) == ["Einheiten", "Formeln-", "Stellen"]
    title, as_of, blank, header, *rows = calc["Einheiten"]
    assert title[0] == "Lagebericht mobiles Arbeiten"
    assert as_of[0] == "Stand: 07.12.2026, 14:05 Uhr"
    assert not any(blank)
    assert header == HEADER
    # Calc shows numbers in their formats (here in its en-US locale: a German one shows
    # "1.300", "25,3 %", "12.894,6"), dates as dates and an empty cell as nothing.
    assert rows == [
        [
            "Amt für Bürgerdienste",
            "1,300",
            "25.3 %",
            "07.12.2026",
            "07.12.2026 14:05",
            "12,894.6",
            "",
        ],
        ["Ordnungsamt", "7", "100.0 %", "20.01.2021", "", "3.5", "=1+2"],
    ]


def test_it_never_lets_calc_compute_a_text(calc):
    _header, *rows = calc["Formeln-"]
    assert [row[0] for row in rows] == INJECTIONS  # not 3, not a link


def test_it_writes_every_row_of_a_long_generator(calc):
    as_of, _blank, header, *rows = calc["Stellen"]
    assert as_of[0] == "Stand: 20.01.2021"
    assert header == ["Stelle", "Wert"]
    assert len(rows) == 250
    assert rows[-1] == ["Stelle 250", "250,000"]


def test_it_types_each_cell_by_its_value(book):
    sheet = book["Einheiten"]
    cells = {cell.column_letter: cell for cell in sheet[5]}
    assert [(cells[c].data_type, cells[c].number_format) for c in "ABCDEFG"] == [
        ("s", "General"),
        ("n", "#,##0"),
        ("n", "0.0 %"),
        ("d", "DD.MM.YYYY"),
        ("d", "DD.MM.YYYY HH:MM"),
        ("n", "#,##0.0"),
        ("n", "General"),  # None: an empty cell
    ]
    assert [cells[c].value for c in "ABCDEF"] == [
        "Amt für Bürgerdienste",
        1300,
        0.253,
        dt.datetime(2026, 12, 7),
        dt.datetime(2026, 12, 7, 14, 5),  # local time: Excel knows no time zones
        12894.56,
    ]
    assert cells["G"].value is None
    assert (sheet["G6"].value, sheet["G6"].data_type) == ("=1+2", "s")
    assert (sheet["F6"].value, sheet["F6"].number_format) == (3.45, "#,##0.0")
    assert all(cell.data_type == "s" for row in book["Formeln-"].iter_rows() for cell in row)


def test_it_heads_each_sheet_with_a_bold_frozen_header(book):
    sheet = book["Einheiten"]
    assert sheet["A1"].font.bold and sheet["A1"].font.size == 14
    assert all(cell.font.bold for cell in sheet[4])
    assert not sheet["A5"].font.bold
    assert sheet.freeze_panes == "A5"
    assert sheet.print_title_rows == "$4:$4"  # and on every printed page
    assert sheet.auto_filter.ref == "A4:G6"
    assert book["Formeln-"].freeze_panes == "A2"
    widths = {c: sheet.column_dimensions[c].width for c in "ABCD"}
    assert widths["A"] > len("Amt für Bürgerdienste")  # the longest unit fits
    assert widths["D"] >= len("07.12.2026")
    assert all(width <= 60 for width in widths.values())


def test_it_names_the_document(book):
    assert book.properties.title == "Lagebericht mobiles Arbeiten"
    assert book.properties.creator == "Rathaus Mobil"
    assert book.properties.language == "de-DE"


def test_it_answers_a_download():
    response = xlsx_response(
        "bericht-2026-12-07.xlsx", [Sheet("Zahlen", ["Zahl"], [[1]])], title="Zahlen"
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="bericht-2026-12-07.xlsx"'
    assert openpyxl.load_workbook(io.BytesIO(response.content))["Zahlen"]["A2"].value == 1


def test_it_refuses_kinds_that_do_not_fit_the_columns():
    with pytest.raises(ValueError, match="one kind per column"):
        Sheet("x", ["a", "b"], [], kinds=[TEXT])
    with pytest.raises(ValueError, match="unknown column kinds"):
        Sheet("x", ["a"], [], kinds=["percent"])
