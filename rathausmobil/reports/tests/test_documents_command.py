"""`manage.py report NAME [--date] [--unit] [--format] [--output]`: every report from the
command line, with published figures (small groups suppressed, no justifications), and
German errors for an unknown report, a future day or an unknown unit."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rathausmobil.core.tests.readback import pdf_info
from rathausmobil.reports.tests.conftest import R8_TEXT

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_writes_the_press_text_as_text_by_default(city):
    text = run("pressetext")
    assert text.startswith("Die Stadtverwaltung hat 14 Mitarbeiterinnen und Mitarbeiter.")
    assert "1 Vereinbarung über mobiles Arbeiten ist in Kraft." in text
    assert "Pressetext mobiles Arbeiten" in text
    assert "None" not in text


def test_it_writes_a_report_of_a_day_and_a_unit(city):
    day = timezone.localdate() - dt.timedelta(days=1)
    text = run("anfrage", "--date", day.isoformat(), "--unit", "D", "--format", "csv")
    assert f"Stand: {day:%d.%m.%Y}" in text
    assert "D Dezernat Test und alle Einheiten darunter" in text


def test_it_suppresses_small_groups_and_shows_no_justification(city):
    text = run("personalrat")
    assert "< 5" in text
    assert R8_TEXT not in text


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_it_writes_a_binary_format_to_a_file(city, tmp_path, fmt):
    path = tmp_path / f"bericht.{fmt}"
    run("lagebericht", "--format", fmt, "--output", str(path))
    data = path.read_bytes()
    if fmt == "pdf":
        assert pdf_info(data)["Tagged"] == "yes"
    else:
        assert data.startswith(b"PK")


def test_it_writes_a_binary_format_to_the_standard_output_buffer(city, capsysbinary):
    call_command("report", "verarbeitungsverzeichnis", "--format", "xlsx")
    assert capsysbinary.readouterr().out.startswith(b"PK")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jahresbericht"], "Unbekannter Bericht „jahresbericht“"),
        (["lagebericht", "--unit", "NOPE"], "Keine Einheit mit der Kennung „NOPE“"),
        (["pressetext", "--unit", "D"], "gilt für die gesamte Verwaltung"),
        (["lagebericht", "--date", "2099-01-01"], "liegt in der Zukunft"),
        (["lagebericht", "--date", "gestern"], "ist kein Datum"),
    ],
)
def test_it_explains_what_it_cannot_do(org, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
