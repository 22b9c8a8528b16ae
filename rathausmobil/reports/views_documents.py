"""The reports' pages: the list of reports a person may make, one page per report (a form
for Stichtag and unit, the report, download buttons) and the downloads. Thin: the
registry says who may make what (`reports.documents.registry`), the build function makes
the report, one renderer per format writes it. A format the worker makes (PDF,
reports/files.py) is asked for with a button and fetched from its own page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rathausmobil.core.dates import german_date
from rathausmobil.core.htmx import is_fragment
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.documents.registry import REPORTS, ReportKind
from rathausmobil.reports.documents.render import (
    CONTENT_TYPES,
    FORMAT_LABELS,
    render_html,
    response,
)
from rathausmobil.reports.files import OPEN, in_background, is_stuck, report_file_request
from rathausmobil.reports.models import ReportFile


def may_pick_unit(user) -> bool:
    """Unit figures are aggregates with the rule of 5 applied by the providers: whoever
    reads the figures may read them per unit (the org chart is public anyway)."""
    return scope_for(user).sees_aggregates


class ReportForm(forms.Form):
    stichtag = forms.DateField(label=_("Stichtag"), required=False)
    einheit = forms.CharField(label=_("Einheit"), required=False, max_length=32)

    def clean_stichtag(self) -> dt.date:
        day = self.cleaned_data.get("stichtag") or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(
                gettext("Der Stichtag %(date)s liegt in der Zukunft; Zahlen gibt es nur bis heute.")
                % {"date": german_date(day)}
            )
        return day

    def clean_einheit(self) -> OrgUnit | None:
        code = (self.cleaned_data.get("einheit") or "").strip()
        if not code:
            return None
        unit = OrgUnit.objects.filter(code__iexact=code).first()
        if unit is None:
            raise forms.ValidationError(
                gettext("Keine Einheit mit der Kennung „%(code)s“. Bitte einen Vorschlag wählen.")
                % {"code": code}
            )
        return unit


def _kind(request: HttpRequest, name: str) -> ReportKind:
    kind = REPORTS.get(name)
    if kind is None:
        raise Http404
    if not kind.may_make(request.user):
        raise PermissionDenied
    return kind


def _form(request: HttpRequest, kind: ReportKind, query=None) -> ReportForm:
    query = request.GET if query is None else query
    data = {"stichtag": query.get("stichtag", ""), "einheit": ""}
    if kind.takes_unit and may_pick_unit(request.user):
        data["einheit"] = query.get("einheit", "")
    if not kind.takes_date:
        data["stichtag"] = ""
    return ReportForm(data)


@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    kinds = REPORTS.for_user(request.user)
    if not kinds:
        raise PermissionDenied
    return render(request, "reports/documents/list.html", {"kinds": kinds})


@require_GET
def document(request: HttpRequest, name: str) -> HttpResponse:
    kind = _kind(request, name)
    form = _form(request, kind)
    making = "erstellen" in request.GET or "stichtag" in request.GET
    report = body = None
    downloads = []
    if making and form.is_valid():
        report = kind.make(
            viewer=request.user, on=form.cleaned_data["stichtag"], unit=form.cleaned_data["einheit"]
        )
        body = render_html(report)
        query = {"stichtag": report.on.isoformat()}
        if report.unit is not None:
            query["einheit"] = report.unit.code
        downloads = [
            {
                "format": fmt,
                "label": FORMAT_LABELS[fmt],
                "url": reverse("reports:document_download", args=[kind.name, fmt])
                + "?"
                + urlencode(query),
                "in_background": in_background(fmt),
                # the form's fields for the worker's file (a report without a Stichtag
                # takes none; its file is as of today)
                "query": {k: v for k, v in query.items() if k != "stichtag" or kind.takes_date},
            }
            for fmt in kind.formats
        ]
    context = {
        "kind": kind,
        "form": form,
        "report": report,
        "body": body,
        "downloads": downloads,
        "background_label": next((d["label"] for d in downloads if d["in_background"]), ""),
        "today": timezone.localdate(),
        "show_units": kind.takes_unit and may_pick_unit(request.user),
        "stichtag_value": request.GET.get("stichtag") or timezone.localdate().isoformat(),
        "unit_value": request.GET.get("einheit", ""),
    }
    # A form with errors is the page again, with status 200 (htmx swaps only a 2xx).
    return render(request, "reports/documents/report.html", context)


@require_GET
def document_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    kind = _kind(request, name)
    if fmt not in kind.formats:
        raise Http404
    if in_background(fmt):  # made by the worker: the report's page has its button
        return redirect(
            reverse("reports:document", args=[kind.name]) + "?" + request.GET.urlencode()
        )
    form = _form(request, kind)
    if not form.is_valid():
        context = {
            "kind": kind,
            "form": form,
            "today": timezone.localdate(),
            "show_units": kind.takes_unit and may_pick_unit(request.user),
            "stichtag_value": request.GET.get("stichtag", ""),
            "unit_value": request.GET.get("einheit", ""),
        }
        return render(request, "reports/documents/report.html", context, status=400)
    report = kind.make(
        viewer=request.user, on=form.cleaned_data["stichtag"], unit=form.cleaned_data["einheit"]
    )
    return response(report, fmt, landscape=kind.landscape)


# --------------------------------------------------------------------------- files


@require_POST
def document_file_request(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """ "Als PDF erstellen": the worker makes the file; its page shows when it is there."""
    kind = _kind(request, name)
    if fmt not in kind.formats or not in_background(fmt):
        raise Http404
    form = _form(request, kind, request.POST)
    if not form.is_valid():
        return redirect(
            reverse("reports:document", args=[kind.name]) + "?" + request.POST.urlencode()
        )
    file = report_file_request(
        kind=kind,
        fmt=fmt,
        on=form.cleaned_data["stichtag"],
        unit=form.cleaned_data["einheit"],
        by=request.user,
    )
    return redirect("reports:document_file", pk=file.pk)


def _own_file(request: HttpRequest, pk: int) -> tuple[ReportFile, ReportKind]:
    """The person's own file of a report they may still make; 404 for anybody else's."""
    file = get_object_or_404(
        ReportFile.objects.select_related("unit").defer("content"), pk=pk, requested_by=request.user
    )
    return file, _kind(request, file.report)


def _file_context(file: ReportFile, kind: ReportKind) -> dict:
    query = {"stichtag": file.on.isoformat()}
    if file.unit is not None:
        query["einheit"] = file.unit.code
    return {
        "file": file,
        "kind": kind,
        "format_label": FORMAT_LABELS[file.fmt],
        "open": file.state in OPEN,
        "stuck": is_stuck(file),
        "keep_hours": settings.REPORT_FILES_KEEP_HOURS,
        "report_url": reverse("reports:document", args=[kind.name]) + "?" + urlencode(query),
    }


@require_GET
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    file, kind = _own_file(request, pk)
    return render(request, "reports/documents/file.html", _file_context(file, kind))


@require_GET
def document_file_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's status: polls itself while the worker makes it, then tells htmx to
    reload the page (with the download). Without htmx: the page."""
    file, kind = _own_file(request, pk)
    if not is_fragment(request):
        return redirect("reports:document_file", pk=pk)
    context = _file_context(file, kind)
    result = render(request, "reports/documents/file.html#file_status", context)
    if not context["open"]:
        result["HX-Refresh"] = "true"
    return result


@require_GET
def document_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    file, _kind_ = _own_file(request, pk)
    if file.state != "done":
        return redirect("reports:document_file", pk=pk)
    content = ReportFile.objects.values_list("content", flat=True).get(pk=pk)
    result = HttpResponse(bytes(content), content_type=CONTENT_TYPES[file.fmt])
    result["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return result
