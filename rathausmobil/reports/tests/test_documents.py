"""The reports as data and in every format: each report in PDF (tagged, its text holding
the headline figures), XLSX (read back by LibreOffice, numbers as numbers), CSV (formula
injection neutralised), TXT and HTML; small groups suppressed in every output; the press
text's rounding with constructed figures."""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from rathausmobil.core.figures import NotRebuilt
from rathausmobil.core.tests.readback import calc_csv, pdf_info, pdf_languages, pdf_text
from rathausmobil.reports.documents import builders
from rathausmobil.reports.documents.figures import press_number, press_round
from rathausmobil.reports.documents.registry import REPORTS
from rathausmobil.reports.documents.render import render, render_html, render_txt
from rathausmobil.reports.tests.conftest import EVIL, R8_TEXT
from rathausmobil.reports.verdicts import rollout_verdict

pytestmark = pytest.mark.django_db


def make(name, *, viewer=None, unit=None, on=None):
    return REPORTS.get(name).make(viewer=viewer, on=on or timezone.localdate(), unit=unit)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --------------------------------------------------------------------------- every format


@pytest.mark.parametrize("name", REPORTS.names())
def test_it_writes_each_report_in_each_of_its_formats(city, hr, name):
    kind = REPORTS.get(name)
    report = make(name, viewer=hr)
    for fmt in kind.formats:
        data = render(report, fmt, landscape=kind.landscape)
        assert data, fmt
        if fmt == "pdf":
            info = pdf_info(data)
            assert info["Tagged"] == "yes"
            assert info["Title"] == report.title
            assert pdf_languages(data)[0] == "de"
            text = pdf_text(data)
            assert report.title in text
            assert "None" not in text
        elif fmt in ("txt", "csv"):
            text = data.decode("utf-8-sig")
            assert report.title in text and "None" not in text
    assert "None" not in render_html(report)


def test_the_pdf_of_the_lagebericht_holds_the_headline_figures(city, leadership):
    report = make("lagebericht", viewer=leadership)
    text = pdf_text(render(report, "pdf"))
    assert "Beschäftigte (aktiv)" in text
    staff = builders.figures_for(viewer=leadership, on=report.on)["staff_total"]
    assert re.search(rf"Kennzahl Anzahl Anteil .*{staff} – ", text)
    assert "Kennzahlen je Dezernat" in text
    assert "Anhang: Definitionen" in text
    assert "Ablehnungen nach Grund" in text


def test_the_xlsx_is_read_back_by_libreoffice_with_numbers_as_numbers(city, leadership, tmp_path):
    report = make("anfrage", viewer=leadership)
    path = tmp_path / "anfrage.xlsx"
    path.write_bytes(render(report, "xlsx"))
    sheets = calc_csv(path, tmp_path)
    rows = sheets["Je Dezernat"]
    header = rows.index(next(r for r in rows if r and r[0] == "Kennung"))
    by_code = {r[0]: r for r in rows[header + 1 :] if r}
    total = rows[-1]
    staff = builders.figures_for(viewer=leadership, on=report.on)["staff_total"]
    assert total[2] == f"{staff:,}"  # Calc shows a number grouped: a number, not a text
    assert by_code["D"][1] == "Dezernat Test"
    assert by_code["X"][1] == EVIL  # a text cell: Calc shows it, never runs it
    assert "Definitionen" in sheets

    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["Je Dezernat"]
    cells = {row[0].value: row for row in sheet.iter_rows() if row[0].value in ("D", "X")}
    assert isinstance(cells["D"][2].value, int)
    assert cells["X"][1].data_type == "s"


def test_the_csv_neutralises_a_formula_and_keeps_tables_in_blocks(city, leadership):
    rows = csv_rows(render(make("lagebericht", viewer=leadership), "csv"))
    assert rows[0] == ["Lagebericht mobiles Arbeiten"]
    assert rows[1][0].startswith("Stand: ")
    names = [r[1] for r in rows if len(r) > 2 and r[0] == "X"]
    assert names == ["'" + EVIL] * len(names) and names
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    # Each table: an empty line, its caption, its header.
    caption = rows.index(["Kennzahlen je Dezernat"])
    assert rows[caption - 1] == []
    assert rows[caption + 1][:3] == ["Kennung", "Einheit", "Beschäftigte"]


