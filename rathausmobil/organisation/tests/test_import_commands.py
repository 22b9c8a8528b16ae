"""`manage.py import_org_units FILE` and `manage.py import_employees FILE`, as HR runs them."""

import io

import pytest
from django.core.management import call_command

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Employee, OrgUnit, Position

NOTHING_WRITTEN = "Import abgebrochen, nichts gespeichert"


def run(command: str, *args: str) -> tuple[int, str, str]:
    """Run a command like the shell does: exit status, stdout, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=stdout, stderr=stderr)
    except SystemExit as exc:
        status = exc.code
    else:
        status = 0
    return status, stdout.getvalue(), stderr.getvalue()


def counts() -> dict[str, int]:
    return {
        "employees": Employee.objects.count(),
        "units": OrgUnit.objects.count(),
        "positions": Position.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_it_imports_org_units_then_employees(db, file_path):
    status, out, err = run("import_org_units", file_path("org_units.csv"))

    assert (status, err) == (0, "")
    assert (
        "Organisationseinheiten importiert: 7 neu, 0 geändert, 0 unverändert, 0 deaktiviert." in out
    )
    assert (
        "Hinweis: Zeile 8, Spalte Leitung: Die Leitung „009999“ ist noch nicht als "
        "Beschäftigte/r bekannt; sie wird beim Import der Beschäftigten zugeordnet."
    ) in out

    status, out, err = run("import_employees", file_path("employees_cp1252.csv"))

    assert (status, err) == (0, "")
    assert "Beschäftigte importiert: 5 neu, 0 geändert, 0 unverändert, 0 deaktiviert." in out
    assert Employee.objects.get(personnel_number="000815").last_name == "Weiß"
    assert OrgUnit.objects.get(code="32").head.personnel_number == "000815"


def test_it_changes_nothing_when_run_twice(units, file_path):
    run("import_employees", file_path("employees_cp1252.csv"))
    before = counts()

    status, out, err = run("import_employees", file_path("employees_cp1252.csv"))

    assert (status, err) == (0, "")
    assert "Beschäftigte importiert: 0 neu, 0 geändert, 5 unverändert, 0 deaktiviert." in out
    assert counts() == before


@pytest.mark.parametrize(
    "name", ["employees.xlsx", "employees_utf8_bom_comma.csv", "employees_english.csv"]
)
def test_it_imports_every_accepted_format(units, file_path, name):
    status, out, err = run("import_employees", file_path(name))

    assert (status, err) == (0, "")
    assert "Beschäftigte importiert:" in out
    assert Employee.objects.filter(
        personnel_number="000123", last_name="Müller", first_name="Jürgen"
    ).exists()


def test_it_writes_nothing_on_a_dry_run(units, file_path):
    before = counts()

    status, out, err = run("import_employees", file_path("employees_cp1252.csv"), "--dry-run")

    assert (status, err) == (0, "")
    assert "Probelauf, nichts gespeichert. Beschäftigte: 5 neu, 0 geändert, 0 unverändert" in out
    assert counts() == before


def test_it_writes_no_org_unit_on_a_dry_run(db, file_path):
    status, out, _ = run("import_org_units", file_path("org_units.csv"), "--dry-run")

    assert status == 0
    assert "Probelauf, nichts gespeichert. Organisationseinheiten: 7 neu" in out
    assert counts() == {"employees": 0, "units": 0, "positions": 0, "audit": 0}


def test_it_fails_a_dry_run_of_a_broken_file_too(units, file_path):
    status, out, err = run("import_employees", file_path("employees_unknown_unit.csv"), "--dry-run")

    assert status == 1
    assert err.splitlines()[0].startswith("Zeile 3, Spalte Organisationseinheit: ")


BROKEN = [
    (
        "import_employees",
        "employees_duplicate_personnel_number.csv",
        ["Zeile 4, Spalte Personalnummer: "],
    ),
    ("import_employees", "employees_unknown_unit.csv", ["Zeile 3, Spalte Organisationseinheit: "]),
    ("import_employees", "employees_missing_column.csv", ["Zeile 1, Spalte Eintritt: "]),
    ("import_employees", "employees_impossible_date.csv", ["Zeile 3, Spalte Eintritt: "]),
    ("import_employees", "employees_two_digit_year.csv", ["Zeile 2, Spalte Eintritt: "]),
    ("import_employees", "employees_exit_before_entry.csv", ["Zeile 3, Spalte Austritt: "]),
    ("import_employees", "employees_hours_not_numeric.csv", ["Zeile 2, Spalte Wochenstunden: "]),
    (
        "import_employees",
        "employees_hours_out_of_range.csv",
        ["Zeile 2, Spalte Wochenstunden: ", "Zeile 3, Spalte Wochenstunden: "],
    ),
    ("import_employees", "employees_invalid_email.csv", ["Zeile 3, Spalte E-Mail: "]),
    ("import_employees", "empty.csv", ["Die Datei ist leer."]),
    ("import_employees", "bom_only.csv", ["Die Datei ist leer."]),
    ("import_employees", "employees_header_only.csv", ["Zeile 1: "]),
    ("import_employees", "employees_too_many_fields.csv", ["Zeile 3: "]),
    ("import_employees", "employees_unclosed_quote.csv", ["Zeile 3, Spalte Nachname: "]),
    ("import_employees", "corrupt.xlsx", ["Die Excel-Datei ist beschädigt"]),
    ("import_employees", "old_format.xls", ["Das alte Excel-Format (.xls)"]),
    (
        "import_employees",
        "employees_many_problems.csv",
        [
            "Zeile 4, Spalte Eintritt: ",
            "Zeile 5, Spalte E-Mail: ",
            "Zeile 5, Spalte Organisationseinheit: ",
            "Zeile 5, Spalte Wochenstunden: ",
            "Zeile 6, Spalte Personalnummer: ",
            "Zeile 7, Spalte Personalnummer: ",
            "Zeile 7, Spalte Vorname: ",
        ],
    ),
    (
        "import_org_units",
        "org_units_cycle.csv",
        ["Zeile 3, Spalte Übergeordnet: ", "Zeile 4, Spalte Übergeordnet: "],
    ),
    ("import_org_units", "org_units_unknown_parent.csv", ["Zeile 4, Spalte Übergeordnet: "]),
    ("import_org_units", "org_units_duplicate_code.csv", ["Zeile 5, Spalte Kennung: "]),
    ("import_org_units", "org_units_missing_column.csv", ["Zeile 1, Spalte Bezeichnung: "]),
    ("import_org_units", "empty.csv", ["Die Datei ist leer."]),
    ("import_org_units", "corrupt.xlsx", ["Die Excel-Datei ist beschädigt"]),
]


@pytest.mark.parametrize(
    ("command", "name", "prefixes"), BROKEN, ids=[f"{c}-{n}" for c, n, _ in BROKEN]
)
def test_it_lists_every_problem_and_writes_nothing(units, file_path, command, name, prefixes):
    before = counts()

    status, out, err = run(command, file_path(name))

    assert status == 1
    lines = err.splitlines()
    assert len(lines) == len(prefixes) + 1
    for line, prefix in zip(lines, prefixes, strict=False):
        assert line.startswith(prefix), line
        assert "Traceback" not in line
    assert lines[-1] == f"{NOTHING_WRITTEN} ({len(prefixes)} Problem(e))."
    assert "importiert" not in out
    assert counts() == before


def test_it_reports_a_missing_file(db, tmp_path):
    status, _, err = run("import_employees", str(tmp_path / "fehlt.csv"))

    assert status == 1
    assert err.splitlines() == [
        f"Die Datei „{tmp_path / 'fehlt.csv'}“ wurde nicht gefunden.",
        f"{NOTHING_WRITTEN} (1 Problem(e)).",
    ]


def test_it_reports_a_directory(db, tmp_path):
    status, _, err = run("import_org_units", str(tmp_path))

    assert status == 1
    assert err.splitlines()[0] == f"„{tmp_path}“ ist ein Verzeichnis, keine Datei."


def test_it_imports_a_job_sharing_position_with_two_titles_and_names_the_other(units, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_bytes(
        (
            "Personalnummer;Nachname;Vorname;Organisationseinheit;Stellennummer;"
            "Stellenbezeichnung;Wochenstunden;Eintritt\r\n"
            "004711;Neumann;Sabine;33;4711;Sachbearbeitung Bürgerbüro;19,5;01.04.2015\r\n"
            "004712;Yilmaz;Derya;33;4711;Sachbearbeiterin Bürgerbüro;19,5;01.09.2019\r\n"
        ).encode("cp1252")
    )

    status, out, err = run("import_employees", str(path))

    assert (status, err) == (0, "")
    assert (
        "Hinweis: Zeile 3, Spalte Stellenbezeichnung: Stelle 4711 hat in Zeile 2 den Titel "
        "„Sachbearbeitung Bürgerbüro“; „Sachbearbeiterin Bürgerbüro“ wird nicht übernommen."
    ) in out
    assert "Beschäftigte importiert: 2 neu, 0 geändert, 0 unverändert, 0 deaktiviert." in out
    assert Position.objects.get(number="4711").employees.count() == 2
