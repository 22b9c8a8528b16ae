"""The start page, Meine Aufgaben: what waits for the person (core.todos, contributed by
every app), their own data and where they can start. And the count for the menu."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.todos import Urgency, todo_total, todos_for
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import supervisor_of

# The headings of the urgency groups, most urgent first.
SECTIONS = [
    (Urgency.OVERDUE, "overdue"),
    (Urgency.DUE, "due"),
    (Urgency.OPEN, "open"),
    (Urgency.INFO, "info"),
]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    employee = supervisor = None
    if scope.employee_id:
        employee = Employee.objects.select_related("unit", "position").get(pk=scope.employee_id)
        supervisor = supervisor_of(employee)
    todos = todos_for(request.user)  # kept per person, renewed by every audited write
    total = todo_total(todos)
    sections = [
        {"name": name, "todos": [t for t in todos if t.urgency == urgency]}
        for urgency, name in SECTIONS
    ]
    return render(
        request,
        "home/index.html",
        {
            "employee": employee,
            "supervisor": supervisor,
            "todos": todos,
            "total": total,
            "sections": [s for s in sections if s["todos"]],
        },
    )


@require_GET
def todo_count(request: HttpRequest) -> HttpResponse:
    """The menu's badge: how many tasks wait (an empty answer when none), from the same
    kept list as the start page."""
    total = todo_total(todos_for(request.user))
    return render(request, "home/_todo_count.html", {"total": total})
