"""The rollout figures as plain arithmetic (no database), so that they are tested with
fixed dates, and the progress chart (drawn by core.charts.line_chart).

- progress = mobile workplace devices in use ÷ (those + stationary ones in use)
- pace = mobile workplace hand-overs per week over the last 8 weeks
- projected completion = today + stationary devices in use ÷ pace (in weeks)
- late when the projection lies after the target date, when there is no pace, or
  when the target date has passed with stationary devices still in use
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rathausmobil.core import charts
from rathausmobil.core.numbers import format_number

PACE_WEEKS = 8
CHART_WEEKS = 26  # the chart shows the last half year and the projection
CHART_HORIZON_DAYS = 3 * 365  # a projection further out is cut at the chart's edge


def de_number(value: float, decimals: int = 1) -> str:
    """The one number format (core/numbers.py): "1.234,5"."""
    return format_number(value, decimals)


def de_date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Projection:
    today: dt.date
    target_date: dt.date | None
    mobile_in_use: int
    stationary_in_use: int
    handovers: int  # mobile workplace hand-overs in the last PACE_WEEKS weeks
    deliveries: int  # mobile workplace devices delivered in the last PACE_WEEKS weeks
    weeks: int
    progress_share: float
    pace: float
    delivery_pace: float
    required_pace: float | None
    projected_date: dt.date | None
    status: str  # done, on_track, late, no_target, no_data
    verdict: str

    @property
    def on_track(self) -> bool:
        return self.status in ("done", "on_track")

    @property
    def progress_percent(self) -> str:
        return de_number(self.progress_share * 100, 1)


def project(
    *,
    today: dt.date,
    target_date: dt.date | None,
    mobile_in_use: int,
    stationary_in_use: int,
    handovers: int,
    deliveries: int = 0,
    weeks: int = PACE_WEEKS,
) -> Projection:
    total = mobile_in_use + stationary_in_use
    share = round(mobile_in_use / total, 3) if total else 0.0
    pace = handovers / weeks
    delivery_pace = deliveries / weeks
    remaining = stationary_in_use
    required = None
    if target_date and target_date > today and remaining:
        required = round(remaining / ((target_date - today).days / 7), 1)
    projected = None
    if remaining == 0:
        projected = today if total else None
    elif pace > 0:
        projected = today + dt.timedelta(days=math.ceil(remaining / pace * 7))

    target = de_date(target_date) if target_date else None
    pace_text = f"{de_number(pace)} Ausgaben pro Woche in den letzten {weeks} Wochen"
    devices = (
        "ein stationärer Arbeitsplatzrechner"
        if remaining == 1
        else f"{de_number(remaining, 0)} stationäre Arbeitsplatzrechner"
    )
    if total == 0:
        status = "no_data"
        verdict = (
            "Es sind noch keine Arbeitsplatzgeräte ausgegeben; der Fortschritt lässt sich nicht "
            "berechnen."
        )
    elif remaining == 0:
        status = "done"
        verdict = "Abgeschlossen: Es ist kein stationärer Arbeitsplatzrechner mehr im Einsatz."
    elif target_date is None:
        status = "no_target"
        verdict = (
            f"Beim aktuellen Tempo ({pace_text}) ist die Umstellung voraussichtlich am "
            f"{de_date(projected)} abgeschlossen. Es ist kein Zieltermin festgelegt."
            if projected
            else f"In den letzten {weeks} Wochen wurde kein mobiles Arbeitsplatzgerät "
            f"ausgegeben; noch sind {devices} im Einsatz."
        )
    elif today > target_date:
        status = "late"
        verdict = (
            f"Verzug: Der Zieltermin {target} ist verstrichen, und es sind noch {devices} im "
            "Einsatz. "
        )
        verdict += (
            f"Beim aktuellen Tempo ({pace_text}) ist die Umstellung voraussichtlich am "
            f"{de_date(projected)} abgeschlossen."
            if projected
            else f"In den letzten {weeks} Wochen wurde kein mobiles Arbeitsplatzgerät ausgegeben; "
            "ein Abschlussdatum lässt sich nicht schätzen."
        )
    elif projected is None:
        status = "late"
        verdict = (
            f"Verzug: In den letzten {weeks} Wochen wurde kein mobiles Arbeitsplatzgerät "
            f"ausgegeben; noch sind {devices} im Einsatz. Um den Zieltermin {target} zu halten, "
            f"wären {de_number(required or 0)} Ausgaben pro Woche nötig."
        )
    elif projected <= target_date:
        status = "on_track"
        verdict = (
            f"Im Plan: Beim aktuellen Tempo ({pace_text}) ist die Umstellung voraussichtlich am "
            f"{de_date(projected)} abgeschlossen, vor dem Zieltermin {target}."
        )
    else:
        status = "late"
        late_weeks = math.ceil((projected - target_date).days / 7)
        verdict = (
            f"Verzug: Beim aktuellen Tempo ({pace_text}) ist die Umstellung erst am "
            f"{de_date(projected)} abgeschlossen, {late_weeks} Wochen nach dem Zieltermin "
            f"{target}. Nötig wären {de_number(required or 0)} Ausgaben pro Woche."
        )
    return Projection(
        today=today,
        target_date=target_date,
        mobile_in_use=mobile_in_use,
        stationary_in_use=stationary_in_use,
        handovers=handovers,
        deliveries=deliveries,
        weeks=weeks,
        progress_share=share,
        pace=round(pace, 1),
        delivery_pace=round(delivery_pace, 1),
        required_pace=required,
        projected_date=projected,
        status=status,
        verdict=verdict,
    )


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class Point:
    day: dt.date
    mobile: int
    stationary: int

    @property
    def share(self) -> float:
        total = self.mobile + self.stationary
        return round(self.mobile / total, 3) if total else 0.0

    @property
    def percent(self) -> str:
        return de_number(self.share * 100, 1)


def progress_series(
    periods: list[tuple[bool, dt.date, dt.date | None]], days: list[dt.date]
) -> list[Point]:
    """Devices in use at the end of each day in `days` (ascending).

    `periods` are (mobile?, handed over on, returned on or None) of workplace devices;
    a device counts on the days from the hand-over up to the day before the return.
    """
    events = [(start, mobile, 1) for mobile, start, _end in periods]
    events += [(end, mobile, -1) for mobile, _start, end in periods if end is not None]
    return series_from_counts(events, days)


def series_from_counts(events: list[tuple[dt.date, bool, int]], days: list[dt.date]) -> list[Point]:
    """Devices in use at the end of each day in `days`, from counted events
    (day, mobile?, +n hand-overs or -n returns); an event counts from its day on."""
    events = sorted(events, key=lambda e: e[0])
    points, mobile, stationary, index = [], 0, 0, 0
    for day in days:
        while index < len(events) and events[index][0] <= day:
            _day, is_mobile, n = events[index]
            if is_mobile:
                mobile += n
            else:
                stationary += n
            index += 1
        points.append(Point(day, mobile, stationary))
    return points


def chart_days(today: dt.date, weeks: int = CHART_WEEKS) -> list[dt.date]:
    return [today - dt.timedelta(weeks=w) for w in range(weeks, -1, -1)]


def target_share(day: dt.date, start: dt.date, target: dt.date) -> float:
    """The target line: 0 % at the campaign's start, 100 % at the target date."""
    if day <= start:
        return 0.0
    if day >= target:
        return 1.0
    return (day - start).days / (target - start).days


