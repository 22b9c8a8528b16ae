"""Pages of VPN usage. Thin: parse, call a selector or service, render.

- Übersicht (``overview``) and Einheiten (``units``): aggregates for HR, IT, leadership, staff
  council and the data-protection officer; groups under 5 persons suppressed.
- Namen ohne Person (``unmapped``; its form maps a name to a person): IT only.
- Meine VPN-Nutzung (``mine``): everyone with an employee record, their own sessions only.

Supervisors as such get 403 on the first three: technical monitoring of their staff is
co-determined by the staff council, so no page shows a person's usage to anyone but the person.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathausmobil.core import charts
from rathausmobil.core.errors import DomainError
from rathausmobil.core.figures import kept_html, min_group_size
from rathausmobil.core.htmx import query_without
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.usage import selectors, services
from rathausmobil.usage.forms import AliasForm, GatewayPeriodForm, PeriodForm

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def work_hours_text() -> str:
    """The working hours of the settings as text, e.g. "Mo–Fr 07:00–18:00 Uhr"."""
    names = charts.weekday_names()
    days = sorted(settings.USAGE_WORKDAYS)
    contiguous = days == list(range(days[0], days[-1] + 1)) if days else False
    day_text = (
        f"{names[days[0]]}–{names[days[-1]]}"
        if contiguous and len(days) > 1
        else ", ".join(names[d] for d in days)
    )
    return _("%(days)s %(start)s:00–%(end)s:00 Uhr") % {
        "days": day_text,
        "start": f"{settings.USAGE_WORK_START_HOUR:02d}",
        "end": f"{settings.USAGE_WORK_END_HOUR:02d}",
    }


def _local(iso: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(iso) if iso else None


def _quick_links(request: HttpRequest, keep: tuple[str, ...]) -> list[dict]:
    labels = {"4w": _("4 Wochen"), "q": _("Quartal (13 Wochen)"), "y": _("Jahr (52 Wochen)")}
    out = []
    for key, first, last in selectors.quick_periods():
        query = request.GET.copy()
        for name in list(query):
            if name not in keep:
                query.pop(name)
        query["von"], query["bis"] = first.isoformat(), last.isoformat()
        out.append({"label": labels[key], "query": query.urlencode(), "first": first, "last": last})
    return out


# --------------------------------------------------------------------------- overview


def _cards(values: dict) -> list[dict]:
    peak_at = _local(values.get("concurrent_peak_at"))
    busy_at = _local(values.get("busy_hour_at"))
    blocking = values.get("blocking_probability")
    return [
        {
            "key": "peak",
            "label": _("Höchstwert gleichzeitig"),
            "value": values.get("concurrent_peak"),
            "decimals": 0,
            "when": peak_at,
        },
        {
            "key": "avg",
            "label": _("Mittel in der Arbeitszeit"),
            "value": values.get("concurrent_avg_workhours"),
            "decimals": 1,
            "note": _("Sitzungen gleichzeitig, zeitgewichtet"),
        },
        {
            "key": "p95",
            "label": _("95 %-Wert"),
            "value": values.get("concurrent_p95_workhours"),
            "decimals": 0,
            "note": _("In 95 Prozent der Arbeitszeit waren höchstens so viele Sitzungen offen."),
        },
        {
            "key": "capacity",
            "label": _("Kapazität"),
            "value": values.get("capacity"),
            "decimals": 0,
            "note": _("Lizenzen bzw. gleichzeitige Sitzungen der Gateways"),
        },
        {
            "key": "blocking",
            "label": _("Abweisungswahrscheinlichkeit (Erlang B)"),
            "value": None if blocking is None else blocking * 100,
            "decimals": 2,
            "percent": True,
            "note": _("bei der Last der Hauptverkehrsstunde: %(e)s Erlang")
            % {"e": charts.number(values.get("busy_hour_erlangs"), 2)},
            "when": busy_at,
        },
        {
            "key": "licences",
            "label": _("Lizenzen für 1 % Abweisung"),
            "value": values.get("licences_for_1pct_blocking"),
            "decimals": 0,
            "note": _("nach Erlang B, für die Hauptverkehrsstunde"),
        },
        {
            "key": "sessions",
            "label": _("Sitzungen"),
            "value": values.get("sessions"),
            "decimals": 0,
            "note": _("mit Beginn im Zeitraum"),
        },
        {
            "key": "persons",
            "label": _("Personen"),
            "value": values.get("users_distinct"),
            "decimals": 0,
            "note": _("verschiedene; Namen ohne Person zählen einzeln")
            if values.get("users_distinct") is not None
            else _("nach dem Löschen der Rohdaten nicht mehr bestimmbar"),
        },
    ]


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require(selectors.sees_usage_figures(request.user))
    form = GatewayPeriodForm(request.GET)
    context: dict = {
        "form": form,
        "quick": _quick_links(request, ("gateway",)),
        "min_group": min_group_size(),
        "work_hours": work_hours_text(),
    }
    if form.is_valid():
        first, last = form.period()
        gateway = form.cleaned_data.get("gateway")
        context.update(first=first, last=last, gateway=gateway)
        context["form"] = GatewayPeriodForm(
            initial={"von": first, "bis": last, "gateway": gateway.pk if gateway else ""}
        )
        # The figures are the same for everyone who may see them: kept as rendered, renewed
        # by the next VPN import (audited) or after FIGURES_MAX_AGE (docs/performance.md).
        context["results"] = kept_html(
            "vpn-overview",
            f"{gateway.pk if gateway else 'all'}:{first}:{last}",
            "usage/overview.html#results",
            lambda: _overview_results(context),
        )
    return render(request, "usage/overview.html", context)


def _overview_results(context: dict) -> dict:
    """The context of the overview's figures for the period and gateway in `context`."""
    result = selectors.gateway_figures(context["first"], context["last"], context["gateway"])
    context = {**context, "result": result}
    if not result["empty"] and not result["suppressed"]:
        values = result["figures"]
        series, heat = result["series"], result["heatmap"]
        context["cards"] = _cards(values)
        context["coverage"] = {
            key: _local(value) for key, value in values.get("coverage", {}).items()
        }
        context["concurrency_chart"] = charts.concurrency_chart(
            [charts.Step(b.start, b.end, b.peak, b.mean) for b in series.buckets],
            capacity=series.capacity,
            hourly=series.hourly,
            ident="usage-concurrency",
        )
        context["heatmap_chart"] = charts.heatmap_chart(heat.means, ident="usage-heatmap")
    return context


