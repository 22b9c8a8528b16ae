"""The headline figures a mayor reports, computed from the data, never typed in.

Each capability contributes a provider (a selector returning a dict of figures);
this module only collects them. Order of keys is the order of providers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rathausmobil.organisation import selectors as organisation

PROVIDERS: list[Callable[[], dict[str, Any]]] = [
    organisation.kpis,
]

LABELS = {
    "staff_total": "Beschäftigte (aktiv)",
    "org_units_total": "Organisationseinheiten",
}


def compute_kpis() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for provider in PROVIDERS:
        figures.update(provider())
    return figures
