"""The registry of Meine Aufgaben: every app's provider is asked, the list comes most
urgent first, and the seen marker remembers a visit."""

import datetime as dt

import pytest

from rathausmobil.core.models import ImportStatus, ImportUpload
from rathausmobil.core.todos import (
    SHOWN,
    Todo,
    Urgency,
    each_or_count,
    imports_waiting,
    last_seen,
    mark_seen,
    todo_providers,
    todo_total,
    todos_for,
)
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 3, 1)


@pytest.fixture
def provider():
    """Connect a provider that answers the given tasks for one test."""
    answers = []

    def answer(user, today):
        return list(answers)

    todo_providers.connect(answer, label="Test")
    yield answers
    todo_providers.disconnect(answer)


def todo(key, urgency, due=None, count=1):
    return Todo(key=key, title=key, url="/", action="Los", urgency=urgency, due=due, count=count)


def test_it_lists_the_most_urgent_first_then_the_earliest_due(employee, provider):
    provider += [
        todo("info", Urgency.INFO),
        todo("open", Urgency.OPEN, DAY),
        todo("due-late", Urgency.DUE, DAY + dt.timedelta(days=9)),
        todo("due-undated", Urgency.DUE),
        todo("due-soon", Urgency.DUE, DAY),
        todo("overdue", Urgency.OVERDUE, DAY - dt.timedelta(days=3)),
    ]
    mine = [t.key for t in todos_for(employee, today=DAY) if t.key in {p.key for p in provider}]
    assert mine == ["overdue", "due-soon", "due-late", "due-undated", "open", "info"]


def test_it_counts_a_line_with_many_items_as_many(employee, provider):
    provider += [todo("one", Urgency.DUE), todo("seven", Urgency.DUE, count=7)]
    assert todo_total(provider) == 8


def test_it_asks_nobody_for_an_anonymous_visitor(provider):
    from django.contrib.auth.models import AnonymousUser

    provider.append(todo("x", Urgency.DUE))
    assert todos_for(AnonymousUser()) == []


def test_it_remembers_when_a_user_last_looked(employee, colleague):
    assert last_seen(employee, "agreements.refusals") is None
    mark_seen(employee, "agreements.refusals")
    first = last_seen(employee, "agreements.refusals")
    assert first is not None
    mark_seen(employee, "agreements.refusals")
    assert last_seen(employee, "agreements.refusals") >= first
    assert last_seen(colleague, "agreements.refusals") is None


def test_it_reminds_only_the_uploader_of_their_imports_in_preview(hr, it):
    upload = ImportUpload.objects.create(
        kind="employees", filename="personal.csv", content=b"", sha256="x", uploaded_by=hr
    )
    (waiting,) = imports_waiting(hr, DAY)
    assert waiting.key == f"core.import.{upload.pk}"
    assert waiting.action == "Vorschau prüfen"
    assert "personal.csv" in waiting.detail
    assert imports_waiting(it, DAY) == []
    upload.status = ImportStatus.DISCARDED
    upload.save()
    assert imports_waiting(hr, DAY) == []


def _people_lines(people):
    return each_or_count(
        people,
        each=lambda e: Todo(key=f"person.{e.pk}", title=e.last_name, url="/", action="Los"),
        together=lambda count, first: Todo(
            key="people", title=first[0].last_name, url="/", action="Los", count=count
        ),
    )


def test_it_lists_up_to_five_items_one_by_one_and_more_as_one_line_with_the_count(
    django_assert_num_queries,
):
    people = [EmployeeFactory(last_name=f"Zählprobe{n}") for n in range(SHOWN + 1)]
    five = Employee.objects.filter(pk__in=[p.pk for p in people[:SHOWN]]).order_by("last_name")
    six = Employee.objects.filter(pk__in=[p.pk for p in people]).order_by("last_name")

    with django_assert_num_queries(1):
        lines = _people_lines(five)
    assert [(t.key, t.count) for t in lines] == [(f"person.{p.pk}", 1) for p in people[:SHOWN]]

    with django_assert_num_queries(2):
        lines = _people_lines(six)
    assert [(t.key, t.title, t.count) for t in lines] == [("people", "Zählprobe0", SHOWN + 1)]


def test_it_counts_a_list_already_read_without_a_query(django_assert_num_queries):
    people = [EmployeeFactory(last_name=f"Zählprobe{n}") for n in range(SHOWN + 2)]
    with django_assert_num_queries(0):
        lines = _people_lines(people)
    assert [(t.key, t.count) for t in lines] == [("people", SHOWN + 2)]
