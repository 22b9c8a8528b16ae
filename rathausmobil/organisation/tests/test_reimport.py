"""A re-import in which a tenth of the rows changed: exactly the records, the
history and the summary the import has always written (the rows are written
through core/bulk.py; this pins that nothing else changed with it)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from rathausmobil.core import bulk
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.importing import employees_import
from rathausmobil.organisation.models import Employee, OrgUnit, Position
from rathausmobil.organisation.tests.factories import UserFactory
from rathausmobil.organisation.tests.test_import import HEADER, MARCH_2021, csv_bytes

UNITS = ["32", "32.1", "33", "33.2", "20"]
COLUMNS = [
    "number",
    "last",
    "first",
    "email",
    "unit",
    "position",
    "title",
    "hours",
    "entry",
    "exit",
]


def person(i: int) -> dict[str, str]:
    return {
        "number": f"{100000 + i}",
        "last": f"Name{i:02d}",
        "first": "Vorname",
        "email": f"p{i}@stadt.example",
        "unit": UNITS[i % len(UNITS)],
        "position": f"S-{i:03d}",
        "title": "Sachbearbeitung",
        "hours": "39",
        "entry": "01.02.2010",
        "exit": "31.01.2021" if i == 4 else "",
    }


def employee_file(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(HEADER, *(";".join(row[c] for c in COLUMNS) for row in rows), encoding="utf-8")


def a_tenth_changed() -> list[dict[str, str]]:
    """Six of 60 people changed, each in another way, one new person and a position
    that every row naming it calls by a new title."""
    rows = [person(i) for i in range(60)]
    rows[0]["unit"] = "33.2"
    rows[4]["exit"] = ""  # withdrawn: active again
    rows[10].update(last="Name10-Neu", hours="19,5")
    rows[20].update(email="", position="NEU-1", title="Neue Stelle")
    rows[30]["exit"] = "28.02.2021"  # has left: deactivated
    rows[50]["position"] = "S-051"
    rows[40]["title"] = "Sachgebietsleitung"
    new = person(99) | {"number": "009999", "last": "Leitung", "unit": "20", "position": ""}
    return [*rows, new]


def state() -> dict:
    return {
        "employees": list(
            Employee.objects.order_by("personnel_number").values_list(
                "personnel_number",
                "last_name",
                "first_name",
                "email",
                "unit__code",
                "position__number",
                "weekly_hours",
                "entry_date",
                "exit_date",
                "is_active",
                "user__username",
            )
        ),
        "positions": list(
            Position.objects.order_by("number").values_list("number", "title", "unit__code")
        ),
        "heads": dict(OrgUnit.objects.values_list("code", "head__personnel_number")),
        "users": dict(get_user_model().objects.values_list("username", "is_active")),
    }


def expected_employee(row: dict[str, str], *, user: str | None = None) -> tuple:
    exit_date = dt.datetime.strptime(row["exit"], "%d.%m.%Y").date() if row["exit"] else None
    return (
        row["number"],
        row["last"],
        row["first"],
        row["email"],
        row["unit"],
        row["position"] or None,
        Decimal(row["hours"].replace(",", ".")),
        dt.date(2010, 2, 1),
        exit_date,
        exit_date is None or exit_date >= MARCH_2021,
        user,
    )


@pytest.fixture
def imported(units):
    first = [person(i) for i in range(60)]
    assert employees_import(data=employee_file(first), filename="erste.csv", today=MARCH_2021).ok
    leaver = UserFactory(username="leaver", email="p30@stadt.example")
    employees_import(data=employee_file(first), filename="erste.csv", today=MARCH_2021)
    UserFactory(username="late", email="P45@stadt.example")  # linked by the re-import
    return {"leaver": leaver}


def test_it_writes_exactly_what_a_tenth_changed_says(imported):
    hr = UserFactory(username="personalamt")
    stamps = dict(Employee.objects.values_list("personnel_number", "updated_at"))
    events_before = AuditEvent.objects.count()
    rows = a_tenth_changed()

    result = employees_import(
        data=employee_file(rows), filename="zweite.csv", by=hr, today=MARCH_2021
    )

    assert result.ok, result.problems
    assert result.counts() == {"created": 1, "changed": 5, "unchanged": 54, "deactivated": 1}
    assert result.created == ["Leitung, Vorname (009999)"]
    assert result.deactivated == ["Name30, Vorname (100030)"]
    assert result.changed == [
        {"label": "Name00, Vorname (100000)", "changes": {"Organisationseinheit": ["32", "33.2"]}},
        {
            "label": "Name04, Vorname (100004)",
            "changes": {"Austritt": ["31.01.2021", "–"], "aktiv": ["nein", "ja"]},
        },
        {
            "label": "Name10-Neu, Vorname (100010)",
            "changes": {"Nachname": ["Name10", "Name10-Neu"], "Wochenstunden": ["39", "19,5"]},
        },
        {
            "label": "Name20, Vorname (100020)",
            "changes": {"E-Mail": ["p20@stadt.example", "–"], "Stelle": ["S-020", "NEU-1"]},
        },
        {"label": "Name50, Vorname (100050)", "changes": {"Stelle": ["S-050", "S-051"]}},
    ]

    users = {"100030": "leaver", "100045": "late"}
    assert state()["employees"] == sorted(
        expected_employee(row, user=users.get(row["number"])) for row in rows
    )
    positions = state()["positions"]
    assert ("NEU-1", "Neue Stelle", "32") in positions
    assert ("S-040", "Sachgebietsleitung", "32") in positions
    assert ("S-020", "Sachbearbeitung", "32") in positions  # kept, nobody holds it now
    assert len(positions) == 61
    assert state()["heads"] == {
        "III": None,
        "32": None,
        "32.1": None,
        "33": None,
        "33.2": None,
        "II": None,
        "20": "009999",
    }
    assert state()["users"] == {"leaver": False, "late": True, "personalamt": True}

    changed = {"100000", "100004", "100010", "100020", "100030", "100050"}
    after = dict(Employee.objects.values_list("personnel_number", "updated_at"))
    assert {n for n, stamp in stamps.items() if after[n] != stamp} == changed

    events = list(
        AuditEvent.objects.order_by("id")[events_before:].values_list(
            "actor__username",
            "action",
            "object_type",
            "object_label",
            "changes",
            "reason",
            "source",
        )
    )
    ids = dict(Employee.objects.values_list("personnel_number", "pk"))
    assert list(
        AuditEvent.objects.order_by("id")[events_before:].values_list("object_id", flat=True)
    ) == [
        str(ids[n]) for n in ["009999", "100000", "100004", "100010", "100020", "100030", "100050"]
    ]
    geaendert = ("personalamt", "geändert", "organisation.employee")
    source = "Import zweite.csv"
    assert events == [
        (
            "personalamt",
            "angelegt",
            "organisation.employee",
            "Leitung, Vorname (009999)",
            {},
            "",
            source,
        ),
        (*geaendert, "Name00, Vorname (100000)", result.changed[0]["changes"], "", source),
        (*geaendert, "Name04, Vorname (100004)", result.changed[1]["changes"], "", source),
        (*geaendert, "Name10-Neu, Vorname (100010)", result.changed[2]["changes"], "", source),
        (*geaendert, "Name20, Vorname (100020)", result.changed[3]["changes"], "", source),
        (
            "personalamt",
            "deaktiviert",
            "organisation.employee",
            "Name30, Vorname (100030)",
            {"Austritt": ["–", "28.02.2021"], "aktiv": ["ja", "nein"]},
            "Austrittsdatum liegt in der Vergangenheit.",
            source,
        ),
        (*geaendert, "Name50, Vorname (100050)", result.changed[4]["changes"], "", source),
    ]


def test_the_same_tenth_again_changes_nothing(imported):
    data = employee_file(a_tenth_changed())
    employees_import(data=data, filename="zweite.csv", today=MARCH_2021)
    before = state()
    stamps = dict(Employee.objects.values_list("personnel_number", "updated_at"))
    events = AuditEvent.objects.count()

    result = employees_import(data=data, filename="zweite.csv", today=MARCH_2021)

    assert result.counts() == {"created": 0, "changed": 0, "unchanged": 61, "deactivated": 0}
    assert state() == before
    assert dict(Employee.objects.values_list("personnel_number", "updated_at")) == stamps
    assert AuditEvent.objects.count() == events


def test_its_dry_run_shows_the_same_and_writes_nothing(imported):
    before = state()
    events = AuditEvent.objects.count()

    preview = employees_import(
        data=employee_file(a_tenth_changed()), filename="zweite.csv", today=MARCH_2021, dry_run=True
    )

    assert preview.counts() == {"created": 1, "changed": 5, "unchanged": 54, "deactivated": 1}
    assert preview.changed[2]["changes"] == {
        "Nachname": ["Name10", "Name10-Neu"],
        "Wochenstunden": ["39", "19,5"],
    }
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_a_large_import_refreshes_the_statistics_of_what_it_wrote(units, monkeypatch):
    analysed = []
    monkeypatch.setattr(bulk, "LARGE_WRITE", 50)
    monkeypatch.setattr(bulk, "analyze", lambda *models: analysed.append(models))
    first = employee_file([person(i) for i in range(60)])

    employees_import(data=first, filename="erste.csv", today=MARCH_2021)
    employees_import(data=first, filename="erste.csv", today=MARCH_2021)  # writes nothing
    employees_import(data=employee_file(a_tenth_changed()), filename="z.csv", today=MARCH_2021)

    assert analysed == [(Employee, Position)]
