"""The headline figures a mayor reports, computed from the data, never typed in.

Each capability contributes a provider (a selector returning a dict of figures);
this module only collects them. Order of keys is the order of providers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rathausmobil.agreements import selectors as agreements
from rathausmobil.eligibility import selectors as eligibility
from rathausmobil.organisation import selectors as organisation

PROVIDERS: list[Callable[[], dict[str, Any]]] = [
    organisation.kpis,
    eligibility.kpis,
    agreements.kpis,
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
}


def compute_kpis() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for provider in PROVIDERS:
        figures.update(provider())
    return figures


def value_labels(key: str) -> dict[str, str]:
    """Readable names for the keys of a breakdown figure."""
    from rathausmobil.agreements.models import ReasonCode, WorkKind

    return {
        "agreements_active_by_kind": {k: str(v) for k, v in WorkKind.choices},
        "refusals_by_reason": {k: str(v) for k, v in ReasonCode.choices},
    }.get(key, {})
