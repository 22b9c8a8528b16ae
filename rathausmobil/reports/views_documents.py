"""The reports' pages: the list of reports a person may make, one page per report (a form
for Stichtag and unit, the report, download buttons) and the downloads. Thin: the
registry says who may make what (`reports.documents.registry`), the build function makes
the report, one renderer per format writes it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rathausmobil.core.dates import german_date
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.documents.registry import REPORTS, ReportKind
from rathausmobil.reports.documents.render import FORMAT_LABELS, render_html, response


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


def _form(request: HttpRequest, kind: ReportKind) -> ReportForm:
    data = {"stichtag": request.GET.get("stichtag", ""), "einheit": ""}
    if kind.takes_unit and may_pick_unit(request.user):
        data["einheit"] = request.GET.get("einheit", "")
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
            }
            for fmt in kind.formats
        ]
    context = {
        "kind": kind,
        "form": form,
        "report": report,
        "body": body,
        "downloads": downloads,
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
