"""core/bulk.py: many changed rows written at once (COPY and UPDATE … FROM on
PostgreSQL, one prepared UPDATE per row elsewhere), and the statistics refreshed.
Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathausmobil.core.audit import audit_event
from rathausmobil.core.bulk import (
    LARGE_WRITE,
    analyze,
    analyze_if_large,
    bulk_insert_rows,
    bulk_update_rows,
    one_of,
)
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Employee, OrgUnit, Position
from rathausmobil.organisation.tests.factories import (
    EmployeeFactory,
    OrgUnitFactory,
    PositionFactory,
    UserFactory,
)

EMPLOYEE_FIELDS = [
    "last_name",
    "email",
    "unit",
    "position_id",
    "weekly_hours",
    "entry_date",
    "exit_date",
    "is_active",
    "user",
    "updated_at",
]


def _row(employee: Employee) -> dict:
    return {
        name: getattr(employee, Employee._meta.get_field(name).attname)
        for name in ["personnel_number", "first_name", *EMPLOYEE_FIELDS]
    }


@pytest.fixture
def staff(db):
    unit = OrgUnitFactory(code="X")
    return [
        EmployeeFactory(
            unit=unit,
            weekly_hours=Decimal("39"),
            exit_date=dt.date(2030, 6, 30),
            user=UserFactory(),
        )
        for _ in range(4)
    ]


def test_it_writes_every_type_exactly(staff):
    other_unit = OrgUnitFactory(code="Y")
    position = PositionFactory(unit=other_unit)
    when = timezone.now().replace(microsecond=123456)
    changed = staff[:3]
    for i, employee in enumerate(changed):
        employee.last_name = f'Mül\'ler "{i}"\t; \\ {i}'  # quotes, tab, backslash for COPY
        employee.email = ""
        employee.unit = other_unit
        employee.position_id = position.pk
        employee.weekly_hours = Decimal("19.75") + i
        employee.entry_date = dt.date(1999, 12, 31)
        employee.exit_date = dt.date(2026, 2, 28) + dt.timedelta(days=i)
        employee.is_active = bool(i % 2)
        employee.user = None
        employee.updated_at = when
        employee.first_name = "nicht geschrieben"  # not among the fields

    assert bulk_update_rows(Employee, changed, EMPLOYEE_FIELDS) == 3

    for i, employee in enumerate(changed):
        stored = Employee.objects.get(pk=employee.pk)
        assert stored.first_name == "Erika"
        assert _row(stored) | {"first_name": "nicht geschrieben"} == _row(employee)
        assert stored.last_name == f'Mül\'ler "{i}"\t; \\ {i}'
        assert stored.weekly_hours == Decimal("19.75") + i
        assert stored.exit_date == dt.date(2026, 2, 28) + dt.timedelta(days=i)
        assert stored.is_active is bool(i % 2)
        assert stored.user_id is None and stored.unit_id == other_unit.pk
        assert stored.updated_at == when


def test_it_writes_nulls_over_values_and_values_over_nulls(staff):
    first, second = staff[0], staff[1]
    position_id = first.position_id
    Employee.objects.filter(pk=second.pk).update(exit_date=None, position=None)
    first.exit_date, first.position = None, None
    second.exit_date, second.position_id = dt.date(2031, 1, 1), position_id

    bulk_update_rows(Employee, [first, second], ["exit_date", "position"])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.exit_date is None and first.position_id is None
    assert second.exit_date == dt.date(2031, 1, 1)
    assert second.position_id == position_id


def test_it_leaves_rows_not_in_the_list_untouched(staff):
    before = [_row(Employee.objects.get(pk=e.pk)) for e in staff[2:]]
    for employee in staff:
        employee.last_name = "Neu"
        employee.weekly_hours = Decimal("10")

    bulk_update_rows(Employee, staff[:2], ["last_name", "weekly_hours"])

    assert set(
        Employee.objects.filter(pk__in=[e.pk for e in staff[:2]]).values_list(
            "last_name", "weekly_hours"
        )
    ) == {("Neu", Decimal("10"))}
    assert [_row(Employee.objects.get(pk=e.pk)) for e in staff[2:]] == before


def test_an_empty_list_does_nothing(staff, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_update_rows(Employee, [], ["last_name"]) == 0


def test_an_object_given_twice_is_written_as_it_is_last(staff):
    first = staff[0]
    again = Employee.objects.get(pk=first.pk)
    first.last_name, again.last_name = "Erst", "Zuletzt"

    assert bulk_update_rows(Employee, [first, again], ["last_name"]) == 1

    assert Employee.objects.get(pk=first.pk).last_name == "Zuletzt"


def test_two_calls_in_one_transaction_and_json(db):
    """A second call in the same transaction (a temporary table per call) and a
    JSON field with nested values."""
    events = [
        audit_event(actor=None, action="angelegt", model=OrgUnit, object_id=str(i))
        for i in range(3)
    ]
    for event in events:
        event.changes = {"Bezeichnung": ["alt", "neu „ä“"], "n": [1, None]}
        event.actor = None
        event.reason = ""

    from django.db import transaction

    with transaction.atomic():
        assert bulk_update_rows(AuditEvent, events[:2], ["changes", "actor"]) == 2
        events[2].reason = "zweiter Aufruf"
        assert bulk_update_rows(AuditEvent, events[1:], ["reason"]) == 2

    stored = {e.object_id: e for e in AuditEvent.objects.all()}
    assert stored["0"].changes == {"Bezeichnung": ["alt", "neu „ä“"], "n": [1, None]}
    assert stored["2"].changes == {}
    assert stored["2"].reason == "zweiter Aufruf"


def test_it_writes_many_rows_in_few_statements(db):
    unit = OrgUnitFactory(code="Z")
    Position.objects.bulk_create(
        [Position(number=f"P{i:05d}", title="alt", unit=unit) for i in range(2500)]
    )
    positions = list(Position.objects.all())
    for position in positions:
        position.title = f"neu {position.number}"

    with CaptureQueriesContext(connection) as queries:
        assert bulk_update_rows(Position, positions, ["title"], batch_size=1000) == 2500

    assert Position.objects.filter(title__startswith="neu P").count() == 2500
    # PostgreSQL: create, (COPY,) update, drop; elsewhere one executemany per batch
    assert len(queries) <= 4


def test_it_refuses_what_it_cannot_write(staff):
    with pytest.raises(ValueError):
        bulk_update_rows(Employee, staff, ["id"])
    with pytest.raises(ValueError):
        bulk_update_rows(Employee, [Employee(last_name="ungespeichert")], ["last_name"])


def test_analyze_refreshes_the_statistics(db):
    unit = OrgUnitFactory(code="S")
    Position.objects.bulk_create(
        [Position(number=f"A{i:05d}", title="x", unit=unit) for i in range(300)]
    )

    analyze(Position, Employee)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s",
                [Position._meta.db_table],
            )
            assert cursor.fetchone()[0] == 300
        else:
            cursor.execute(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [Position._meta.db_table]
            )
            assert any(stat.startswith("300") for (stat,) in cursor.fetchall())


def test_analyze_only_after_a_large_write(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert analyze_if_large(Position, rows=LARGE_WRITE - 1) is False
    with django_assert_num_queries(1):
        assert analyze_if_large(Position, rows=LARGE_WRITE) is True


def test_it_inserts_rows_with_defaults_and_auto_now_add(db):
    actor = UserFactory()
    before = timezone.now()
    events = [
        AuditEvent(
            actor=actor if i % 2 else None,
            action="angelegt",
            object_type="organisation.employee",
            object_id=str(i),
            changes={"Wochenstunden": ["39", "19,5"]} if i == 1 else {},
        )
        for i in range(3)
    ]

    bulk_insert_rows(AuditEvent, events)

    stored = list(
        AuditEvent.objects.order_by("id").values_list(
            "object_id", "actor_id", "changes", "reason", "source", "created_at"
        )
    )
    assert [row[:5] for row in stored] == [
        ("0", None, {}, "", ""),
        ("1", actor.pk, {"Wochenstunden": ["39", "19,5"]}, "", ""),
        ("2", None, {}, "", ""),
    ]
    assert all(before <= row[5] <= timezone.now() for row in stored)
    assert all(event.created_at == row[5] for event, row in zip(events, stored, strict=True))


def test_inserting_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk_insert_rows(AuditEvent, [])


def test_one_of_filters_on_many_values(db):
    unit = OrgUnitFactory(code="Q")
    Position.objects.bulk_create(
        [Position(number=f"N{i:05d}", title="x", unit=unit) for i in range(3000)]
    )
    wanted = [f"N{i:05d}" for i in range(0, 3000, 2)] + ["fehlt", None, "N00000"]

    with CaptureQueriesContext(connection) as queries:
        found = list(
            Position.objects.filter(one_of("number", wanted)).values_list("number", flat=True)
        )

    if connection.vendor == "postgresql":
        assert '"number" = ANY(' in queries[0]["sql"]
    assert sorted(found) == [f"N{i:05d}" for i in range(0, 3000, 2)]
    assert not Position.objects.filter(one_of("number", [])).exists()
    assert not Position.objects.filter(one_of("number", [None])).exists()
    ids = list(
        Position.objects.filter(number__in=["N00001", "N00003"]).values_list("pk", flat=True)
    )
    assert Position.objects.filter(one_of("pk", ids)).count() == 2
    UserFactory(username="gross", email="Gross@Stadt.example")
    assert list(
        get_user_model()
        .objects.annotate(lower=Lower("email"))
        .filter(one_of("lower", ["gross@stadt.example"]))
        .values_list("username", flat=True)
    ) == ["gross"]


def test_it_inserts_rows_given_as_values_with_the_fields_defaults(db):
    unit = OrgUnitFactory(code="W")
    before = timezone.now()

    bulk_insert_rows(
        Employee,
        [
            {
                "personnel_number": "W1",
                "last_name": "Muster",
                "first_name": "Erika",
                "unit_id": unit.pk,
                "weekly_hours": Decimal("19.5"),
                "entry_date": dt.date(2020, 2, 29),
            },
            {
                "personnel_number": "W2",
                "last_name": "Muster",
                "first_name": "Max",
                "email": "max@stadt.example",
                "unit_id": unit.pk,
                "weekly_hours": Decimal("39"),
                "entry_date": dt.date(2021, 1, 1),
                "exit_date": dt.date(2021, 12, 31),
                "is_active": False,
            },
        ],
    )

    stored = {e.personnel_number: e for e in Employee.objects.filter(unit=unit)}
    assert _row(stored["W1"]) | {"updated_at": None} == {
        "personnel_number": "W1",
        "first_name": "Erika",
        "last_name": "Muster",
        "email": "",
        "unit": unit.pk,
        "position_id": None,
        "weekly_hours": Decimal("19.5"),
        "entry_date": dt.date(2020, 2, 29),
        "exit_date": None,
        "is_active": True,
        "user": None,
        "updated_at": None,
    }
    assert stored["W2"].exit_date == dt.date(2021, 12, 31) and not stored["W2"].is_active
    assert all(before <= e.created_at <= timezone.now() for e in stored.values())
    assert all(before <= e.updated_at <= timezone.now() for e in stored.values())