# --------------------------------------------------------------------------- units


@require_GET
def units(request: HttpRequest) -> HttpResponse:
    _require(selectors.sees_usage_figures(request.user))
    form = PeriodForm(request.GET)
    code = request.GET.get("einheit", "").strip()
    context: dict = {
        "form": form,
        "code": code,
        "quick": _quick_links(request, ("einheit",)),
        "min_group": min_group_size(),
        "work_hours": work_hours_text(),
    }
    if form.is_valid():
        first, last = form.period()
        context.update(first=first, last=last)
        context["form"] = PeriodForm(initial={"von": first, "bis": last})
        context["period_query"] = f"von={first.isoformat()}&bis={last.isoformat()}"
        # The same for everyone who may see it: kept as rendered, like the overview; a unit
        # that does not exist is a 404 and keeps nothing.
        context["results"] = kept_html(
            "vpn-units",
            # The code as typed, hashed: the key stays short and of safe characters.
            f"{hashlib.sha256(code.encode()).hexdigest()[:16]}:{first}:{last}",
            "usage/units.html#results",
            lambda: _units_results(context),
        )
    return render(request, "usage/units.html", context)


def _units_results(context: dict) -> dict:
    """The context of the listing of the unit and period in `context` (404 for no unit)."""
    listing = selectors.unit_listing(context["code"] or None, context["first"], context["last"])
    if listing is None:
        raise Http404(_("Diese Organisationseinheit gibt es nicht."))
    labels = {
        "small": _("weniger als %(n)s Personen – ausgeblendet") % {"n": min_group_size()},
        "complement": _("ausgeblendet, damit sich eine kleinere Gruppe nicht errechnen lässt"),
    }
    for r in [*listing.rows, listing.parent]:
        if r is not None:
            r.hidden_label = labels.get(r.reason, "")
    chart = charts.bar_chart(
        [
            charts.Bar(
                label=f"{r.code} {r.name}",
                value=None if r.suppressed else (r.mean or 0.0),
                note=r.hidden_label,
                decimals=1,
            )
            for r in listing.rows
        ],
        title=_("Mittlere gleichzeitige VPN-Sitzungen in der Arbeitszeit je Einheit"),
        desc=_(
            "Ein Balken je Einheit mit ihren Untereinheiten; ausgeblendete Einheiten "
            "(weniger als %(n)s Personen) sind ohne Balken. Die Zahlen stehen auch in der "
            "Tabelle."
        )
        % {"n": min_group_size()},
        ident="usage-units",
        axis_label=_("Sitzungen gleichzeitig im Mittel (Arbeitszeit)"),
        caption=_(
            "Zeitgewichtetes Mittel der gleichzeitig offenen Sitzungen, %(work_hours)s (Ortszeit)."
        )
        % {"work_hours": context["work_hours"]},
    )
    return {**context, "listing": listing, "chart": chart}


