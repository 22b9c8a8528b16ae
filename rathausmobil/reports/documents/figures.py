"""Reading the headline figures for a report: values that are numbers, the verdicts, the
press office's rounding and the definitions of the appendix.

A figure from `reports.kpis` is a number, a share (0..1), an ISO date, a breakdown
(dict), None (no figure, e.g. devices on order for one unit), a suppressed "< 5" or a
`core.figures.NotRebuilt`. A report never prints "None": `number_or_none` gives the number
or None, `shown` gives what stands in a table cell.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.figures import NotRebuilt
from rathausmobil.core.numbers import format_number
from rathausmobil.reports.documents.base import Definition


def number_or_none(value: Any) -> int | float | None:
    """The figure if it is a number, else None (suppressed, not rebuilt, no figure)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def shown(value: Any) -> Any:
    """A figure as a table cell: the number, the date, or the text standing for it."""
    if isinstance(value, NotRebuilt):
        return str(value)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # "< 5"
    if isinstance(value, dict):
        return breakdown_total(value)
    return value


def breakdown_total(value: Any) -> int | None:
    """The sum of a breakdown whose parts are all numbers (a part suppressed: no total,
    as on the dashboard, so that the hidden part cannot be computed back)."""
    if not isinstance(value, dict):
        return None
    parts = list(value.values())
    if all(isinstance(n, int) and not isinstance(n, bool) for n in parts):
        return sum(parts)
    return None


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- rounding

ROUNDING_RULE = _(
    "Pressetext: Zahlen unter 100 stehen genau. Ab 100 wird auf zwei geltende Ziffern "
    "gerundet (347 → 350, 1.163 → 1.200, 12.480 → 12.000), kaufmännisch (5 aufwärts); "
    "weicht die gerundete Zahl von der genauen ab, steht „rund“ davor. Anteile stehen in "
    "ganzen Prozent. Eine Zahl, die es zum Stichtag nicht gibt, die nicht rekonstruierbar "
    "ist oder die zum Schutz kleiner Gruppen unterdrückt ist, lässt ihren Satz weg."
)


def press_round(value: int | float) -> tuple[int, bool]:
    """The press office's number and whether it is rounded ("rund"): exact below 100,
    else two significant digits, half up."""
    exact = Decimal(str(value))
    if exact < 100:
        whole = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return whole, Decimal(whole) != exact
    digits = len(str(int(exact)))
    step = Decimal(10) ** (digits - 2)
    rounded = int((exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)
    return rounded, Decimal(rounded) != exact


def press_number(value: int | float) -> str:
    """ "rund 1.200", "330", "rund 350"."""
    rounded, approximate = press_round(value)
    text = format_number(rounded)
    return gettext("rund %(n)s") % {"n": text} if approximate else text


# --------------------------------------------------------------------------- definitions


GENERAL = (
    (
        _("Stichtag"),
        _(
            "Alle Zahlen gelten zum Ende des Stichtags und werden aus den Daten und ihrer "
            "Historie berechnet, nie eingetragen. Wo die Daten später beginnen, steht "
            "„nicht rekonstruierbar“."
        ),
    ),
    (
        _("Schutz kleiner Gruppen"),
        _(
            "Zahlen über das Verhalten von Menschen (Ablehnungen, VPN-Nutzung, Besetzung), "
            "die auf weniger als 5 Personen beruhen, werden als „< 5“ ausgewiesen; eine "
            "Summe mit einem solchen Teil wird nicht ausgewiesen."
        ),
    ),
    (
        _("Einheit"),
        _(
            "Die Zahlen einer Einheit umfassen sie und alle Einheiten darunter. Geräte in "
            "Bestellung und Kapazitäten gibt es nur für die ganze Verwaltung („–“)."
        ),
    ),
)


def definitions(keys, *, general: bool = True) -> list[Definition]:
    """The appendix: the general rules, then each figure's definition by its label."""
    from rathausmobil.reports.kpis import DEFINITIONS, LABELS

    found = [Definition(str(term), str(text)) for term, text in GENERAL] if general else []
    found += [
        Definition(str(LABELS.get(key, key)), str(DEFINITIONS[key]))
        for key in keys
        if key in DEFINITIONS
    ]
    return found
