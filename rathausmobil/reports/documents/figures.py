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

from rathausmobil.core.dates import german_date
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


# --------------------------------------------------------------------------- verdicts


def rollout_verdict(figures: dict[str, Any], *, on: dt.date) -> str | None:
    """ "Verzug: Ziel 31.12.2022, voraussichtlich 15.03.2027" / "im Plan: …" /
    "abgeschlossen"; None without a target."""
    target = as_date(figures.get("rollout_target_date"))
    projected = as_date(figures.get("rollout_projected_date"))
    progress = number_or_none(figures.get("rollout_progress_share"))
    if target is None:
        return None
    if progress is not None and progress >= 1:
        return gettext("Abgeschlossen: alle Arbeitsplätze sind mobil (Ziel %(target)s).") % {
            "target": german_date(target)
        }
    if projected is None:
        if on > target:
            return gettext(
                "Verzug: Ziel %(target)s, ein Abschlussdatum lässt sich nicht schätzen."
            ) % {"target": german_date(target)}
        return gettext(
            "Offen: Ziel %(target)s, beim bisherigen Tempo lässt sich kein Abschlussdatum schätzen."
        ) % {"target": german_date(target)}
    values = {"target": german_date(target), "projected": german_date(projected)}
    if projected > target or on > target:
        return gettext("Verzug: Ziel %(target)s, voraussichtlich %(projected)s.") % values
    return gettext("Im Plan: Ziel %(target)s, voraussichtlich %(projected)s.") % values


def vpn_headroom(figures: dict[str, Any]) -> tuple[int | None, float | None]:
    """Capacity minus the highest concurrent use, and the peak's share of the capacity."""
    capacity = number_or_none(figures.get("vpn_capacity"))
    peak = number_or_none(figures.get("vpn_concurrent_peak"))
    if capacity is None or peak is None or not capacity:
        return None, None
    return int(capacity - peak), round(peak / capacity, 3)


def vpn_verdict(figures: dict[str, Any]) -> str | None:
    headroom, load = vpn_headroom(figures)
    if headroom is None:
        return None
    values = {"headroom": format_number(abs(headroom)), "load": format_number(load * 100, 0)}
    if headroom < 0:
        return (
            gettext(
                "Engpass: Die höchste gleichzeitige Nutzung lag %(headroom)s über der Kapazität "
                "(%(load)s %% ausgelastet)."
            )
            % values
        )
    return (
        gettext(
            "Reserve: %(headroom)s Verbindungen über der höchsten gleichzeitigen Nutzung "
            "(%(load)s %% der Kapazität ausgelastet)."
        )
        % values
    )


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

DEFINITIONS: dict[str, str] = {
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
        "Summe der Kapazitäten (gleichzeitige Verbindungen, Lizenzen) aller VPN-Gateways."
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
    "terminal_server_capacity": _("Summe der Sitzungen, die die Terminalserver-Farmen zulassen."),
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
    "org_units_total": _("Organisationseinheiten im Organigramm."),
}

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
    from rathausmobil.reports.kpis import LABELS

    found = [Definition(str(term), str(text)) for term, text in GENERAL] if general else []
    found += [
        Definition(str(LABELS.get(key, key)), str(DEFINITIONS[key]))
        for key in keys
        if key in DEFINITIONS
    ]
    return found
