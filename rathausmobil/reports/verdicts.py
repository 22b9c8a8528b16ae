"""Verdicts where a figure has a target: the rollout against its target date, the VPN
against its licences. One home for the dashboard's tiles and the reports' paragraphs:
each verdict is its German sentence and its kind (late, tight, ok) for the colour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from rathausmobil.core.dates import german_date
from rathausmobil.core.numbers import format_number
from rathausmobil.reports.documents.figures import as_date, number_or_none

LATE, TIGHT, OK = "late", "tight", "ok"


@dataclass(frozen=True)
class Verdict:
    text: str
    kind: str  # LATE, TIGHT or OK

    def __str__(self) -> str:
        return self.text


def rollout_verdict(figures: dict[str, Any], *, on: dt.date) -> Verdict | None:
    """ "Verzug: Ziel 31.12.2022, voraussichtlich 15.03.2027" / "Im Plan: …" /
    "Abgeschlossen: …"; None without a target."""
    target = as_date(figures.get("rollout_target_date"))
    projected = as_date(figures.get("rollout_projected_date"))
    progress = number_or_none(figures.get("rollout_progress_share"))
    if target is None:
        return None
    if progress is not None and progress >= 1:
        text = gettext("Abgeschlossen: alle Arbeitsplätze sind mobil (Ziel %(target)s).")
        return Verdict(text % {"target": german_date(target)}, OK)
    if projected is None:
        if on > target:
            text = gettext("Verzug: Ziel %(target)s, ein Abschlussdatum lässt sich nicht schätzen.")
            return Verdict(text % {"target": german_date(target)}, LATE)
        text = gettext(
            "Offen: Ziel %(target)s, beim bisherigen Tempo lässt sich kein Abschlussdatum schätzen."
        )
        return Verdict(text % {"target": german_date(target)}, TIGHT)
    values = {"target": german_date(target), "projected": german_date(projected)}
    if projected > target or on > target:
        return Verdict(
            gettext("Verzug: Ziel %(target)s, voraussichtlich %(projected)s.") % values, LATE
        )
    return Verdict(gettext("Im Plan: Ziel %(target)s, voraussichtlich %(projected)s.") % values, OK)


def vpn_headroom(figures: dict[str, Any]) -> tuple[int | None, float | None]:
    """Capacity minus the highest concurrent use, and the peak's share of the capacity."""
    capacity = number_or_none(figures.get("vpn_capacity"))
    peak = number_or_none(figures.get("vpn_concurrent_peak"))
    if capacity is None or peak is None or not capacity:
        return None, None
    return int(capacity - peak), round(peak / capacity, 3)


def vpn_verdict(figures: dict[str, Any]) -> Verdict | None:
    """The headroom of the VPN licences over the highest concurrent use: "Engpass" above
    the capacity, tight under 10 % headroom."""
    headroom, load = vpn_headroom(figures)
    if headroom is None:
        return None
    values = {"headroom": format_number(abs(headroom)), "load": format_number(load * 100, 0)}
    if headroom < 0:
        return Verdict(
            gettext(
                "Engpass: Die höchste gleichzeitige Nutzung lag %(headroom)s über der Kapazität "
                "(%(load)s %% ausgelastet)."
            )
            % values,
            LATE,
        )
    return Verdict(
        gettext(
            "Reserve: %(headroom)s Verbindungen über der höchsten gleichzeitigen Nutzung "
            "(%(load)s %% der Kapazität ausgelastet)."
        )
        % values,
        TIGHT if load > 0.9 else OK,
    )
