"""Keyset pages (core/pagination.py): every row once while rows come and go, cursors
nobody can forge, counts that are exact for short lists and kept a minute for long ones.
Runs on SQLite and PostgreSQL (NULLs sort differently there unless told)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import signing

from rathausmobil.core import pagination
from rathausmobil.core.pagination import count_rows, cursor_at, keyset_page
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.organisation.tests.factories import OrgUnitFactory

NAME_ORDER = ("last_name", "first_name")


@pytest.fixture
def unit(db):
    return OrgUnitFactory(code="P")


def people(unit: OrgUnit, names: list[str], *, start: int = 0) -> list[Employee]:
    return Employee.objects.bulk_create(
        Employee(
            personnel_number=f"P{start + i:06d}",
            last_name=name,
            first_name="Vorname",
            unit=unit,
            weekly_hours=Decimal("39"),
            entry_date=dt.date(2020, 1, 1),
        )
        for i, name in enumerate(names)
    )


def walk(queryset, ordering, *, size, between=None) -> list[list[int]]:
    """The pages from the first to the last by their `next` cursors, as lists of ids;
    `between(n)` runs after the n-th page is read (to insert rows while paging)."""
    pages = []
    page = keyset_page(queryset, ordering, size=size)
    while True:
        pages.append([row.pk for row in page])
        if between:
            between(len(pages))
        if not page.has_next:
            return pages
        page = keyset_page(queryset, ordering, after=page.next, size=size)


def test_it_gives_every_row_once_in_the_order_of_the_list(unit):
    # 10 names for 95 people: many equal names, ordered by pk among themselves
    people(unit, [f"Name{i % 10}" for i in range(95)])
    pages = walk(Employee.objects.all(), NAME_ORDER, size=10)
    assert [len(p) for p in pages] == [10] * 9 + [5]
    expected = list(Employee.objects.order_by("last_name", "first_name", "pk"))
    assert [pk for page in pages for pk in page] == [e.pk for e in expected]


def test_it_gives_every_row_exactly_once_while_rows_are_inserted_between_pages(unit):
    originals = {e.pk for e in people(unit, [f"Name{i % 7:02d}" for i in range(120)])}
    inserted = []

    def insert(n):
        # before, at and after the current position, with names equal to listed ones
        made = people(unit, ["Name00", "Name03", "Name06", "Aaa", "Zzz"], start=1000 + 10 * n)
        inserted.extend(e.pk for e in made)

    pages = walk(Employee.objects.all(), NAME_ORDER, size=25, between=insert)
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)), "a row came twice"
    assert originals <= set(seen), "a row was skipped"
    assert set(seen) <= originals | set(inserted)
    # what the reader saw is in the list's order
    order = {e.pk: i for i, e in enumerate(Employee.objects.order_by(*NAME_ORDER, "pk"))}
    assert seen == sorted(seen, key=order.get)


def test_it_gives_every_row_once_while_rows_are_deleted_between_pages(unit):
    made = people(unit, [f"Name{i:03d}" for i in range(60)])
    gone = {made[5].pk, made[24].pk, made[25].pk, made[40].pk}

    def delete(n):
        if n == 1:
            Employee.objects.filter(pk__in=gone).delete()

    seen = [
        pk
        for page in walk(Employee.objects.all(), NAME_ORDER, size=20, between=delete)
        for pk in page
    ]
    assert len(seen) == len(set(seen))
    assert {e.pk for e in made} - gone <= set(seen)


def test_it_walks_back_through_the_same_pages(unit):
    people(unit, [f"Name{i % 4}" for i in range(53)])
    queryset = Employee.objects.all()
    forward = [keyset_page(queryset, NAME_ORDER, size=10)]
    while forward[-1].has_next:
        forward.append(keyset_page(queryset, NAME_ORDER, after=forward[-1].next, size=10))
    backward = [forward[-1]]
    while backward[-1].has_previous:
        backward.append(keyset_page(queryset, NAME_ORDER, before=backward[-1].previous, size=10))
    assert [[r.pk for r in p] for p in backward[::-1]] == [[r.pk for r in p] for p in forward]
    assert [p.start for p in forward] == [0, 10, 20, 30, 40, 50]
    assert [p.start for p in backward[::-1]] == [0, 10, 20, 30, 40, 50]
    assert not forward[0].has_previous and not forward[-1].has_next


def test_it_shows_a_whole_first_page_when_going_back_past_the_start(unit):
    people(unit, [f"Name{i:02d}" for i in range(30)])
    queryset = Employee.objects.all()
    # a cursor for a page that starts at row 3: "back" has only 3 rows before it
    page = keyset_page(queryset, NAME_ORDER, after=cursor_at(queryset, NAME_ORDER, 3), size=10)
    back = keyset_page(queryset, NAME_ORDER, before=page.previous, size=10)
    assert [r.last_name for r in back] == [f"Name{i:02d}" for i in range(10)]
    assert back.start == 0 and not back.has_previous


def test_it_orders_nullable_and_descending_columns_alike_on_every_engine(unit):
    made = people(unit, [f"Name{i:02d}" for i in range(23)])
    for i, e in enumerate(made):
        e.exit_date = None if i % 3 == 0 else dt.date(2030, 1, 1 + i % 5)
        e.weekly_hours = Decimal(10 + i % 4)
    Employee.objects.bulk_update(made, ["exit_date", "weekly_hours"])
    ordering = ("exit_date", "-weekly_hours")  # NULL exit dates last
    seen = [pk for page in walk(Employee.objects.all(), ordering, size=4) for pk in page]
    assert len(seen) == 23 == len(set(seen))
    rows = Employee.objects.in_bulk(seen)
    keys = [(rows[pk].exit_date is None, rows[pk].exit_date, -rows[pk].weekly_hours) for pk in seen]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1] or dt.date.min, k[2]))


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "",
        "eyJrIjpbXX0:forged",
        signing.Signer(salt="another list").sign_object({"k": ["A", "B", 1], "i": 5}),
    ],
)
def test_it_answers_a_cursor_it_did_not_sign_with_the_first_page(unit, cursor):
    people(unit, [f"Name{i:02d}" for i in range(30)])
    for direction in ("after", "before"):
        page = keyset_page(Employee.objects.all(), NAME_ORDER, size=10, **{direction: cursor})
        assert [r.last_name for r in page] == [f"Name{i:02d}" for i in range(10)]
        assert page.start == 0 and not page.has_previous


def test_it_answers_a_tampered_cursor_with_the_first_page(unit):
    people(unit, [f"Name{i:02d}" for i in range(30)])
    queryset = Employee.objects.all()
    cursor = keyset_page(queryset, NAME_ORDER, size=10).next
    value, signature = cursor.rsplit(":", 1)
    tampered = f"{value[:-2]}xy:{signature}"
    page = keyset_page(queryset, NAME_ORDER, after=tampered, size=10)
    assert page.start == 0 and page.rows[0].last_name == "Name00"


def test_it_answers_a_signed_cursor_whose_values_do_not_fit_with_the_first_page(unit):
    """Were the secret key ever known: a value the column cannot hold is no 500."""
    people(unit, [f"Name{i:02d}" for i in range(30)])
    ordering = ("entry_date",)
    keys = pagination._keys(Employee, ordering)
    forged = pagination._encode(pagination._signer(Employee, keys), ["not a date", "x"], 10)
    page = keyset_page(Employee.objects.all(), ordering, after=forged, size=10)
    assert page.start == 0 and len(page) == 10


def test_it_counts_a_list_of_one_page_without_a_query(unit, django_assert_num_queries):
    people(unit, ["A", "B", "C"])
    with django_assert_num_queries(1):
        page = keyset_page(Employee.objects.all(), NAME_ORDER, size=10)
    assert page.count == 3


def test_it_keeps_a_long_lists_count_until_the_next_recorded_write(
    unit, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from rathausmobil.core.audit import audit_event

    people(unit, [f"Name{i % 3}" for i in range(45)])
    everyone = Employee.objects.all()
    assert count_rows(everyone) == 45
    assert count_rows(everyone.filter(last_name="Name0")) == 15  # another filter: its own
    people(unit, ["Name1"], start=500)  # written beside the services: not noticed
    with django_assert_num_queries(0):  # kept
        assert count_rows(everyone) == 45
        assert count_rows(everyone.filter(last_name="Name0")) == 15
    # a write through the services leaves an audit event, which renews kept figures on commit
    with django_capture_on_commit_callbacks(execute=True):
        audit_event(
            actor=None, action="angelegt", obj=Employee.objects.get(personnel_number="P000500")
        )
    assert count_rows(everyone) == 46
    assert keyset_page(everyone, NAME_ORDER, size=10).count == 46
