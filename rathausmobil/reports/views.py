from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathausmobil.agreements.selectors import overdue_by_office
from rathausmobil.core.dates import add_months, german_date
from rathausmobil.core.errors import DomainError
from rathausmobil.core.figures import kept, kept_html
from rathausmobil.organisation.models import UnitKind
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.dashboard import dashboard_themes
from rathausmobil.reports.documents.registry import REPORTS
from rathausmobil.reports.forms import FiguresForm
from rathausmobil.reports.kpis import figure_scope, kept_kpis
from rathausmobil.reports.mailing import first_working_day, subscription_end, subscription_start
from rathausmobil.reports.models import ReportSubscription
from rathausmobil.reports.snapshots import monthly_trend


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    form = FiguresForm(request.GET or None)
    on = unit = None
    if form.is_bound and form.is_valid():
        on, unit = form.cleaned_data["stichtag"], form.cleaned_data["einheit"]
    # Kept per scope, day and unit, computed anew after a change (core/figures.py); the
    # providers suppress small groups for this reader. The themes are kept as rendered
    # with them: drawing the tiles and their trends cost more than reading the figures.
    figures = kept_kpis(viewer=request.user, on=on, unit=unit)
    # Trends are kept for the whole administration and each Dezernat (reports/snapshots.py).
    with_trend = unit is None or unit.kind == UnitKind.DEZERNAT
    key = ":".join(
        [
            figure_scope(request.user),
            "head" if scope.is_supervisor else "",  # the links follow what the reader may open
            on.isoformat() if on else "today",
            str(unit.pk) if unit else "all",
            figures.as_of.isoformat(),
        ]
    )
    themes = kept_html(
        "dashboard",
        key,
        "reports/dashboard.html#themes",
        lambda: {
            "themes": dashboard_themes(
                scope=scope,
                figures=figures.values,
                trends=monthly_trend(on=on, unit=unit) if with_trend else None,
                on=on or timezone.localdate(),
            )
        },
    )
    context = {
        "form": form,
        "themes": themes,
        "as_of": figures.as_of,
        "on": on or timezone.localdate(),
        "past": on is not None,
        "unit": unit,
        "with_trend": with_trend,
        "max_age": settings.FIGURES_MAX_AGE // 60,
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """Open and overdue requests per office (Amt), without a person: where decisions are
    late. For everyone who reads the dashboard; HR and heads follow on to the requests."""
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    # The same for every reader (counts, no person): kept as rendered, renewed by the
    # next decision (the grouping over every waiting request is the page's whole cost).
    figures = kept("overdue-by-office", "all", _overdue_figures).values
    context = {
        **figures,
        "table": kept_html(
            "overdue-by-office-table",
            "all",
            "reports/overdue.html#table",
            lambda: figures,
        ),
        "sees_requests": scope.is_supervisor or scope.sees_whole_administration,
    }
    return render(request, "reports/overdue.html", context)


def _overdue_figures() -> dict:
    rows = overdue_by_office()
    return {
        "rows": rows,
        "today": timezone.localdate(),
        "open_total": sum(row.open for row in rows),
        "overdue_total": sum(row.overdue for row in rows),
    }


@require_http_methods(["GET", "POST"])
def subscription(request: HttpRequest) -> HttpResponse:
    """The monthly Lagebericht by mail: order it, see when it comes, cancel it."""
    kind = REPORTS.get("lagebericht")
    if not kind.may_make(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                subscription_end(user=request.user, report=kind.name)
                messages.success(request, _("Der monatliche Lagebericht ist abbestellt."))
            else:
                subscription_start(user=request.user, report=kind.name)
                messages.success(
                    request,
                    _("Bestellt: Sie erhalten den Lagebericht ab dem %(day)s monatlich per E-Mail.")
                    % {"day": german_date(_next_mailing())},
                )
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("reports:subscription")
    current = ReportSubscription.objects.filter(user=request.user, report=kind.name).first()
    last = (
        current.deliveries.filter(sent_at__isnull=False).order_by("-month").first()
        if current
        else None
    )
    context = {
        "kind": kind,
        "subscription": current,
        "last": last,
        "next_day": _next_mailing(),
        "email": request.user.email,
    }
    return render(request, "reports/subscription.html", context)


def _next_mailing():
    today = timezone.localdate()
    this_month = first_working_day(today)
    if this_month > today:
        return this_month
    return first_working_day(add_months(today.replace(day=1), 1))
