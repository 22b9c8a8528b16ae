from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathausmobil.core.audit import history_of
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.htmx import query_without, render_page
from rathausmobil.core.pagination import CURSOR_PARAMS, request_page
from rathausmobil.organisation import lockout, services
from rathausmobil.organisation.filters import (
    EmployeeFilter,
    RoleAssignmentFilter,
    UnitHeadFilter,
)
from rathausmobil.organisation.forms import (
    UNIT_OPTIONS_ID,
    HeadForm,
    ReasonForm,
    RoleGrantForm,
)
from rathausmobil.organisation.importing import EMPLOYEE_COLUMNS
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.scoping import (
    GIVEN_BY_HR,
    it_work,
    role_keeper,
    roles_grantable,
    scope_for,
)
from rathausmobil.organisation.selectors import (
    employees_visible_to,
    org_units_matching,
    org_units_with_staff_counts,
    role_assignments_visible_to,
    unit_heads_visible_to,
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


# --------------------------------------------------------------------------- roles and heads
#
# Roles and heads of units are given here, not in the Django admin (which only superusers
# open): the services check who may give what and write the audit event. docs/roles.md.

#: who holds which role, by name; pk makes it total (a few hundred rows: no index needed)
ROLE_ORDER = ("user__last_name", "user__first_name", "user_id", "role")
#: the units in the order of the tree (`path` has an index)
HEAD_ORDER = ("path",)


def _keeper_scope(request: HttpRequest):
    scope = scope_for(request.user)
    if not role_keeper(scope):
        raise PermissionDenied
    return scope


def _role_list_url(**query) -> str:
    return f"{reverse('organisation:role_list')}?{urlencode(query)}"


@require_http_methods(["GET", "POST"])
def role_list(request: HttpRequest) -> HttpResponse:
    """Who holds which role (filtered, paged), and the form that gives one."""
    scope = _keeper_scope(request)
    grantable = roles_grantable(scope)
    form = RoleGrantForm(request.POST or None, roles=grantable, prefix="vergeben")
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_grant(
                user=data["person"],
                role=data["role"],
                unit=data["unit"],
                by=request.user,
                reason=data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 403 if isinstance(exc, NotAllowed) else 200
        else:
            messages.success(
                request,
                _(
                    "%(person)s hat jetzt die Rolle „%(role)s“. Sie gilt ab der nächsten Seite, "
                    "die die Person öffnet; die Änderung steht im Protokoll der Änderungen."
                )
                % {
                    "person": services.person_label(data["person"]),
                    "role": Role(data["role"]).label,
                },
            )
            return redirect(_role_list_url(q=data["person"].username))
    filterset = RoleAssignmentFilter.for_page(request, role_assignments_visible_to(request.user))
    page = request_page(request, filterset.qs, ordering=ROLE_ORDER, link="organisation:role_revoke")
    for row in page.rows:
        row.may_change = row.role in grantable and row.user_id != request.user.pk
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, *CURSOR_PARAMS),
        "form": form,
        "roles": Role.choices,
        "grantable": [role.label for role in grantable],
        "admin_only": [role.label for role in Role if role not in GIVEN_BY_HR],
        "unit_options_id": UNIT_OPTIONS_ID,
    }
    return render_page(
        request, "organisation/role_list.html", context, partial="results", status=status
    )


@require_http_methods(["GET", "POST"])
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a role away: the page asks for the reason and says what follows."""
    scope = _keeper_scope(request)
    assignment = role_assignments_visible_to(request.user).filter(pk=pk).first()
    if assignment is None:
        if request.method == "POST":  # a second click: the first took the role already
            messages.info(request, _("Diese Rolle ist bereits entzogen."))
            return redirect("organisation:role_list")
        raise Http404
    may = assignment.role in roles_grantable(scope) and assignment.user_id != request.user.pk
    form = ReasonForm(request.POST or None, prefix="entziehen")
    status = 200 if may else 403
    if request.method == "POST" and form.is_valid():
        try:
            services.role_revoke(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 403 if isinstance(exc, NotAllowed) else 200
        else:
            messages.success(
                request,
                _(
                    "%(person)s hat die Rolle „%(role)s“ nicht mehr. Die Änderung gilt ab der "
                    "nächsten Seite, die die Person öffnet, und steht im Protokoll der Änderungen."
                )
                % {
                    "person": services.person_label(assignment.user),
                    "role": assignment.get_role_display(),
                },
            )
            return redirect(_role_list_url(q=assignment.user.username))
    return render(
        request,
        "organisation/role_revoke.html",
        {
            "assignment": assignment,
            "person": services.person_label(assignment.user),
            "may": may,
            "own": assignment.user_id == request.user.pk,
            "form": form,
        },
        status=status,
    )


@require_GET
def unit_head_list(request: HttpRequest) -> HttpResponse:
    """The units and who heads them, each with the way to change it."""
    _keeper_scope(request)
    filterset = UnitHeadFilter.for_page(request, unit_heads_visible_to(request.user))
    page = request_page(request, filterset.qs, ordering=HEAD_ORDER, link="organisation:unit_head")
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, *CURSOR_PARAMS),
    }
    return render_page(request, "organisation/unit_head_list.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def unit_head(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or clear the head of one unit."""
    _keeper_scope(request)
    unit = get_object_or_404(unit_heads_visible_to(request.user).select_related("parent"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    set_form = HeadForm(request.POST if action == "set" else None, prefix="leitung")
    clear_form = ReasonForm(request.POST if action == "clear" else None, prefix="entfernen")
    form = {"set": set_form, "clear": clear_form}.get(action)
    status = 200
    if form is not None and form.is_valid():
        head = form.cleaned_data.get("head") if action == "set" else None
        try:
            services.org_unit_set_head(
                unit=unit, head=head, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 403 if isinstance(exc, NotAllowed) else 200
        else:
            if head is None:
                text = _(
                    "%(unit)s hat keine Leitung mehr. Die bisherige Leitung sieht die Einheit "
                    "ab ihrer nächsten Seite nicht mehr; die Änderung steht im Protokoll."
                ) % {"unit": unit}
            else:
                text = _(
                    "%(person)s leitet jetzt %(unit)s und sieht ab der nächsten Seite die "
                    "Einheit mit allen darunter; die Änderung steht im Protokoll."
                ) % {"person": head.full_name, "unit": unit}
            messages.success(request, text)
            return redirect(
                f"{reverse('organisation:unit_head_list')}?{urlencode({'q': unit.code})}"
            )
    deputies = (
        RoleAssignment.objects.filter(role=Role.SUPERVISOR, unit=unit)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return render(
        request,
        "organisation/unit_head.html",
        {
            "unit": unit,
            "set_form": set_form,
            "clear_form": clear_form,
            "deputies": deputies,
        },
        status=status,
    )


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
