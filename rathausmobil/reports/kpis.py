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
    "staff_total": "Beschäftigte (aktiv)",
    "org_units_total": "Organisationseinheiten",
    "positions_eligible_share": "Stellen geeignet oder teilweise geeignet",
    "positions_assessed_share": "Stellen bewertet",
    "agreements_active_by_kind": "Aktive Vereinbarungen nach Art",
    "requests_open": "Offene Anträge",
    "requests_overdue": "Überfällige Anträge",
    "refusals_by_reason": "Ablehnungen nach Grund",
    "refusal_rate": "Ablehnungsquote",
    "pledges_missing": "Fehlende Datenschutzerklärungen",
    "staff_with_vpn_access": "Beschäftigte mit VPN-Zugang",
    "vpn_capacity": "VPN-Kapazität (Lizenzen)",
    "devices_mobile_in_use": "Mobile Geräte im Einsatz",
    "devices_on_order": "Geräte bestellt, nicht geliefert",
    "rollout_target_date": "Zieldatum Umstellung",
    "rollout_progress_share": "Umstellung auf mobile Arbeitsplätze",
    "rollout_projected_date": "Voraussichtlich fertig",
    "terminal_server_grants": "Terminalserver-Zugänge",
    "terminal_server_capacity": "Terminalserver-Kapazität (Sitzungen)",
    "vpn_concurrent_avg_workdays": "VPN gleichzeitig im Mittel (Mo–Fr, Arbeitszeit, 28 Tage)",
    "vpn_concurrent_peak": "VPN gleichzeitig höchstens (28 Tage)",
    "presence_coverage_met_share": "Besetzungsregeln erfüllt (veröffentlichte Pläne dieser Woche)",
    "presence_coverage_by_unit": "Besetzungsregeln erfüllt je Einheit (ab 5 Personen im Plan)",
    "presence_office_share": "Geplante Arbeitstage im Büro (diese Woche)",
    "presence_peak_occupancy_share": "Höchste Belegung eines Gebäudes an einem Tag (gegen Arbeitsplätze)",
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