# --------------------------------------------------------------------------- unmapped names


def _unmapped_page(request: HttpRequest, form: AliasForm, status: int = 200) -> HttpResponse:
    causes = selectors.unmapped_causes()
    page = Paginator(selectors.unmapped_accounts(), PAGE_SIZE).get_page(request.GET.get("page"))
    imports = selectors.recent_imports()
    for item in imports:
        item.first_problems = (item.problem_lines or [])[:5]
    context = {
        "form": form,
        "causes": causes,
        "page": page,
        "query": query_without(request, "page"),
        "imports": imports,
        "accounts_chart": charts.bar_chart(
            [charts.Bar(c.label, c.accounts, decimals=0) for c in causes],
            title=_("Namen ohne Person je Ursache"),
            desc=_("Anzahl der Namen aus den Protokollen, die keiner Person zugeordnet sind."),
            ident="usage-causes-accounts",
            axis_label=_("Namen"),
            label_header=_("Ursache"),
            width=560,
        ),
        "sessions_chart": charts.bar_chart(
            [charts.Bar(c.label, c.sessions, decimals=0) for c in causes],
            title=_("Sitzungen ohne Person je Ursache"),
            desc=_("Anzahl der gespeicherten Sitzungen unter diesen Namen."),
            ident="usage-causes-sessions",
            axis_label=_("Sitzungen"),
            label_header=_("Ursache"),
            width=560,
        ),
    }
    return render(request, "usage/unmapped.html", context, status=status)


@require_http_methods(["GET", "POST"])
def unmapped(request: HttpRequest) -> HttpResponse:
    """Names that map to nobody; the form maps one to a person (IT only)."""
    _require(selectors.sees_unmapped_names(request.user))
    if request.method == "GET":
        form = AliasForm(initial={"name": request.GET.get("name", "")[:200]})
        return _unmapped_page(request, form)
    form = AliasForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        employee = Employee.objects.filter(
            personnel_number=data["personnel_number"].strip(), is_active=True
        ).first()
        if employee is None:
            form.add_error(
                "personnel_number", _("Unter dieser Personalnummer ist niemand beschäftigt.")
            )
        else:
            try:
                result = services.alias_add(
                    name=data["name"], employee=employee, user=request.user, note=data["note"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                text = _("„%(name)s“ gehört jetzt zu %(person)s.") % {
                    "name": result.alias.name,
                    "person": employee.full_name,
                }
                if result.first_day:
                    text += " " + _("Die Tageswerte vom %(a)s bis %(b)s sind neu berechnet.") % {
                        "a": result.first_day.strftime("%d.%m.%Y"),
                        "b": result.last_day.strftime("%d.%m.%Y"),
                    }
                messages.success(request, text)
                return redirect("usage:unmapped")
    return _unmapped_page(request, form)


# --------------------------------------------------------------------------- own sessions


def duration_text(seconds: int) -> str:
    hours, rest = divmod(max(int(seconds), 0), 3600)
    return _("%(h)s Std. %(m)s Min.") % {"h": hours, "m": f"{rest // 60:02d}"}


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    has_record = bool(scope_for(request.user).employee_id)
    page = Paginator(selectors.own_sessions(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sessions = selectors.with_durations(page.object_list)
    for s in sessions:
        s.duration_text = duration_text(s.duration)
    return render(
        request,
        "usage/mine.html",
        {
            "has_record": has_record,
            "page": page,
            "sessions": sessions,
            "query": query_without(request, "page"),
            "retention_days": settings.USAGE_RAW_RETENTION_DAYS,
            "min_group": min_group_size(),
        },
    )