def test_a_unit_named_as_a_formula_stays_text_in_the_staff_councils_csv(city, hr):
    rows = csv_rows(render(make("personalrat", viewer=hr), "csv"))
    named = [row for row in rows if row[:1] == ["X"]]
    assert named and all(row[1] == "'" + EVIL for row in named)


# --------------------------------------------------------------------------- suppression


def _reason_counts(report):
    table = next(t for t in report.tables if t.header[:2] == ["Code", "Grund"])
    return {row[0]: row[2] for row in table.rows}


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "csv", "txt"])
def test_a_group_under_5_is_suppressed_in_every_output(city, leadership, fmt, tmp_path):
    report = make("lagebericht", viewer=leadership)
    counts = _reason_counts(report)
    assert counts["R4"] == 6
    assert counts["R8"] == "< 5"
    if fmt == "html":
        row = re.search(r"<tr><th[^>]*>R8</th>.*?</tr>", render_html(report)).group(0)
        assert row.endswith(">&lt; 5</td></tr>")
        return
    data = render(report, fmt)
    if fmt == "pdf":
        text = pdf_text(data)
    elif fmt == "xlsx":
        path = tmp_path / "l.xlsx"
        path.write_bytes(data)
        sheet = calc_csv(path, tmp_path)["Ablehnungsgründe"]
        text = "\n".join(";".join(r) for r in sheet)
    else:
        text = data.decode("utf-8-sig")
    assert "< 5" in text
    line = next(line for line in text.replace(";", " ").splitlines() or [text] if "R8" in line)
    assert " 2" not in line.split("R8", 1)[1][:60]


def test_hr_reads_refusals_by_reason_exact_and_the_command_never(city, hr):
    assert _reason_counts(make("lagebericht", viewer=hr))["R8"] == 2
    assert _reason_counts(make("lagebericht", viewer=None))["R8"] == "< 5"


def test_refusals_per_unit_hide_a_small_group_and_what_would_give_it_away(city, staff_council):
    report = make("personalrat", viewer=staff_council)
    table = next(t for t in report.tables if t.sheet == "Ablehnungen je Einheit")
    rows = {row[0]: row for row in table.rows}
    year = str(dt.date.today().year)
    column = table.header.index(year)
    assert rows["A"][column] == 6
    assert rows["B"][column] == "< 5"
    assert rows["B"][-1] == "nicht ausgewiesen"  # the sum minus the other years
    assert rows["D"][column] == "nicht ausgewiesen"  # D minus A would give B


def test_the_staff_council_reads_justifications_and_the_command_does_not(city, staff_council):
    with_text = render_txt(make("personalrat", viewer=staff_council))
    assert R8_TEXT in with_text
    assert "Begründungen" in with_text
    published = render_txt(make("personalrat", viewer=None))
    assert R8_TEXT not in published
    assert "Begründungen" not in published


def test_the_staff_council_report_names_nobody(city, staff_council):
    text = render_txt(make("personalrat", viewer=staff_council))
    for name in ("Employee", "A1_0", "B1_0", "Supervisor"):
        assert name not in text
    assert "R8: Dokumentierte Leistungsbedenken" in text  # the legend


# --------------------------------------------------------------------------- units, dates


def test_a_unit_reports_its_own_figures_and_the_units_below_it(city, leadership):
    report = make("anfrage", viewer=leadership, unit=city["D"])
    assert report.subject == "D Dezernat Test und alle Einheiten darunter"
    table = report.tables[0]
    assert [row[0] for row in table.rows] == ["A", "B", "D"]
    assert report.filename("xlsx").startswith("anfrage-D-")


def test_a_figure_not_rebuilt_says_so_and_never_prints_none(city, leadership):
    early = dt.date(2001, 1, 31)
    report = make("lagebericht", viewer=leadership, on=early)
    text = render_txt(report)
    assert "nicht rekonstruierbar" in text
    assert "None" not in text


