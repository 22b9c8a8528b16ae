"""The limits of an import file (core/tabular.py, docs/import.md "Limits"): a zip bomb is
refused from the zip's directory before openpyxl unpacks anything, no file has more
than IMPORT_MAX_ROWS data rows, the upload page refuses a file over IMPORT_MAX_BYTES
before reading it; and a real file still passes. Every refusal keeps nothing."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from rathausmobil.core import importviews
from rathausmobil.core.imports import import_kinds
from rathausmobil.core.models import ImportUpload
from rathausmobil.core.tabular import TableError, read_table
from rathausmobil.core.tests.test_imports import COLUMNS, LEDGER, PLANETS

pytestmark = pytest.mark.urls("rathausmobil.core.tests.fiction_urls")

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def planets():
    import_kinds.register(PLANETS)
    LEDGER.clear()
    yield
    import_kinds.unregister("planets")


@pytest.fixture
def opened(monkeypatch):
    """The workbooks openpyxl was asked to open (none of them is)."""
    calls = []

    def load_workbook(*args, **kwargs):
        calls.append(args)
        raise AssertionError("openpyxl opened the file")

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    return calls


def upload(client, data, name="planeten.xlsx"):
    return client.post(reverse("fiction:import_upload"), {"file": SimpleUploadedFile(name, data)})


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A real workbook whose sheet holds the same row over and over: about 2 MB that
    unpack to `unpacked_mb` MB (a few million rows), built in half a second."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["Name", "Monde"]])))
    row = b'<row><c t="inlineStr"><is><t>Erde</t></is></c><c><v>1</v></c></row>'
    chunk = row * (MB // len(row))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for part in source.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(part.filename, source.read(part.filename))
                continue
            with bomb.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas'
                    b'.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_it_refuses_a_zip_bomb_from_its_directory_without_unpacking_it(client, employee, opened):
    bomb = zip_bomb()
    assert len(bomb) < 5 * MB  # far below IMPORT_MAX_BYTES (25 MB)
    client.force_login(employee)

    response = upload(client, bomb)

    body = response.content.decode()
    assert response.status_code == 422
    assert (
        "Die Datei ist entpackt größer als 250 MB (301 MB, davon „xl/worksheets/sheet1.xml“ "
        "300 MB). So große Excel-Dateien werden nicht gelesen; bitte die Datei aufteilen."
    ) in body
    assert "„xl/worksheets/sheet1.xml“ ist entpackt " in body
    assert "-mal so groß wie gepackt (höchstens 100-mal)" in body
    assert not ImportUpload.objects.exists() and LEDGER == []
    assert opened == []


def test_it_refuses_a_tightly_packed_part_below_the_size_limit(settings, opened):
    settings.IMPORT_MAX_ZIP_RATIO = 20

    with pytest.raises(TableError) as refused:
        read_table(zip_bomb(unpacked_mb=3), "klein.xlsx", COLUMNS)

    [problem] = refused.value.problems
    assert str(problem).startswith("„xl/worksheets/sheet1.xml“ ist entpackt ")
    assert "-mal so groß wie gepackt (höchstens 20-mal)." in str(problem)
    assert opened == []


def test_it_refuses_a_workbook_of_too_many_parts(settings, opened):
    settings.IMPORT_MAX_ZIP_MEMBERS = 5
    data = xlsx([["Name"], ["Erde"]])

    with pytest.raises(TableError) as refused:
        read_table(data, "teile.xlsx", COLUMNS)

    assert [str(p) for p in refused.value.problems] == [
        f"Die Datei besteht aus {len(zipfile.ZipFile(io.BytesIO(data)).infolist())} Teilen, "
        "eine Excel-Datei aus höchstens 5. Bitte nur die Tabelle als .xlsx oder als CSV "
        "speichern."
    ]
    assert opened == []


ROWS_REFUSED = (
    "Die Datei hat mehr als 3 Datenzeilen; mehr nimmt ein Import nicht an. Bitte die Datei "
    "in kleinere Teile aufteilen und nacheinander importieren."
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_takes_a_file_of_as_many_rows_as_allowed_and_refuses_one_more(settings, fmt):
    settings.IMPORT_MAX_ROWS = 3
    planets = [["Merkur", 0], ["Venus", 0], ["Erde", 1], ["Mars", 2]]

    def data(rows):
        if fmt == "xlsx":
            return xlsx([["Name", "Monde"], *rows])
        # a blank line is no data row
        return ("Name;Monde\r\n\r\n" + "".join(f"{n};{m}\r\n" for n, m in rows)).encode()

    assert len(read_table(data(planets[:3]), f"p.{fmt}", COLUMNS).rows) == 3
    with pytest.raises(TableError) as refused:
        read_table(data(planets), f"p.{fmt}", COLUMNS)
    assert [str(p) for p in refused.value.problems] == [ROWS_REFUSED]


def test_it_stops_reading_at_the_first_row_over_the_limit(settings, monkeypatch):
    """A file far over the limit costs what a file at the limit costs."""
    from rathausmobil.core import tabular

    settings.IMPORT_MAX_ROWS = 3
    counted = []
    count = tabular._RowCounter.count
    monkeypatch.setattr(
        tabular._RowCounter,
        "count",
        lambda self, cells, before: counted.append(1) or count(self, cells, before),
    )
    data = xlsx([["Name", "Monde"], *([["Erde", 1]] * 1000)])

    with pytest.raises(TableError):
        read_table(data, "viele.xlsx", COLUMNS)

    assert len(counted) == 5  # the header, three rows, the one too many


def test_it_refuses_a_csv_file_of_millions_of_empty_lines_before_splitting_it(settings):
    settings.IMPORT_MAX_ROWS = 3

    with pytest.raises(TableError) as refused:
        read_table(b"Name;Monde\r\nErde;1\r\n" + b"\r\n" * 100, "leer.csv", COLUMNS)

    assert [str(p) for p in refused.value.problems] == [
        "Die Datei hat mehr als 7 Zeilen (leere mitgezählt); ein Import nimmt höchstens 3 "
        "Datenzeilen an. Bitte leere Zeilen löschen oder die Datei aufteilen."
    ]


def test_it_refuses_a_row_cap_breach_on_the_page_and_keeps_nothing(client, employee, settings):
    settings.IMPORT_MAX_ROWS = 3
    client.force_login(employee)

    response = upload(client, b"Name;Monde\r\nA;1\r\nB;1\r\nC;1\r\nD;1\r\n", name="p.csv")

    assert response.status_code == 422
    assert ROWS_REFUSED in response.content.decode()
    assert not ImportUpload.objects.exists() and LEDGER == []


def test_it_refuses_an_upload_over_the_byte_limit_in_german_before_reading_it(
    client, employee, settings, monkeypatch
):
    settings.IMPORT_MAX_BYTES = 1 * MB
    client.force_login(employee)
    page = client.get(reverse("fiction:import_upload")).content.decode()
    monkeypatch.setattr(
        importviews, "import_upload_preview", lambda **kw: pytest.fail("the file was read")
    )

    response = upload(client, b"Name;Monde\r\n" + b"Erde;1\r\n" * (MB // 8), name="p.csv")

    assert "oder Excel (.xlsx); höchstens 1 MB." in page
    assert response.status_code == 200  # a form with an error
    assert "Die Datei ist größer als 1 MB." in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_it_still_previews_a_real_workbook(client, employee):
    client.force_login(employee)

    response = upload(client, xlsx([["Name", "Monde"], ["Erde", 1], ["Mars", 2]]))

    assert response.status_code == 302
    assert ImportUpload.objects.get().summary["counts"]["created"] == 2
