"""One build function per report kind: figures in, a `Report` out (no file format here).

Every function takes the same keywords: `viewer` (the person who makes the report, or None
for published figures: the command, always suppressed), `on` (the Stichtag) and `unit`
(an `OrgUnit`: the figures of that unit and everything below it, or None). The rule of 5
is applied by the figure providers (`reports.kpis`) for `viewer`; what a builder counts
itself (refusals per unit and year) it suppresses the same way (`core.figures`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import RequestStatus, WorkKind, WorkRequest
from rathausmobil.agreements.selectors import requests_visible_to
from rathausmobil.agreements.views_council import reason_legend
from rathausmobil.core.charts import BLUE, DASHED, GREEN, Series, line_chart, sparkline
from rathausmobil.core.dates import german_date
from rathausmobil.core.figures import hidden_label, suppress_count
from rathausmobil.core.numbers import format_number
from rathausmobil.core.privacy import COLUMNS, register_rows
from rathausmobil.core.workflow import with_status_on
from rathausmobil.organisation.models import OrgUnit, Role, UnitKind
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.reports.documents.base import (
    DATE,
    DECIMAL,
    INTEGER,
    NUMBER,
    SHARE,
    Column,
    Definition,
    Report,
    Section,
    SectionBuilder,
    Table,
)
from rathausmobil.reports.documents.figures import (
    ROUNDING_RULE,
    as_date,
    breakdown_total,
    definitions,
    number_or_none,
    press_number,
    shown,
)
from rathausmobil.reports.kpis import LABELS, kept_kpis
from rathausmobil.reports.snapshots import monthly_trend
from rathausmobil.reports.verdicts import rollout_verdict, vpn_headroom, vpn_verdict

# The headline figures of the Lagebericht, with the kind of their value.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("staff_total", INTEGER),
    ("positions_eligible_share", SHARE),
    ("agreements_active_by_kind", INTEGER),
    ("requests_open", INTEGER),
    ("requests_overdue", INTEGER),
    ("refusal_rate", SHARE),
    ("staff_with_vpn_access", INTEGER),
    ("vpn_concurrent_avg_workdays", DECIMAL),
    ("vpn_concurrent_peak", INTEGER),
    ("devices_mobile_in_use", INTEGER),
    ("devices_on_order", INTEGER),
    ("rollout_progress_share", SHARE),
    ("presence_coverage_met_share", SHARE),
)
# Those drawn as a 12-month trend (a sparkline each).
TRENDS = (
    "staff_total",
    "agreements_active_by_kind",
    "staff_with_vpn_access",
    "vpn_concurrent_avg_workdays",
    "devices_mobile_in_use",
    "rollout_progress_share",
)
KIND_OF = dict(HEADLINE)

# The table per unit (Lagebericht and Anfrage): the key, its short column header, its kind.
PER_UNIT: tuple[tuple[str, Any, str], ...] = (
    ("staff_total", _("Beschäftigte"), INTEGER),
    ("positions_eligible_share", _("Stellen geeignet"), SHARE),
    ("agreements_active_by_kind", _("Vereinbarungen in Kraft"), INTEGER),
    ("requests_open", _("Anträge offen"), INTEGER),
    ("requests_overdue", _("davon überfällig"), INTEGER),
    ("refusal_rate", _("Ablehnungsquote"), SHARE),
    ("staff_with_vpn_access", _("mit VPN-Zugang"), INTEGER),
    ("vpn_concurrent_avg_workdays", _("VPN gleichzeitig im Mittel"), DECIMAL),
    ("devices_mobile_in_use", _("mobile Geräte im Einsatz"), INTEGER),
    ("rollout_progress_share", _("Umstellung auf mobile Geräte"), SHARE),
    ("presence_coverage_met_share", _("Besetzungsregeln erfüllt"), SHARE),
)

JUSTIFICATIONS_LIMIT = 500
YEARS_SHOWN = 4


def figures_for(*, viewer, on: dt.date, unit=None) -> dict[str, Any]:
    """The figures as the providers give them to `viewer` (kept, like the dashboard)."""
    return kept_kpis(viewer=viewer, on=on, unit=unit).values


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


def _units_below(unit) -> list:
    """The rows of a table per unit: the Dezernate, or the units right below `unit`."""
    if unit is None:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    return list(OrgUnit.objects.filter(parent=unit).order_by("code"))


def _subject_lead(unit) -> str:
    if unit is None:
        return gettext("Zahlen der gesamten Verwaltung")
    return gettext("Zahlen von %(code)s %(name)s und allen Einheiten darunter") % {
        "code": unit.code,
        "name": unit.name,
    }


def per_unit_table(*, viewer, on: dt.date, unit, total: dict[str, Any]) -> Table:
    """One row per Dezernat (or per unit right below the chosen one) and a total row."""
    rows = []
    for child in _units_below(unit):
        figures = figures_for(viewer=viewer, on=on, unit=child)
        rows.append([child.code, child.name, *(shown(figures.get(k)) for k, _l, _k in PER_UNIT)])
    total_name = gettext("Gesamte Verwaltung") if unit is None else unit.name
    rows.append(
        [
            unit.code if unit is not None else gettext("gesamt"),
            gettext("%(name)s (gesamt)") % {"name": total_name},
            *(shown(total.get(k)) for k, _l, _k in PER_UNIT),
        ]
    )
    caption = (
        gettext("Kennzahlen je Dezernat")
        if unit is None
        else gettext("Kennzahlen je Einheit unter %(code)s") % {"code": unit.code}
    )
    columns = [Column(gettext("Kennung")), Column(gettext("Einheit"))]
    columns += [Column(str(label), kind) for _k, label, kind in PER_UNIT]
    return Table(caption, columns, rows, sheet=gettext("Je Dezernat") if unit is None else "")


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        return breakdown_total(value)
    return number_or_none(value)


def has_trend(unit) -> bool:
    """Trends are kept for the whole administration and each Dezernat (reports.snapshots)."""
    return unit is None or unit.kind == UnitKind.DEZERNAT


def _trend_section(on: dt.date, unit) -> tuple[list, Table | None]:
    """Sparklines of the 12 months up to `on` and their numbers as one table."""
    trend = monthly_trend(on=on, months=12, unit=unit)
    charts, columns, by_month = [], [Column(gettext("Monatsende"), DATE)], defaultdict(dict)
    keys = [key for key in TRENDS if key in trend]
    for key in keys:
        kind = KIND_OF.get(key, INTEGER)
        points = [(day, _number(value)) for day, value in trend[key]]
        share = kind == SHARE
        charts.append(
            sparkline(
                [(d, v * 100 if share and v is not None else v) for d, v in points],
                title=_label(key),
                ident=f"trend-{key}",
                decimals=1 if kind in (SHARE, DECIMAL) else 0,
                suffix=" %" if share else "",
            )
        )
        columns.append(Column(_label(key), kind))
        for day, value in trend[key]:
            by_month[day][key] = shown(value) if not isinstance(value, dict) else _number(value)
    if not keys:
        return [], None
    rows = [[day, *(by_month[day].get(key) for key in keys)] for day in sorted(by_month)]
    table = Table(
        gettext("Verlauf der letzten 12 Monate"),
        columns,
        rows,
        sheet=gettext("Verlauf"),
        data_only=True,
    )
    return charts, table


def _headline(figures: dict[str, Any]) -> Table:
    rows = []
    for key, kind in HEADLINE:
        value = shown(figures.get(key))
        if kind == SHARE:
            rows.append([_label(key), None, value])
        else:
            rows.append([_label(key), value, None])
    return Table(
        gettext("Kennzahlen"),
        [
            Column(gettext("Kennzahl")),
            Column(gettext("Anzahl"), INTEGER),
            Column(gettext("Anteil"), SHARE),
        ],
        rows,
        sheet=gettext("Kennzahlen"),
    )


def _rollout(figures: dict[str, Any], on: dt.date) -> Section:
    section = SectionBuilder(gettext("Umstellung auf mobile Arbeitsplätze"))
    verdict = rollout_verdict(figures, on=on)
    if verdict:
        section.paragraphs.append(verdict.text)
    section.tables.append(
        Table(
            gettext("Umstellung gegen Ziel"),
            [
                Column(_label("devices_mobile_in_use"), INTEGER),
                Column(_label("devices_on_order"), INTEGER),
                Column(_label("rollout_progress_share"), SHARE),
                Column(_label("rollout_target_date"), DATE),
                Column(_label("rollout_projected_date"), DATE),
            ],
            [
                [
                    shown(figures.get("devices_mobile_in_use")),
                    shown(figures.get("devices_on_order")),
                    shown(figures.get("rollout_progress_share")),
                    shown(figures.get("rollout_target_date")),
                    shown(figures.get("rollout_projected_date")),
                ]
            ],
            sheet=gettext("Umstellung"),
        )
    )
    return section.done()


def _vpn(figures: dict[str, Any], trend_on: dt.date | None, unit=None) -> Section:
    section = SectionBuilder(gettext("VPN-Nutzung gegen Kapazität"))
    verdict = vpn_verdict(figures)
    if verdict:
        section.paragraphs.append(verdict.text)
    headroom, load = vpn_headroom(figures)
    section.tables.append(
        Table(
            gettext("VPN-Nutzung und Kapazität"),
            [
                Column(_label("vpn_capacity"), INTEGER),
                Column(_label("staff_with_vpn_access"), INTEGER),
                Column(_label("vpn_concurrent_avg_workdays"), DECIMAL),
                Column(_label("vpn_concurrent_peak"), INTEGER),
                Column(gettext("Reserve zur Spitze"), INTEGER),
                Column(gettext("Auslastung zur Spitze"), SHARE),
            ],
            [
                [
                    shown(figures.get("vpn_capacity")),
                    shown(figures.get("staff_with_vpn_access")),
                    shown(figures.get("vpn_concurrent_avg_workdays")),
                    shown(figures.get("vpn_concurrent_peak")),
                    headroom,
                    load,
                ]
            ],
            sheet=gettext("VPN"),
        )
    )
    if trend_on is not None:
        trend = monthly_trend(on=trend_on, months=12, unit=unit)
        avg = [(d, number_or_none(v)) for d, v in trend.get("vpn_concurrent_avg_workdays", [])]
        peak = [(d, number_or_none(v)) for d, v in trend.get("vpn_concurrent_peak", [])]
        if any(v is not None for _d, v in avg + peak):
            capacity = number_or_none(figures.get("vpn_capacity"))
            section.charts.append(
                line_chart(
                    [
                        Series(gettext("gleichzeitig im Mittel"), avg, colour=GREEN),
                        Series(gettext("gleichzeitig höchstens"), peak, colour=BLUE, dash=DASHED),
                    ],
                    title=gettext("VPN-Nutzung der letzten 12 Monate gegen die Kapazität"),
                    ident="report-vpn",
                    target=capacity,
                    target_label=gettext("Kapazität") if capacity else "",
                    decimals=1,
                )
            )
    return section.done()


def _unit_names(codes) -> dict[str, str]:
    return dict(OrgUnit.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _coverage(figures: dict[str, Any]) -> Section:
    section = SectionBuilder(gettext("Besetzung der Bürgerdienste vor Ort"))
    met = figures.get("presence_coverage_met_share")
    office = figures.get("presence_office_share")
    if number_or_none(met) is not None:
        section.paragraphs.append(
            gettext(
                "In den veröffentlichten Wochenplänen der Woche des Stichtags sind %(share)s %% "
                "der Besetzungsregeln erfüllt."
            )
            % {"share": format_number(met * 100, 1)}
        )
    elif met is None:
        section.paragraphs.append(
            gettext("Für die Woche des Stichtags ist kein Wochenplan veröffentlicht.")
        )
    else:
        section.paragraphs.append(f"{_label('presence_coverage_met_share')}: {shown(met)}")
    if number_or_none(office) is not None:
        section.paragraphs.append(
            gettext("%(share)s %% der geplanten Arbeitstage sind Bürotage.")
            % {"share": format_number(office * 100, 1)}
        )
    by_unit = figures.get("presence_coverage_by_unit")
    if isinstance(by_unit, dict) and by_unit:
        names = _unit_names(by_unit)
        section.tables.append(
            Table(
                gettext("Besetzungsregeln erfüllt je Einheit"),
                [
                    Column(gettext("Kennung")),
                    Column(gettext("Einheit")),
                    Column(gettext("erfüllt"), SHARE),
                ],
                [
                    [code, names.get(code, ""), shown(value)]
                    for code, value in sorted(by_unit.items())
                ],
                sheet=gettext("Besetzung"),
            )
        )
    return section.done()


def _refusals_by_reason(figures: dict[str, Any]) -> Section:
    section = SectionBuilder(gettext("Ablehnungen nach Grund"))
    rate = figures.get("refusal_rate")
    if number_or_none(rate) is not None:
        section.paragraphs.append(
            gettext("Abgelehnt wurden %(share)s %% der entschiedenen Anträge.")
            % {"share": format_number(rate * 100, 1)}
        )
    reasons = figures.get("refusals_by_reason")
    labels = {entry["code"]: entry["label"] for entry in reason_legend()}
    if isinstance(reasons, dict):
        section.tables.append(
            Table(
                gettext("Ablehnungen nach Grund"),
                [
                    Column(gettext("Code")),
                    Column(gettext("Grund")),
                    Column(gettext("Anzahl"), INTEGER),
                ],
                [[code, labels.get(code, code), shown(count)] for code, count in reasons.items()],
                sheet=gettext("Ablehnungsgründe"),
            )
        )
    elif reasons is not None:
        section.paragraphs.append(str(shown(reasons)))
    return section.done()


# --------------------------------------------------------------------------- the reports


def build_lagebericht(*, viewer=None, on: dt.date, unit=None) -> Report:
    figures = figures_for(viewer=viewer, on=on, unit=unit)
    overview = SectionBuilder(gettext("Kennzahlen und Verlauf"))
    overview.tables.append(_headline(figures))
    whole = unit is None
    trends = has_trend(unit)
    if trends:
        charts, trend_table = _trend_section(on, unit)
        overview.charts += charts
        if trend_table is not None:
            overview.tables.append(trend_table)
        if not charts:
            overview.paragraphs.append(
                gettext("Für die 12 Monate bis zum Stichtag sind keine Verläufe gespeichert.")
            )
    else:
        overview.paragraphs.append(
            gettext("Verläufe über 12 Monate gibt es für die gesamte Verwaltung und je Dezernat.")
        )
    per_unit = SectionBuilder(
        gettext("Je Dezernat") if whole else gettext("Je Einheit darunter"),
        tables=[per_unit_table(viewer=viewer, on=on, unit=unit, total=figures)],
    )
    return Report(
        name="lagebericht",
        title=gettext("Lagebericht mobiles Arbeiten"),
        on=on,
        unit=unit,
        lead=gettext("%(subject)s zum Stichtag %(date)s, berechnet aus den Daten.")
        % {"subject": _subject_lead(unit), "date": german_date(on)},
        sections=[
            overview.done(),
            per_unit.done(),
            _rollout(figures, on),
            _vpn(figures, on if trends else None, unit),
            _coverage(figures),
            _refusals_by_reason(figures),
        ],
        definitions=definitions(
            [key for key, _k in HEADLINE]
            + [
                "vpn_capacity",
                "rollout_target_date",
                "rollout_projected_date",
                "refusals_by_reason",
                "presence_coverage_by_unit",
                "presence_office_share",
            ]
        ),
        made_at=timezone.now(),
    )


def build_anfrage(*, viewer=None, on: dt.date, unit=None) -> Report:
    figures = figures_for(viewer=viewer, on=on, unit=unit)
    table = per_unit_table(viewer=viewer, on=on, unit=unit, total=figures)
    return Report(
        name="anfrage",
        title=gettext("Antwort auf eine Anfrage: Stand des mobilen Arbeitens"),
        on=on,
        unit=unit,
        lead=gettext("%(subject)s zum Stichtag %(date)s, je Dezernat, zum Einfügen in die Antwort.")
        % {"subject": _subject_lead(unit), "date": german_date(on)},
        sections=[Section(table.caption, tables=[table])],
        definitions=definitions([key for key, _l, _k in PER_UNIT]),
        made_at=timezone.now(),
    )


# --------------------------------------------------------------------------- press text


def _end_of(target: dt.date) -> str:
    if (target.month, target.day) == (12, 31):
        return gettext("Ende %(year)s") % {"year": target.year}
    return gettext("zum %(date)s") % {"date": german_date(target)}


def press_sentences(figures: dict[str, Any], *, on: dt.date) -> list[str]:
    """The press text, sentence by sentence; a sentence whose figure is missing, not
    rebuilt or suppressed is left out (never "None" or "< 5")."""
    staff = number_or_none(figures.get("staff_total"))
    vpn = number_or_none(figures.get("staff_with_vpn_access"))
    avg = number_or_none(figures.get("vpn_concurrent_avg_workdays"))
    devices = number_or_none(figures.get("devices_mobile_in_use"))
    ordered = number_or_none(figures.get("devices_on_order"))
    progress = number_or_none(figures.get("rollout_progress_share"))
    target = as_date(figures.get("rollout_target_date"))
    agreements = breakdown_total(figures.get("agreements_active_by_kind"))
    sentences = []
    if staff and vpn:
        sentences.append(
            gettext(
                "Von %(staff)s Mitarbeiterinnen und Mitarbeitern können bereits %(vpn)s über "
                "VPN von zu Hause arbeiten."
            )
            % {"staff": press_number(staff), "vpn": press_number(vpn)}
        )
    elif staff:
        sentences.append(
            gettext("Die Stadtverwaltung hat %(staff)s Mitarbeiterinnen und Mitarbeiter.")
            % {"staff": press_number(staff)}
        )
    elif vpn:
        sentences.append(
            gettext("%(vpn)s Beschäftigte können über VPN von zu Hause arbeiten.")
            % {"vpn": press_number(vpn)}
        )
    if avg:
        sentences.append(
            gettext("Das nutzen aktuell im Durchschnitt %(avg)s Personen gleichzeitig.")
            % {"avg": press_number(avg)}
        )
    if agreements:
        sentences.append(
            ngettext(
                "%(n)s Vereinbarung über mobiles Arbeiten ist in Kraft.",
                "%(n)s Vereinbarungen über mobiles Arbeiten sind in Kraft.",
                agreements,
            )
            % {"n": press_number(agreements)}
        )
    if devices and ordered:
        sentences.append(
            gettext("%(devices)s mobile Geräte sind im Einsatz, weitere %(ordered)s bestellt.")
            % {"devices": press_number(devices), "ordered": press_number(ordered)}
        )
    elif devices:
        sentences.append(
            gettext("%(devices)s mobile Geräte sind im Einsatz.")
            % {"devices": press_number(devices)}
        )
    if target is not None and (progress is None or progress < 1):
        if target >= on:
            sentences.append(
                gettext(
                    "Bis %(when)s sollen alle Arbeitsplätze mit mobilen Geräten ausgestattet sein."
                )
                % {"when": _end_of(target)}
            )
        elif progress is not None:
            sentences.append(
                gettext(
                    "Geplant war die Umstellung aller Arbeitsplätze auf mobile Geräte bis "
                    "%(when)s; umgestellt sind %(share)s Prozent."
                )
                % {"when": _end_of(target), "share": format_number(progress * 100, 0)}
            )
    elif progress is not None and progress >= 1:
        sentences.append(gettext("Alle Arbeitsplätze sind mit mobilen Geräten ausgestattet."))
    # "rund 910 Vereinbarungen …" opens a sentence: "Rund 910 …"
    return [sentence[:1].upper() + sentence[1:] for sentence in sentences]


PRESS_KEYS = (
    "staff_total",
    "staff_with_vpn_access",
    "vpn_concurrent_avg_workdays",
    "agreements_active_by_kind",
    "devices_mobile_in_use",
    "devices_on_order",
    "rollout_target_date",
    "rollout_progress_share",
)


def build_pressetext(*, viewer=None, on: dt.date, unit=None) -> Report:
    # The press text speaks for the whole administration, in published figures: what
    # the press reads is what anyone may read (viewer None, suppressed).
    figures = figures_for(viewer=None, on=on)
    text = " ".join(press_sentences(figures, on=on))
    rows = []
    for key in PRESS_KEYS:
        value = figures.get(key)
        number = _number(value)
        if key == "rollout_progress_share" and number is not None:
            percent = round(number * 100, 1)
            rows.append([_label(key) + " (%)", percent, format_number(number * 100, 0)])
        elif key == "rollout_target_date" and as_date(value):
            rows.append([_label(key), None, _end_of(as_date(value))])
        elif number is not None:
            rows.append([_label(key), number, press_number(number)])
        else:  # "< 5", not rebuilt, or no figure: not in the text
            rows.append([_label(key), None, shown(value) if value is not None else ""])
    return Report(
        name="pressetext",
        title=gettext("Pressetext mobiles Arbeiten"),
        on=on,
        lead=gettext("Stand: %(date)s. Zahlen der gesamten Verwaltung, für die Presse gerundet.")
        % {"date": german_date(on)},
        sections=[
            Section(
                gettext("Text"),
                paragraphs=[text]
                if text
                else [
                    gettext(
                        "Zum Stichtag gibt es keine Zahlen, aus denen sich ein Text schreiben lässt."
                    )
                ],
            ),
            Section(
                gettext("Zahlen hinter dem Text"),
                tables=[
                    Table(
                        gettext("Zahlen hinter dem Text"),
                        [
                            Column(gettext("Kennzahl")),
                            Column(gettext("genau"), NUMBER),
                            Column(gettext("im Text")),
                        ],
                        rows,
                        sheet=gettext("Zahlen"),
                    )
                ],
            ),
        ],
        definitions=[Definition(gettext("Rundung"), str(ROUNDING_RULE))]
        + definitions(PRESS_KEYS, general=False),
        made_at=timezone.now(),
        text=text,
    )


# --------------------------------------------------------------------------- staff council


def may_read_justifications(viewer) -> bool:
    """Who reads full justifications: whoever the refusals page admits."""
    return viewer is not None and scope_for(viewer).has(Role.STAFF_COUNCIL, Role.HR)


def _refusal_rows(*, on: dt.date, unit, viewer) -> tuple[Table | None, list[int]]:
    """Refusals per unit (Dezernat and Amt, or the chosen unit and the units right below
    it) and calendar year, the last `YEARS_SHOWN` years up to the Stichtag."""
    refused = with_status_on(WorkRequest.objects.all(), on).filter(
        status_on=RequestStatus.REJECTED, decided_at__date__lte=on
    )
    if unit is not None:
        refused = refused.filter(employee__unit__path__startswith=unit.path)
    counts = Counter()
    for path, year, n in (
        refused.annotate(year=ExtractYear("decided_at"))
        .values_list("employee__unit__path", "year")
        .annotate(n=Count("pk"))
        .values_list("employee__unit__path", "year", "n")
    ):
        counts[(path, year)] += n
    years = list(range(on.year - YEARS_SHOWN + 1, on.year + 1))
    if unit is None:
        # Each Dezernat, then its Ämter, each by code.
        units = sorted(OrgUnit.objects.filter(depth__lte=1), key=lambda u: u.code)
        tops = []
        for dezernat in (u for u in units if u.parent_id is None):
            tops += [dezernat, *(u for u in units if u.parent_id == dezernat.pk)]
    else:
        tops = [unit, *OrgUnit.objects.filter(parent=unit).order_by("code")]
    exact = viewer is not None and scope_for(viewer).has(Role.HR)
    # Each count goes to every unit on its path ("/3/17/42/": 3, 17 and 42), once.
    per_unit: Counter = Counter()
    for (path, year), n in counts.items():
        for unit_id in filter(None, path.split("/")):
            per_unit[(int(unit_id), year)] += n
    rows = []
    for row_unit in tops:
        cells = [per_unit[(row_unit.pk, year)] for year in years]
        shown_cells = [suppress_count(n, exact=exact) for n in cells]
        # A row with a hidden year shows no sum: the sum minus the others would give it.
        hidden = any(isinstance(c, str) for c in shown_cells)
        total = gettext("nicht ausgewiesen") if hidden else sum(cells)
        level = row_unit.get_kind_display() if hasattr(row_unit, "get_kind_display") else ""
        rows.append([row_unit.code, row_unit.name, level, *shown_cells, total])
    _hide_parents(tops, rows, first=3, count=len(years))
    columns = [Column(gettext("Kennung")), Column(gettext("Einheit")), Column(gettext("Ebene"))]
    columns += [Column(str(year), INTEGER) for year in years]
    columns.append(Column(gettext("Summe"), INTEGER))
    table = Table(
        gettext("Ablehnungen je Einheit und Jahr (bis zum Stichtag)"),
        columns,
        rows,
        sheet=gettext("Ablehnungen je Einheit"),
    )
    return table, years


def _hide_parents(units, rows, *, first: int, count: int) -> None:
    """Complementary suppression across the tree: a unit whose row unit below it hides a
    year hides that year too (else its figure minus the others would give the hidden
    one), and then its sum."""
    not_shown = gettext("nicht ausgewiesen")
    by_id = {unit.pk: row for unit, row in zip(units, rows, strict=True)}
    for unit, row in zip(units, rows, strict=True):
        parent = by_id.get(unit.parent_id)
        if parent is None:
            continue
        for i in range(first, first + count):
            if isinstance(row[i], str) and not isinstance(parent[i], str):
                parent[i] = not_shown
                parent[-1] = not_shown


def _justifications(*, viewer, on: dt.date, unit, since: dt.date) -> Table:
    rows = (
        requests_visible_to(viewer)
        .filter(
            status=RequestStatus.REJECTED, decided_at__date__lte=on, decided_at__date__gte=since
        )
        .select_related("employee__unit")
        .order_by("-decided_at", "-pk")
    )
    if unit is not None:
        rows = rows.filter(employee__unit__path__startswith=unit.path)
    return Table(
        gettext("Ablehnungen mit Begründung"),
        [
            Column(gettext("entschieden"), DATE),
            Column(gettext("Kennung")),
            Column(gettext("Einheit")),
            Column(gettext("Gründe")),
            Column(gettext("Begründung")),
            Column(gettext("Wiedervorlage"), DATE),
        ],
        [
            [
                timezone.localtime(r.decided_at).date() if r.decided_at else None,
                r.employee.unit.code if r.employee.unit_id else "",
                r.employee.unit.name if r.employee.unit_id else "",
                ", ".join(r.reason_codes),
                r.justification,
                r.review_date,
            ]
            for r in rows[:JUSTIFICATIONS_LIMIT]
        ],
        sheet=gettext("Begründungen"),
    )


def build_personalrat(*, viewer=None, on: dt.date, unit=None) -> Report:
    figures = figures_for(viewer=viewer, on=on, unit=unit)
    refusals = _refusals_by_reason(figures)
    legend = [
        (
            entry["code"],
            entry["label"] + (f" ({gettext('vorübergehend')})" if entry["temporary"] else ""),
        )
        for entry in reason_legend()
    ]
    refusals = Section(refusals.title, refusals.paragraphs, refusals.tables, items=legend)
    per_unit, years = _refusal_rows(on=on, unit=unit, viewer=viewer)
    by_unit = Section(
        gettext("Ablehnungen je Einheit und Zeitraum"),
        paragraphs=[
            gettext(
                "Gezählt sind Anträge, die bis zum Stichtag abgelehnt waren, nach dem Jahr der "
                "Entscheidung und der Einheit der Beschäftigten (mit allen Einheiten darunter)."
            )
        ],
        tables=[per_unit],
    )
    kinds = figures.get("agreements_active_by_kind")
    kind_labels = dict(WorkKind.choices)
    agreements = SectionBuilder(gettext("Vereinbarungen nach Art"))
    if isinstance(kinds, dict):
        agreements.tables.append(
            Table(
                gettext("Vereinbarungen in Kraft nach Art"),
                [Column(gettext("Art")), Column(gettext("Anzahl"), INTEGER)],
                [[str(kind_labels.get(k, k)), shown(v)] for k, v in kinds.items()],
                sheet=gettext("Vereinbarungen"),
            )
        )
    else:
        agreements.paragraphs.append(str(shown(kinds)) if kinds is not None else "–")
    vpn = _vpn(figures, None)
    vpn = Section(
        gettext("VPN-Nutzung insgesamt"),
        [
            gettext(
                "Nur Summen und Mittelwerte; keine Zahlen über einzelne Personen "
                "(Mitbestimmung: keine Leistungs- oder Verhaltenskontrolle)."
            ),
            *vpn.paragraphs,
        ],
        vpn.tables,
    )
    sections = [refusals, by_unit, agreements.done(), _coverage(figures), vpn]
    if may_read_justifications(viewer):
        since = dt.date(years[0], 1, 1)
        table = _justifications(viewer=viewer, on=on, unit=unit, since=since)
        sections.append(
            Section(
                gettext("Begründungen"),
                paragraphs=[
                    gettext(
                        "Die Ablehnungen seit %(since)s mit ihrer vollständigen Begründung, "
                        "ohne Namen; höchstens %(limit)s, die neuesten zuerst. Einzelfälle "
                        "stehen auf der Seite „Ablehnungen“."
                    )
                    % {"since": german_date(since), "limit": JUSTIFICATIONS_LIMIT}
                ],
                tables=[table],
            )
        )
    return Report(
        name="personalrat",
        title=gettext("Bericht an den Personalrat"),
        on=on,
        unit=unit,
        lead=gettext(
            "%(subject)s zum Stichtag %(date)s. Gruppen unter %(n)s Personen sind unterdrückt."
        )
        % {"subject": _subject_lead(unit), "date": german_date(on), "n": hidden_label()[2:]},
        sections=sections,
        definitions=definitions(
            [
                "refusals_by_reason",
                "refusal_rate",
                "agreements_active_by_kind",
                "presence_coverage_met_share",
                "presence_coverage_by_unit",
                "staff_with_vpn_access",
                "vpn_concurrent_avg_workdays",
                "vpn_concurrent_peak",
            ]
        ),
        made_at=timezone.now(),
    )


# --------------------------------------------------------------------------- register


def build_verarbeitungsverzeichnis(*, viewer=None, on: dt.date, unit=None) -> Report:
    rows = register_rows()
    table = Table(
        gettext("Verarbeitungstätigkeiten"),
        [Column(str(label)) for _key, label in COLUMNS],
        [[row[key] for key, _label in COLUMNS] for row in rows],
        sheet=gettext("Verzeichnis"),
    )
    return Report(
        name="verarbeitungsverzeichnis",
        title=gettext("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)"),
        on=on,
        lead=gettext(
            "Erzeugt aus der Konfiguration der Anwendung: Zwecke, Kategorien von Daten und "
            "Personen, Empfänger nach Rolle und Löschfristen, wie sie am %(date)s eingestellt "
            "sind."
        )
        % {"date": german_date(on)},
        sections=[Section(table.caption, tables=[table])],
        made_at=timezone.now(),
    )
