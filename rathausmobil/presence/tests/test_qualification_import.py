"""The HR import's optional column `Qualifikationen`, as presence keeps it.

Organisation asks presence through `employee_qualifications` which codes exist and
who holds what, and tells it through `employee_qualifications_imported` inside the
import's transaction (organisation/hooks.py, receivers in presence/receivers.py).
"""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation import hooks
from rathausmobil.organisation.importing import employees_import
from rathausmobil.organisation.models import Employee
from rathausmobil.presence.models import EmployeeQualification, Qualification

TODAY = dt.date(2027, 3, 1)
BASE = "Personalnummer;Nachname;Vorname;Organisationseinheit;Wochenstunden;Eintritt"


def csv_bytes(header: str, *lines: str) -> bytes:
    return "".join(line + "\r\n" for line in (header, *lines)).encode("cp1252")


def run(data: bytes, *, dry_run: bool = False, by=None, filename="personal.csv"):
    return employees_import(data=data, filename=filename, by=by, dry_run=dry_run, today=TODAY)


def holdings() -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for number, code in EmployeeQualification.objects.values_list(
        "employee__personnel_number", "qualification__code"
    ):
        held.setdefault(number, set()).add(code)
    return held


def events(number: str, action: str) -> list[AuditEvent]:
    employee = Employee.objects.get(personnel_number=number)
    return list(
        AuditEvent.objects.filter(
            object_type="organisation.employee", object_id=str(employee.pk), action=action
        ).order_by("pk")
    )


@pytest.fixture
def qualifications(db):
    return {
        code: Qualification.objects.create(code=code, name=name)
        for code, name in (
            ("ausweis", "Ausweise ausgeben"),
            ("trauung", "Trauungen"),
            ("kasse", "Kasse"),
        )
    }


@pytest.fixture
def staff(org, qualifications):
    """Three people imported without the column; 000002 holds `kasse` from the page."""
    result = run(
        csv_bytes(
            BASE,
            "000001;Adler;Anna;A1;39;01.01.2020",
            "000002;Berg;Bernd;A1;39;01.01.2020",
            "000003;Clausen;Clara;B1;19,5;01.01.2020",
        )
    )
    assert result.ok, result.problems
    EmployeeQualification.objects.create(
        employee=Employee.objects.get(personnel_number="000002"),
        qualification=qualifications["kasse"],
    )
    return {e.personnel_number: e for e in Employee.objects.all()}


def test_without_the_column_nothing_about_qualifications_changes(staff, listen):
    asked = listen(hooks.employee_qualifications)
    told = listen(hooks.employee_qualifications_imported)

    result = run(
        csv_bytes(
            BASE,
            "000001;Adler;Anna;A1;39;01.01.2020",
            "000002;Berg;Bernd;A1;39;01.01.2020",
        )
    )

    assert result.ok, result.problems
    assert result.counts()["unchanged"] == 2
    assert asked == [] and told == []
    assert holdings() == {"000002": {"kasse"}}


def test_the_column_sets_exactly_the_codes_of_each_row(staff, hr):
    data = csv_bytes(
        BASE + ";Qualifikationen",
        "000001;Adler;Anna;A1;39;01.01.2020;ausweis|trauung",
        '000002;Berg;Bernd;A1;39;01.01.2020;"Ausweis, TRAUUNG"',
        "000003;Clausen;Clara;B1;19,5;01.01.2020;trauung",
        "000004;Dorn;Dora;B1;39;01.02.2027;kasse",
    )

    preview = run(data, dry_run=True)

    assert preview.ok, preview.problems
    assert preview.counts() == {"created": 1, "changed": 3, "unchanged": 0, "deactivated": 0}
    assert {c["label"]: c["changes"] for c in preview.changed} == {
        "Adler, Anna (000001)": {"Qualifikationen": ["–", "ausweis, trauung"]},
        "Berg, Bernd (000002)": {"Qualifikationen": ["kasse", "ausweis, trauung"]},
        "Clausen, Clara (000003)": {"Qualifikationen": ["–", "trauung"]},
    }
    assert holdings() == {"000002": {"kasse"}}  # a preview writes nothing

    result = run(data, by=hr)

    assert result.ok and result.applied
    assert holdings() == {
        "000001": {"ausweis", "trauung"},
        "000002": {"ausweis", "trauung"},  # `kasse` was not in the cell: taken away
        "000003": {"trauung"},
        "000004": {"kasse"},  # new in this file
    }
    (entry,) = events("000002", "Qualifikationen geändert")
    assert entry.changes == {"Qualifikationen": ["kasse", "ausweis, trauung"]}
    assert entry.source == "Import personal.csv"
    assert entry.actor == hr
    # The employee record itself did not change: no second entry repeats it.
    assert events("000002", "geändert") == []


def test_an_employee_change_and_a_qualification_change_are_recorded_once_each(staff):
    result = run(
        csv_bytes(
            BASE + ";Qualifikation",  # an alias
            "000001;Adler-Meyer;Anna;A1;39;01.01.2020;ausweis",
        )
    )

    assert result.ok, result.problems
    assert result.changed[0]["changes"] == {
        "Nachname": ["Adler", "Adler-Meyer"],
        "Qualifikationen": ["–", "ausweis"],
    }
    (changed,) = events("000001", "geändert")
    assert changed.changes == {"Nachname": ["Adler", "Adler-Meyer"]}
    (qualified,) = events("000001", "Qualifikationen geändert")
    assert qualified.changes == {"Qualifikationen": ["–", "ausweis"]}