# --------------------------------------------------------------------------- chart


def chart_range(
    points: list[Point], projection: Projection, target_date: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The chart's dates: the history, then up to the projection or the target date (two
    weeks beyond), at least four weeks ahead, at most CHART_HORIZON_DAYS."""
    today = projection.today
    x0 = points[0].day if points else today - dt.timedelta(weeks=CHART_WEEKS)
    horizon = today + dt.timedelta(days=CHART_HORIZON_DAYS)
    x1 = today + dt.timedelta(weeks=4)
    if projection.projected_date:
        x1 = max(x1, min(projection.projected_date + dt.timedelta(weeks=2), horizon))
    if target_date and x0 < target_date <= horizon:
        x1 = max(x1, target_date + dt.timedelta(weeks=2))
    return x0, x1


def build_chart(
    points: list[Point],
    projection: Projection,
    *,
    start_date: dt.date | None,
    target_date: dt.date | None,
) -> charts.Chart:
    """The progress chart (core.charts.line_chart): the share of mobile devices so far
    (solid), the projection at the current pace (dashed, cut at the chart's edge on its way
    to 100 %), the target line from the campaign's start to 100 % at the target date (long
    dashes), markers for today and the target date; the table gives every fourth week."""
    today = projection.today
    x0, x1 = chart_range(points, projection, target_date)
    series = [
        charts.Series(
            _("Ist: Anteil mobiler Arbeitsplatzgeräte"),
            [(p.day, p.share * 100) for p in points],
            colour=charts.BLUE,
            width=3,
        )
    ]
    if projection.projected_date and projection.stationary_in_use:
        end, end_share = projection.projected_date, 1.0
        if end > x1:  # cut at the edge, on the straight line towards 100 %
            fraction = (x1 - today).days / max((end - today).days, 1)
            end_share = projection.progress_share + (1 - projection.progress_share) * fraction
            end = x1
        series.append(
            charts.Series(
                _("Hochrechnung beim aktuellen Tempo"),
                [(today, projection.progress_share * 100), (end, end_share * 100)],
                colour=charts.BLUE,
                dash=charts.DOTTED,
            )
        )
    markers = []
    if start_date and target_date:
        days = sorted({x0, x1, *(d for d in (start_date, target_date) if x0 < d < x1)})
        series.append(
            charts.Series(
                _("Soll bis zum Zieltermin"),
                [(d, target_share(d, start_date, target_date) * 100) for d in days],
                colour=charts.RED,
                dash=charts.LONG_DASHED,
            )
        )
        if x0 <= target_date <= x1:
            markers.append(
                charts.Marker(
                    target_date,
                    _("Ziel %(date)s") % {"date": de_date(target_date)},
                    colour=charts.RED,
                )
            )
    markers.append(charts.Marker(today, _("heute"), colour=charts.TEXT))
    desc = _("Anteil mobiler Arbeitsplatzgeräte heute %(p)s %% (%(m)s mobil, %(s)s stationär).") % {
        "p": projection.progress_percent,
        "m": de_number(projection.mobile_in_use, 0),
        "s": de_number(projection.stationary_in_use, 0),
    }
    table = charts.Table(
        _("Geräte im Einsatz, je Stichtag"),
        (_("Stichtag"), _("mobil"), _("stationär"), _("Anteil mobil")),
        [
            (de_date(p.day), de_number(p.mobile, 0), de_number(p.stationary, 0), f"{p.percent} %")
            for p in table_rows(points)
        ],
    )
    return charts.line_chart(
        series,
        title=_("Rollout-Fortschritt gegen die Soll-Linie"),
        desc=f"{desc} {projection.verdict}",
        ident="rollout-chart",
        markers=markers,
        y_max=100,
        y_suffix=" %",
        decimals=1,
        x_range=(x0, x1),
        table=table,
    )


def table_rows(points: list[Point], every: int = 4) -> list[Point]:
    """A handful of rows for the text alternative: every fourth week and today."""
    rows = points[::every]
    if points and rows[-1] is not points[-1]:
        rows.append(points[-1])
    return rows
