"""The headline figures a mayor reports, computed from the data, never typed in.

Pages and `kpis --json` read them kept (`kept_kpis`, `core.figures.kept`): computed once
per scope and generation of the records, not on every page view (docs/performance.md).

Each capability contributes a provider, `kpis(*, viewer=None) -> dict` in its selectors;
this module only collects them. Order of keys is the order of providers. A provider applies
the rule of 5 itself (`core.figures`) before a figure leaves it: `viewer` is the person
who reads the figures (the dashboard), None for published figures (`kpis --json`), which
are always suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.access import selectors as access
from rathausmobil.agreements import selectors as agreements
from rathausmobil.core.figures import Kept, kept
from rathausmobil.eligibility import selectors as eligibility
from rathausmobil.equipment import selectors as equipment
from rathausmobil.organisation import selectors as organisation
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence import selectors_figures as presence
from rathausmobil.usage import figures as usage

PROVIDERS: list[Callable[..., dict[str, Any]]] = [
    organisation.kpis,
    eligibility.kpis,
    agreements.kpis,
    equipment.kpis,
    access.kpis,
    presence.kpis,
    usage.kpis,
]

LABELS = {
    "staff_total": _("Beschäftigte (aktiv)"),
    "org_units_total": _("Organisationseinheiten"),
    "positions_eligible_share": _("Stellen geeignet oder teilweise geeignet"),
    "positions_assessed_share": _("Stellen bewertet"),
    "agreements_active_by_kind": _("Aktive Vereinbarungen nach Art"),
    "requests_open": _("Offene Anträge"),
    "requests_overdue": _("Überfällige Anträge"),
    "refusals_by_reason": _("Ablehnungen nach Grund"),
    "refusal_rate": _("Ablehnungsquote"),
    "pledges_missing": _("Fehlende Datenschutzerklärungen"),
    "staff_with_vpn_access": _("Beschäftigte mit VPN-Zugang"),
    "vpn_capacity": _("VPN-Kapazität (Lizenzen)"),
    "devices_mobile_in_use": _("Mobile Geräte im Einsatz"),
    "devices_on_order": _("Geräte bestellt, nicht geliefert"),
    "rollout_target_date": _("Zieldatum Umstellung"),
    "rollout_progress_share": _("Umstellung auf mobile Arbeitsplätze"),
    "rollout_projected_date": _("Voraussichtlich fertig"),
    "terminal_server_grants": _("Terminalserver-Zugänge"),
    "terminal_server_capacity": _("Terminalserver-Kapazität (Sitzungen)"),
    "vpn_concurrent_avg_workdays": _("VPN gleichzeitig im Mittel (Mo–Fr, Arbeitszeit, 28 Tage)"),
    "vpn_concurrent_peak": _("VPN gleichzeitig höchstens (28 Tage)"),
    "presence_coverage_met_share": _(
        "Besetzungsregeln erfüllt (veröffentlichte Pläne dieser Woche)"
    ),
    "presence_coverage_by_unit": _("Besetzungsregeln erfüllt je Einheit (ab 5 Personen im Plan)"),
    "presence_office_share": _("Geplante Arbeitstage im Büro (diese Woche)"),
    "presence_peak_occupancy_share": _(
        "Höchste Belegung eines Gebäudes an einem Tag (gegen Arbeitsplätze)"
    ),
}


# How each figure is computed, in words: under each tile of the dashboard and in the
# reports' appendix of definitions. Kept next to the labels so that a new figure gets both.
DEFINITIONS = {
    "staff_total": _(
        "Beschäftigte, die am Stichtag beschäftigt waren (Eintritt bis zum Stichtag, kein "
        "Austritt davor), nach den Daten der Personalverwaltung."
    ),
    "positions_eligible_share": _(
        "Anteil der bewerteten Stellen, deren Eignungsbewertung „geeignet“ oder „teilweise "
        "geeignet“ lautet, an allen bewerteten Stellen."
    ),
    "positions_assessed_share": _("Anteil der Stellen mit einer Eignungsbewertung."),
    "agreements_active_by_kind": _(
        "Vereinbarungen über mobiles Arbeiten, die am Stichtag in Kraft waren (aktiv oder "
        "in Beendigung, Beginn bis zum Stichtag), nach Art; die Summe ist die Zahl der "
        "Vereinbarungen."
    ),
    "requests_open": _("Anträge, die am Stichtag eingereicht und noch nicht entschieden waren."),
    "requests_overdue": _(
        "Offene Anträge, deren Entscheidungsfrist (Standard 4 Wochen) am Stichtag verstrichen war."
    ),
    "refusals_by_reason": _(
        "Abgelehnte Anträge nach Ablehnungsgrund (R1 bis R8). Eine Ablehnung kann mehrere "
        "Gründe tragen; die Summe ist daher keine Zahl von Ablehnungen. Gruppen unter 5 "
        "Personen werden als „< 5“ ausgewiesen."
    ),
    "refusal_rate": _("Abgelehnte Anträge geteilt durch alle entschiedenen Anträge."),
    "pledges_missing": _(
        "Beschäftigte mit einer offenen Vereinbarung, aber ohne gültige "
        "Datenschutzerklärung zur aktuellen Fassung der Checkliste."
    ),
    "staff_with_vpn_access": _("Beschäftigte mit einem am Stichtag aktiven VPN-Zugang."),
    "vpn_capacity": _(
        "Summe der Kapazitäten (gleichzeitige Verbindungen, Lizenzen) aller VPN-Gateways; "
        "für einen vergangenen Stichtag nicht rekonstruierbar, weil Kapazitäten keine "
        "Historie führen."
    ),
    "devices_mobile_in_use": _(
        "Mobile Geräte (Notebooks, Tablets), die am Stichtag Beschäftigten übergeben und "
        "nicht zurückgegeben waren."
    ),
    "devices_on_order": _(
        "Bestellte Geräte, die bis zum Stichtag weder geliefert noch storniert waren."
    ),
    "rollout_target_date": _(
        "Zieltermin der Kampagne, bis zu dem alle stationären Arbeitsplatzrechner ersetzt sein sollen."
    ),
    "rollout_progress_share": _(
        "Mobile Arbeitsplatzgeräte im Einsatz geteilt durch alle Arbeitsplatzgeräte im "
        "Einsatz (mobile und stationäre)."
    ),
    "rollout_projected_date": _(
        "Fortschreibung: die verbleibenden stationären Geräte geteilt durch das Tempo der "
        "Ausgaben der letzten Wochen. „Verzug“ heißt: voraussichtlich nach dem Zieltermin "
        "oder der Zieltermin ist verstrichen; „im Plan“: voraussichtlich bis zum Zieltermin."
    ),
    "terminal_server_grants": _("Aktive Zugänge zu den Terminalservern."),
    "terminal_server_capacity": _(
        "Summe der Sitzungen, die die Terminalserver-Farmen zulassen (wie die VPN-Kapazität "
        "nur für heute)."
    ),
    "vpn_concurrent_avg_workdays": _(
        "Mittlere Zahl gleichzeitig verbundener Personen montags bis freitags in der "
        "Arbeitszeit über die 28 Tage bis zum Stichtag, aus den Protokollen der Gateways. "
        "Hatte kein Tag 5 Nutzende, wird die Zahl unterdrückt."
    ),
    "vpn_concurrent_peak": _(
        "Höchste Zahl gleichzeitig verbundener Personen in den 28 Tagen bis zum Stichtag. "
        "Reserve = Kapazität minus diese Spitze."
    ),
    "presence_coverage_met_share": _(
        "Anteil der geprüften Besetzungsregeln (z. B. Bürgerbüro: mindestens 4 vor Ort), die "
        "in den veröffentlichten Wochenplänen der Woche des Stichtags erfüllt sind."
    ),
    "presence_coverage_by_unit": _(
        "Dasselbe je Einheit; Einheiten mit weniger als 5 Personen im Plan werden als „< 5“ "
        "ausgewiesen."
    ),
    "presence_office_share": _(
        "Geplante Bürotage geteilt durch geplante Büro- und Heimarbeitstage der Woche des "
        "Stichtags."
    ),
    "presence_peak_occupancy_share": _(
        "Höchste Belegung eines Gebäudes an einem Tag der Woche, geteilt durch seine Arbeitsplätze."
    ),
    "org_units_total": _(
        "Organisationseinheiten im Organigramm; für einen vergangenen Stichtag nicht "
        "rekonstruierbar, weil das Organigramm keine Historie führt."
    ),
}


def compute_kpis(*, viewer=None, on: dt.date | None = None, unit=None) -> dict[str, Any]:
    """Every provider's figures for `viewer`, as of the end of `on` (default: today), of
    `unit` and every unit below it (default: the whole administration). A figure a
    provider cannot rebuild for that day is a `core.figures.NotRebuilt`; one that has no
    meaning for a unit (orders, capacities, a building's occupancy) is None."""
    figures: dict[str, Any] = {}
    for provider in PROVIDERS:
        figures.update(provider(viewer=viewer, on=on, unit=unit))
    return figures


def figure_scope(viewer=None) -> str:
    """What of the viewer the providers look at, as a key: figures are kept per scope.

    Today the providers consult only the viewer's roles (HR reads refusals by reason
    exact); a provider that starts to depend on more (the units a head sees) adds it here.
    """
    if viewer is None:
        return "published"
    scope = scope_for(viewer)
    roles = ",".join(sorted(scope.roles))
    return f"roles:{roles}{':superuser' if scope.is_superuser else ''}"


def kept_kpis(*, viewer=None, on: dt.date | None = None, unit=None) -> Kept[dict[str, Any]]:
    """The figures for `viewer` (None: published), as kept, with the time they were
    computed; `on` a past day: as of that day; `unit`: of that unit and below (each kept
    under its day and unit as well)."""
    if on is not None and on >= timezone.localdate():
        on = None  # today's figures: one key for "today" and "as of today"
    scope = figure_scope(viewer)
    scope += f":on:{on.isoformat()}" if on else ""
    scope += f":unit:{unit.pk}" if unit is not None else ""
    return kept("kpis", scope, lambda: compute_kpis(viewer=viewer, on=on, unit=unit))


def value_labels(key: str) -> dict[str, str]:
    """Readable names for the keys of a breakdown figure."""
    from rathausmobil.agreements.models import ReasonCode, WorkKind

    return {
        "agreements_active_by_kind": {k: str(v) for k, v in WorkKind.choices},
        "refusals_by_reason": {k: str(v) for k, v in ReasonCode.choices},
    }.get(key, {})