def test_an_empty_cell_changes_nothing_and_a_dash_takes_every_qualification_away(staff):
    result = run(
        csv_bytes(
            BASE + ";Qualifikationen",
            "000001;Adler;Anna;A1;39;01.01.2020;",
            "000002;Berg;Bernd;A1;39;01.01.2020;",
        )
    )
    assert result.ok, result.problems
    assert result.counts()["unchanged"] == 2
    assert holdings() == {"000002": {"kasse"}}

    result = run(csv_bytes(BASE + ";Qualifikationen", "000002;Berg;Bernd;A1;39;01.01.2020;-"))

    assert result.changed == [
        {"label": "Berg, Bernd (000002)", "changes": {"Qualifikationen": ["kasse", "–"]}}
    ]
    assert holdings() == {}
    (entry,) = events("000002", "Qualifikationen geändert")
    assert entry.changes == {"Qualifikationen": ["kasse", "–"]}


def test_the_employee_export_imported_again_keeps_the_qualifications(staff):
    """The export writes the import's header (with Qualifikationen) but no such cells."""
    result = run(csv_bytes(BASE + ";Qualifikationen", "000002;Berg;Bernd;A1;39;01.01.2020"))

    assert result.ok, result.problems
    assert result.counts()["unchanged"] == 1
    assert holdings() == {"000002": {"kasse"}}


def test_an_unknown_code_refuses_the_whole_file(staff):
    before = (holdings(), Employee.objects.count(), AuditEvent.objects.count())
    data = csv_bytes(
        BASE + ";Qualifikationen",
        "000001;Adler;Anna;A1;39;01.01.2020;ausweis",
        "000005;Eck;Emil;A1;39;01.01.2027;",
        "000002;Berg;Bernd;A1;39;01.01.2020;ausweis,xyz",
    )

    for dry_run in (True, False):
        result = run(data, dry_run=dry_run)

        assert not result.ok and not result.applied
        assert [str(p) for p in result.problems] == [
            "Zeile 4, Spalte Qualifikationen: Unbekannte Qualifikation „xyz“ "
            "(bekannt: ausweis, kasse, trauung)."
        ]
        assert (holdings(), Employee.objects.count(), AuditEvent.objects.count()) == before


def test_a_malformed_code_is_a_problem_of_its_cell(staff):
    result = run(
        csv_bytes(BASE + ";Qualifikationen", "000001;Adler;Anna;A1;39;01.01.2020;ausweis/kasse")
    )

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Qualifikationen: „ausweis/kasse“ ist keine gültige Qualifikation: "
        "erlaubt sind Buchstaben, Ziffern, - und _ (höchstens 32 Zeichen); mehrere mit Komma "
        "oder | trennen."
    ]


def test_a_listener_that_fails_undoes_the_whole_import(staff):
    def refuse(wanted, by, source):
        raise RuntimeError("kaputt")

    hooks.employee_qualifications_imported.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            run(
                csv_bytes(
                    BASE + ";Qualifikationen",
                    "000001;Adler-Meyer;Anna;A1;39;01.01.2020;ausweis",
                    "000009;Neu;Nina;A1;39;01.01.2027;trauung",
                )
            )
    finally:
        hooks.employee_qualifications_imported.disconnect(refuse)

    assert Employee.objects.get(personnel_number="000001").last_name == "Adler"
    assert not Employee.objects.filter(personnel_number="000009").exists()
    assert holdings() == {"000002": {"kasse"}}


def test_importing_the_same_file_again_changes_nothing(staff):
    data = csv_bytes(
        BASE + ";Qualifikationen",
        "000001;Adler;Anna;A1;39;01.01.2020;trauung | ausweis",
        "000002;Berg;Bernd;A1;39;01.01.2020;kasse",
        "000003;Clausen;Clara;B1;19,5;01.01.2020;",
    )
    assert run(data).ok
    rows = list(EmployeeQualification.objects.order_by("pk").values_list("pk", "granted_at"))
    audit = AuditEvent.objects.count()

    again = run(data)

    assert again.ok
    assert again.counts() == {"created": 0, "changed": 0, "unchanged": 3, "deactivated": 0}
    assert list(EmployeeQualification.objects.order_by("pk").values_list("pk", "granted_at")) == (
        rows
    )
    assert AuditEvent.objects.count() == audit


def test_an_xlsx_cell_may_list_one_code_per_line(staff):
    book = Workbook()
    sheet = book.active
    sheet.append(BASE.split(";") + ["Qualifications"])
    sheet.append(["000003", "Clausen", "Clara", "B1", 19.5, "01.01.2020", "ausweis\nkasse"])
    out = io.BytesIO()
    book.save(out)

    result = run(out.getvalue(), filename="personal.xlsx")

    assert result.ok, result.problems
    assert holdings()["000003"] == {"ausweis", "kasse"}


def _file(count: int, codes: str) -> bytes:
    lines = [f"{n:06d};Name{n};Vorname;A1;39;01.01.2020;{codes}" for n in range(100, 100 + count)]
    return csv_bytes(BASE + ";Qualifikationen", *lines)


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_queries_do_not_grow_with_the_rows(org, qualifications, dry_run):
    def queries(count: int, codes: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert run(_file(count, codes), dry_run=dry_run).ok
        return len(ctx.captured_queries)

    # 100 rows: SQLite's limit of 999 parameters splits no bulk insert below that.
    assert run(_file(100, "kasse")).ok  # everybody exists and holds something
    assert queries(5, "ausweis") == queries(100, "trauung")
    assert holdings()["000199"] == ({"kasse"} if dry_run else {"trauung"})