# --------------------------------------------------------------------------- press text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, (7, False)),
        (99, (99, False)),
        (47.6, (48, True)),
        (330, (330, False)),
        (347.3, (350, True)),
        (1100, (1100, False)),
        (1163, (1200, True)),
        (1249, (1200, True)),
        (1250, (1300, True)),
        (12480, (12000, True)),
    ],
)
def test_the_press_office_rounds_to_two_significant_digits_from_100(value, expected):
    assert press_round(value) == expected


OFFENBACH = {
    "staff_total": 1187,
    "staff_with_vpn_access": 1100,
    "vpn_concurrent_avg_workdays": 347.3,
    "devices_mobile_in_use": 330,
    "devices_on_order": 300,
    "rollout_target_date": "2022-12-31",
    "rollout_progress_share": 0.3,
    "agreements_active_by_kind": {"alternating": 600, "occasional": "< 5"},
}


def test_the_press_text_reads_like_the_offenbach_article():
    text = " ".join(builders.press_sentences(OFFENBACH, on=dt.date(2021, 1, 20)))
    assert text == (
        "Von rund 1.200 Mitarbeiterinnen und Mitarbeitern können bereits 1.100 über VPN von "
        "zu Hause arbeiten. Das nutzen aktuell im Durchschnitt rund 350 Personen gleichzeitig. "
        "330 mobile Geräte sind im Einsatz, weitere 300 bestellt. Bis Ende 2022 sollen alle "
        "Arbeitsplätze mit mobilen Geräten ausgestattet sein."
    )


def test_the_press_text_leaves_out_a_sentence_whose_figure_is_missing():
    figures = {
        **OFFENBACH,
        "vpn_concurrent_avg_workdays": "< 5",
        "devices_mobile_in_use": NotRebuilt(dt.date(2021, 3, 1)),
        "staff_with_vpn_access": None,
    }
    text = " ".join(builders.press_sentences(figures, on=dt.date(2021, 1, 20)))
    assert text == (
        "Die Stadtverwaltung hat rund 1.200 Mitarbeiterinnen und Mitarbeiter. Bis Ende 2022 "
        "sollen alle Arbeitsplätze mit mobilen Geräten ausgestattet sein."
    )
    for word in ("None", "< 5", "rekonstruierbar", "Durchschnitt", "Geräte sind"):
        assert word not in text


def test_the_press_text_after_the_target_says_how_far_it_got():
    text = " ".join(builders.press_sentences(OFFENBACH, on=dt.date(2026, 12, 7)))
    assert text.endswith(
        "Geplant war die Umstellung aller Arbeitsplätze auf mobile Geräte bis Ende 2022; "
        "umgestellt sind 30 Prozent."
    )
    assert press_number(12) == "12"


def test_the_rollout_verdict_names_target_and_projection():
    on = dt.date(2026, 12, 7)
    late = {"rollout_target_date": "2022-12-31", "rollout_projected_date": "2027-03-15"}
    assert (
        rollout_verdict(late, on=on).text == "Verzug: Ziel 31.12.2022, voraussichtlich 15.03.2027."
    )
    soon = {"rollout_target_date": "2027-12-31", "rollout_projected_date": "2027-06-30"}
    assert (
        rollout_verdict(soon, on=on).text == "Im Plan: Ziel 31.12.2027, voraussichtlich 30.06.2027."
    )
    assert rollout_verdict({}, on=on) is None


def test_the_press_text_report_is_the_paragraph_first(city, leadership):
    report = make("pressetext", viewer=leadership)
    text = render(report, "txt").decode()
    assert text.startswith(report.text[:40])
    assert "Rundung" in text


def test_a_rounded_number_that_opens_a_sentence_is_capitalised():
    figures = {"agreements_active_by_kind": {"alternating": 700, "pandemic": 207}}
    assert builders.press_sentences(figures, on=dt.date(2021, 1, 20)) == [
        "Rund 910 Vereinbarungen über mobiles Arbeiten sind in Kraft."
    ]


def test_the_register_as_text_keeps_every_purpose_whole(org):
    from rathausmobil.core.privacy import register_rows

    text = " ".join(render_txt(make("verarbeitungsverzeichnis")).split())
    for row in register_rows():
        assert f"Zweck: {' '.join(row['purpose'].split())}" in text
