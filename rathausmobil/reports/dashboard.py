"""The dashboard's content: the figures grouped by theme, each with its trend over twelve
months, a verdict where there is a target, and a link to what lies behind it that the
reader may open. Built from the figures as kept (`kept_kpis`, the providers applied the
rule of 5 for the reader) and the kept month ends (`snapshots.monthly_trend`); the view
only parses the form and renders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core import charts
from rathausmobil.core.dates import german_date
from rathausmobil.core.figures import NotRebuilt
from rathausmobil.core.numbers import format_number
from rathausmobil.organisation import scoping
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.reports.kpis import DEFINITIONS, LABELS, value_labels
from rathausmobil.reports.verdicts import Verdict, rollout_verdict, vpn_verdict

THEMES: list[tuple[str, Any, list[str]]] = [
    (
        "staff",
        gettext_lazy("Beschäftigte und Vereinbarungen"),
        [
            "staff_total",
            "positions_eligible_share",
            "positions_assessed_share",
            "agreements_active_by_kind",
            "requests_open",
            "requests_overdue",
            "refusal_rate",
            "refusals_by_reason",
            "pledges_missing",
            "org_units_total",
        ],
    ),
    (
        "devices",
        gettext_lazy("Geräte und Umstellung"),
        [
            "devices_mobile_in_use",
            "devices_on_order",
            "rollout_progress_share",
            "rollout_target_date",
            "rollout_projected_date",
        ],
    ),
    (
        "access",
        gettext_lazy("Zugänge und VPN-Nutzung"),
        [
            "staff_with_vpn_access",
            "vpn_concurrent_avg_workdays",
            "vpn_concurrent_peak",
            "vpn_capacity",
            "terminal_server_grants",
            "terminal_server_capacity",
        ],
    ),
    (
        "presence",
        gettext_lazy("Anwesenheit"),
        [
            "presence_coverage_met_share",
            "presence_coverage_by_unit",
            "presence_office_share",
            "presence_peak_occupancy_share",
        ],
    ),
]

SHARES = {
    "positions_eligible_share",
    "positions_assessed_share",
    "refusal_rate",
    "rollout_progress_share",
    "presence_coverage_met_share",
    "presence_office_share",
    "presence_peak_occupancy_share",
}
DATES = {"rollout_target_date", "rollout_projected_date"}
DECIMAL = {"vpn_concurrent_avg_workdays"}
# A refusal can carry several codes: the sum of its breakdown is no count of refusals. (A
# breakdown with a suppressed part has no total either.)
NOT_SUMMED = {"refusals_by_reason"}
# Who may follow a figure to its list (the predicates the menu and the pages use), and
# the list's address with its filter. The first the reader may open is the link.
LINKS: dict[str, list[tuple[Any, str, dict[str, str]]]] = {
    "staff_total": [(scoping.staff_list, "organisation:employee_list", {})],
    "positions_eligible_share": [(scoping.supervisor_or_hr, "eligibility:overview", {})],
    "positions_assessed_share": [(scoping.supervisor_or_hr, "eligibility:overview", {})],
    "agreements_active_by_kind": [
        (scoping.supervisor_or_hr, "agreements:overview", {"was": "vereinbarungen"})
    ],
    "requests_open": [
        (scoping.supervisor_or_hr, "agreements:overview", {"status": "submitted"}),
        (scoping.aggregates, "reports:overdue", {}),
    ],
    "requests_overdue": [
        (
            scoping.supervisor_or_hr,
            "agreements:overview",
            {"status": "submitted", "ueberfaellig": "true"},
        ),
        (scoping.aggregates, "reports:overdue", {}),
    ],
    "refusal_rate": [(scoping.staff_council, "agreements:refusals", {})],
    "refusals_by_reason": [(scoping.staff_council, "agreements:refusals", {})],
    "devices_mobile_in_use": [(scoping.it_or_hr, "equipment:device_list", {})],
    "devices_on_order": [(scoping.it_work, "equipment:order_list", {})],
    "rollout_progress_share": [(scoping.aggregates, "equipment:rollout", {})],
    "rollout_projected_date": [(scoping.aggregates, "equipment:rollout", {})],
    "staff_with_vpn_access": [(scoping.it_or_hr, "access:overview", {})],
    "terminal_server_grants": [(scoping.it_or_hr, "access:overview", {})],
    "vpn_capacity": [(scoping.it_work, "access:capacity", {})],
    "terminal_server_capacity": [(scoping.it_work, "access:capacity", {})],
    "vpn_concurrent_avg_workdays": [(scoping.aggregates, "usage:overview", {})],
    "vpn_concurrent_peak": [(scoping.aggregates, "usage:overview", {})],
    "presence_coverage_met_share": [(scoping.occupancy, "presence:occupancy", {})],
    "presence_coverage_by_unit": [(scoping.occupancy, "presence:occupancy", {})],
    "presence_office_share": [(scoping.occupancy, "presence:occupancy", {})],
    "presence_peak_occupancy_share": [(scoping.occupancy, "presence:occupancy", {})],
}


@dataclass
class Tile:
    key: str
    label: str
    definition: str
    value: str | None = None  # as shown: "1.100", "91,7 %", "31.12.2022", "< 5"
    note: str = ""  # why there is no number: "nicht rekonstruierbar: …"
    breakdown: list[tuple[str, str]] = field(default_factory=list)
    trend: charts.Chart | None = None
    verdict: str = ""
    verdict_kind: str = ""  # "late", "ok", "tight": the verdict's colour
    link: str = ""
    link_label: str = ""


@dataclass
class Theme:
    key: str
    title: str
    tiles: list[Tile]


def _shown(key: str, value: Any) -> tuple[str | None, str]:
    """(the value as shown, a note instead of a value)."""
    if isinstance(value, NotRebuilt):
        return None, str(value)
    if value is None:
        return None, _("keine Zahl (noch keine Daten)")
    if isinstance(value, str) and key not in DATES:
        return value, ""  # "< 5": the rule of 5
    if key in DATES:
        return german_date(dt.date.fromisoformat(value)), ""
    if key in SHARES:
        return f"{format_number(value * 100, 1)} %", ""
    if key in DECIMAL:
        return format_number(value, 1), ""
    return format_number(value), ""


def _part(value: Any) -> str:
    """One part of a breakdown: a count, a share (coverage per unit) or "< 5"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float):
        return f"{format_number(value * 100, 1)} %"
    return format_number(value)


