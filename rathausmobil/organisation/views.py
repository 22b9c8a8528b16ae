from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.core.audit import history_of
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.htmx import query_without, render_page
from rathausmobil.organisation.filters import EmployeeFilter
from rathausmobil.organisation.forms import ImportUploadForm
from rathausmobil.organisation.models import ImportBatch, ImportStatus, Role
from rathausmobil.organisation.scoping import role_required, scope_for
from rathausmobil.organisation.selectors import (
    employees_visible_to,
    org_units_visible_to,
    org_units_with_staff_counts,
)
from rathausmobil.organisation.services import (
    ImportBatchError,
    import_batch_apply,
    import_batch_discard,
    import_batch_preview,
)

PAGE_SIZE = 50


@require_GET
def employee_list(request: HttpRequest) -> HttpResponse:
    filterset = EmployeeFilter.for_page(request, employees_visible_to(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "units": org_units_visible_to(request.user).select_related(None).only("code", "name"),
        "page": page,
        "query": query_without(request, "page"),
    }
    return render_page(request, "organisation/employee_list.html", context, partial="results")


@require_GET
def employee_export(request: HttpRequest) -> HttpResponse:
    filterset = EmployeeFilter.for_page(request, employees_visible_to(request.user))
    header = [
        "Personalnummer",
        "Nachname",
        "Vorname",
        "E-Mail",
        "Organisationseinheit",
        "Stellennummer",
        "Stellenbezeichnung",
        "Wochenstunden",
        "Eintritt",
        "Austritt",
    ]

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
def org_unit_list(request: HttpRequest) -> HttpResponse:
    units = org_units_with_staff_counts(request.user)
    return render(request, "organisation/org_unit_list.html", {"units": units})


# --------------------------------------------------------------------------- HR import


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, result = import_batch_preview(
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            data=upload.read(),
            by=request.user,
        )
        if batch is not None:
            return redirect("organisation:import_preview", pk=batch.pk)
    recent = ImportBatch.objects.filter(uploaded_by=request.user).exclude(
        status=ImportStatus.PREVIEW
    )[:10]
    status = 422 if result is not None and not result.ok else 200
    return render(
        request,
        "organisation/import_upload.html",
        {"form": form, "result": result, "recent": recent},
        status=status,
    )


@role_required(Role.HR)
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    return render(
        request, "organisation/import_preview.html", {"batch": batch, "summary": batch.summary}
    )


@role_required(Role.HR)
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    try:
        batch, result = import_batch_apply(batch_id=pk, by=request.user)
    except ImportBatchError as exc:
        messages.warning(request, str(exc))
        return redirect("organisation:import_preview", pk=pk)
    if not result.ok:
        messages.error(
            request,
            "Die Datei passt nicht mehr zum aktuellen Datenbestand; nichts wurde gespeichert.",
        )
        return render(
            request,
            "organisation/import_preview.html",
            {"batch": batch, "summary": result.as_dict()},
            status=409,
        )
    messages.success(request, f"Import übernommen: {result.summary_line()}")
    return redirect("organisation:import_preview", pk=pk)


@role_required(Role.HR)
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    try:
        import_batch_discard(batch_id=pk, by=request.user)
    except ImportBatchError as exc:
        messages.warning(request, str(exc))
    else:
        messages.info(request, "Import verworfen, nichts wurde gespeichert.")
    return redirect("organisation:import_upload")
