"""The PDF export (core/pdf.py): tagged PDF/UA-1 from a template, read back with poppler."""

import base64
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from rathausmobil.core.pdf import pdf_from_template, pdf_response
from rathausmobil.core.tests.readback import (
    pdf_alt_texts,
    pdf_fonts,
    pdf_info,
    pdf_languages,
    pdf_structure,
    pdf_text,
)

AS_OF = dt.datetime(2026, 12, 7, 13, 5, tzinfo=dt.UTC)  # 14:05 in Offenbach
TITLE = "Lagebericht mobiles Arbeiten – Übersicht"
SAMPLE = "core_tests/pdf_sample.html"
MONTHS = [("Januar", 12), ("Februar", 30)]
# A red pixel: an image given inline is embedded, one behind a URL is never fetched.
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def with_sample_templates():
    engine = django_settings.TEMPLATES[0]
    here = Path(__file__).parent / "templates"
    return override_settings(TEMPLATES=[{**engine, "DIRS": [*engine["DIRS"], here]}])


@pytest.fixture(autouse=True)
def sample_templates():
    with with_sample_templates():
        yield


def render(**context) -> bytes:
    return pdf_from_template(
        SAMPLE, {"note": "ÄÖÜ äöü ß", "months": MONTHS, **context}, title=TITLE, as_of=AS_OF
    )


@pytest.fixture(scope="module")
def pdf():
    with with_sample_templates():  # rendered once for the module: WeasyPrint takes a second
        return render()


def test_it_writes_a_tagged_pdf_ua_with_title_language_and_author(pdf):
    info = pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert info["Title"] == TITLE
    assert info["Author"] == "Rathaus Mobil"
    assert info["Page size"].endswith("(A4)")
    # PDF/UA-1 is declared in the XMP metadata (poppler's "PDF subtype" line reads only
    # the older Info keys, so it is not printed for PDF/UA).
    assert 'pdfuaid:part="1"' in info["Metadata"]
    assert TITLE in info["Metadata"]
    assert pdf_languages(pdf)[0] == "de"


def test_its_text_is_extractable_with_umlauts_header_and_footer(pdf):
    text = pdf_text(pdf)
    assert text.startswith(f"{TITLE} Stand: 07.12.2026, 14:05 Uhr {TITLE}")
    assert "Größe, Straße und Übermaß: ÄÖÜ äöü ß" in text
    assert "Vereinbarungen Monat Anzahl Januar 12 Februar 30" in text
    assert text.endswith("Seite 1 von 1")


def test_it_embeds_its_fonts(pdf):
    fonts = pdf_fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVu-Sans" in name for name in fonts)


def test_it_tags_headings_tables_and_the_chart_with_its_title(pdf):
    tags = {line.split()[0].rstrip(":") for line in pdf_structure(pdf).splitlines() if line.strip()}
    assert {"Document", "H1", "P", "Figure", "Table", "THead", "TH", "TBody", "TD"} <= tags
    assert "Vereinbarungen je Monat: Januar 12, Februar 30" in pdf_alt_texts(pdf)
    assert "Februar 30" in pdf_text(pdf)  # the chart's own label, drawn as text


def test_it_numbers_every_page_and_repeats_the_header():
    pdf = render(months=[(f"Monat {n}", n) for n in range(1, 150)])
    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page=page)
        assert text.startswith(TITLE), page
        assert "Stand: 07.12.2026, 14:05 Uhr" in text
        assert "Anzahl" in text  # the table's head on every page
        assert text.endswith(f"Seite {page} von {pages}")


def test_it_embeds_an_inline_image_and_fetches_nothing(tmp_path):
    picture = tmp_path / "wappen.png"
    picture.write_bytes(base64.b64decode(PIXEL))
    assert b"/Subtype /Image" in render(image=f"data:image/png;base64,{PIXEL}")
    assert b"/Subtype /Image" not in render(image=picture.as_uri())
    assert b"/Subtype /Image" not in render(image="http://127.0.0.1:9/wappen.png")


def test_it_writes_another_language_when_asked():
    pdf = pdf_from_template(SAMPLE, {"months": []}, title="Report", lang="en", as_of=AS_OF)
    assert pdf_languages(pdf)[0] == "en"
    assert pdf_info(pdf)["Title"] == "Report"


def test_it_answers_a_download_and_turns_the_page_when_asked():
    response = pdf_response(
        "lagebericht-2026-12-07.pdf",
        SAMPLE,
        {"months": MONTHS},
        title=TITLE,
        as_of=dt.date(2026, 12, 7),
        landscape=True,
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="lagebericht-2026-12-07.pdf"'
    assert pdf_info(response.content)["Page size"] == "841.89 x 595.276 pts (A4)"
    assert "Stand: 07.12.2026 " in pdf_text(response.content)
