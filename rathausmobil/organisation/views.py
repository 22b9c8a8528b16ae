from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathausmobil.core.audit import history_of
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.htmx import query_without, render_page
from rathausmobil.core.pagination import CURSOR_PARAMS, request_page
from rathausmobil.organisation import lockout
from rathausmobil.organisation.filters import EmployeeFilter
from rathausmobil.organisation.importing import EMPLOYEE_COLUMNS
from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import it_work, scope_for
from rathausmobil.organisation.selectors import (
    employees_visible_to,
    org_units_matching,
    org_units_with_staff_counts,
)

#: the employee list's order; pk makes it total (indexes: migration 0004)
EMPLOYEE_ORDER = ("last_name", "first_name", "pk")
#: what the list shows (the export reads every column)
LIST_COLUMNS = (
    "personnel_number",
    "last_name",
    "first_name",
    "weekly_hours",
    "is_active",
    "unit__code",
    "unit__name",
    "position__title",
)


@require_GET
def employee_list(request: HttpRequest) -> HttpResponse:
    filterset = EmployeeFilter.for_page(request, employees_visible_to(request.user))
    context = {
        "filter": filterset,
        "page": request_page(
            request,
            filterset.qs.only(*LIST_COLUMNS),
            ordering=EMPLOYEE_ORDER,
            link="organisation:employee_detail",
        ),
        "query": query_without(request, *CURSOR_PARAMS),
    }
    return render_page(request, "organisation/employee_list.html", context, partial="results")


@require_GET
def employee_export(request: HttpRequest) -> HttpResponse:
    filterset = EmployeeFilter.for_page(request, employees_visible_to(request.user))
    # The columns of the HR import, so that an export can be edited and imported again.
    header = [column.label for column in EMPLOYEE_COLUMNS]

    def rows():
        for e in filterset.qs.iterator(chunk_size=2000):
            yield [
                e.personnel_number,
                e.last_name,
                e.first_name,
                e.email,
                e.unit.code,
                e.position.number if e.position else "",
                e.position.title if e.position else "",
                number_format(e.weekly_hours.normalize()),
                e.entry_date.strftime("%d.%m.%Y"),
                e.exit_date.strftime("%d.%m.%Y") if e.exit_date else "",
                "",  # Qualifikationen: kept in the presence app; empty changes nothing
            ]

    return csv_response("beschaeftigte.csv", header, rows())


@require_GET
def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = get_object_or_404(employees_visible_to(request.user), pk=pk)
    scope = scope_for(request.user)
    history = (
        history_of(employee)[:100]
        if (scope.has(Role.HR) or scope.employee_id == employee.pk or scope.is_supervisor)
        else []
    )
    return render(
        request,
        "organisation/employee_detail.html",
        {
            "employee": employee,
            "history": history,
            "headed_units": employee.headed_units.all(),
        },
    )


@require_GET
def org_unit_search(request: HttpRequest) -> HttpResponse:
    """The unit filter's suggestions while one types (includes/unit_picker.html): the
    options of a <datalist>. The text comes as `q`, or under the name the filter field
    has on its page (htmx sends the field's own value: `unit`, `einheit`)."""
    text = request.GET.get("q") or request.GET.get("unit") or request.GET.get("einheit") or ""
    units = org_units_matching(request.user, text[:100])
    return render(request, "organisation/_unit_options.html", {"units": units})


@require_GET
def org_unit_list(request: HttpRequest) -> HttpResponse:
    units = org_units_with_staff_counts(request.user)
    return render(request, "organisation/org_unit_list.html", {"units": units})


# --------------------------------------------------------------------------- login locks


@require_http_methods(["GET", "POST"])
def login_locks(request: HttpRequest) -> HttpResponse:
    """IT sees the user names and addresses locked after failed logins and lifts a lock
    early (organisation/lockout.py); a lock otherwise ends by itself."""
    if not it_work(scope_for(request.user)):
        raise PermissionDenied
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "").strip()
        if kind not in ("username", "address") or not value:
            messages.error(request, _("Bitte eine Sperre aus der Liste wählen."))
        elif lockout.unlock(kind=kind, value=value, by=request.user):
            messages.success(
                request,
                _("Die Sperre für „%(value)s“ ist aufgehoben. Die Anmeldung geht sofort wieder.")
                % {"value": value},
            )
        else:
            # A second click, or the lock ran out in the meantime: nothing left to lift.
            messages.info(
                request, _("Für „%(value)s“ besteht keine Sperre mehr.") % {"value": value}
            )
        return redirect("organisation:login_locks")
    return render(
        request,
        "organisation/login_locks.html",
        {
            "locks": lockout.current_locks(),
            "account_limit": settings.LOGIN_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_FAILURE_LIMIT_ADDRESS,
            "minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
    )