def _trend_points(key: str, points: list[tuple[dt.date, Any]]) -> list[tuple[dt.date, Any]]:
    def number(value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value * 100 if key in SHARES else value

    return [(day, number(value)) for day, value in points]


def _verdicts(figures: dict[str, Any], on: dt.date) -> dict[str, Verdict]:
    """The verdicts of the figures that have a target (reports/verdicts.py)."""
    found = {
        "rollout_progress_share": rollout_verdict(figures, on=on),
        "vpn_capacity": vpn_verdict(figures),
    }
    return {key: verdict for key, verdict in found.items() if verdict is not None}


def _link(scope, key: str) -> tuple[str, str]:
    if scope is None:  # no reader: no way on
        return "", ""
    for shows, url_name, query in LINKS.get(key, []):
        if shows(scope):
            url = reverse(url_name) + (f"?{urlencode(query)}" if query else "")
            label = {
                "reports:overdue": _("je Einheit ansehen"),
            }.get(url_name, _("Liste ansehen"))
            return url, label
    return "", ""


def dashboard_themes(
    *,
    scope,
    figures: dict[str, Any],
    trends: dict[str, list[tuple[dt.date, Any]]] | None,
    on: dt.date,
) -> list[Theme]:
    """The themes with their tiles, for a reader's `scope`: `figures` as kept for them as
    of `on`, `trends` the month ends (None: no trend for this unit)."""
    verdicts = _verdicts(figures, on)
    themes = []
    for theme_key, title, keys in THEMES:
        tiles = []
        for key in keys:
            if key not in figures:
                continue
            value = figures[key]
            tile = Tile(key=key, label=LABELS.get(key, key), definition=DEFINITIONS.get(key, ""))
            if isinstance(value, dict):
                labels = value_labels(key)
                tile.breakdown = [(labels.get(k, k), _part(v)) for k, v in value.items()]
                counts = list(value.values())
                if key not in NOT_SUMMED and counts and all(isinstance(n, int) for n in counts):
                    tile.value = format_number(sum(counts))
                elif not counts:
                    tile.note = _("keine Zahl (noch keine Daten)")
            else:
                tile.value, tile.note = _shown(key, value)
            if trends and key in trends and key not in DATES and not isinstance(value, dict):
                points = _trend_points(key, trends[key])
                if sum(1 for _d, v in points if v is not None) >= 2:
                    tile.trend = charts.sparkline(
                        points,
                        title=_("Verlauf: %(label)s") % {"label": tile.label},
                        ident=f"trend-{key}",
                        decimals=1 if key in SHARES | DECIMAL else 0,
                        suffix=" %" if key in SHARES else "",
                    )
            if key in verdicts:
                tile.verdict, tile.verdict_kind = verdicts[key].text, verdicts[key].kind
            tile.link, tile.link_label = _link(scope, key)
            tiles.append(tile)
        themes.append(Theme(theme_key, str(title), tiles))
    return themes


def unit_choices_allowed(scope) -> bool:
    """Who may narrow the dashboard to a unit: everyone who reads it (the figures of a unit
    are aggregates, with the rule of 5 applied by the providers)."""
    return scope.sees_aggregates


def unit_for_dashboard(code: str) -> OrgUnit | None:
    """A unit by its code (the dashboard's unit filter: its figures include every unit
    below it), or None."""
    return (
        OrgUnit.objects.filter(code=code.strip()).only("pk", "code", "name", "path", "kind").first()
    )
