"""The start page, Meine Aufgaben: what waits for the person (core.todos, contributed by
every app), their own data and where they can start. And the count for the menu."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.todos import Urgency, todo_total, todos_for
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import supervisor_of

# The menu's count is kept this long per person: the badge loads on every page, and asking
# every app costs HR most (the pandemic gaps of a whole city). The start page itself is
# always current and renews the kept count; elsewhere the badge may lag a minute.
BADGE_SECONDS = 60


def _badge_key(user) -> str:
    return f"home:todo-total:{user.pk}"


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
    todos = todos_for(request.user)
    total = todo_total(todos)
    cache.set(_badge_key(request.user), total, BADGE_SECONDS)
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
    """The menu's badge: how many tasks wait (an empty answer when none)."""
    key = _badge_key(request.user)
    total = cache.get(key)
    if total is None:
        total = todo_total(todos_for(request.user))
        cache.set(key, total, BADGE_SECONDS)
    return render(request, "home/_todo_count.html", {"total": total})
