"""The usage charts' data in local clock hours across the summer-time changes, drawn by
core.charts (whose own tests are in core/tests/test_charts.py)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import translation

from rathausmobil.core import charts
from rathausmobil.usage import selectors
from rathausmobil.usage.concurrency import Occupancy
from rathausmobil.usage.figures import Hours, Period

SVG = "{http://www.w3.org/2000/svg}"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart))  # noqa: S314 our own markup


def by_hour(first: dt.date, last: dt.date, sessions: list[tuple[dt.datetime, dt.datetime]]):
    """N(t) of these sessions by real hour, as the overview reads it from the day rows."""
    period = Period(first, last)
    starts = [int(a.timestamp()) for a, _ in sessions]
    ends = [int(b.timestamp()) for _, b in sessions]
    occ = Occupancy.build(np.array(starts), np.array(ends), period.lo, period.hi)
    edges = np.arange(0, occ.counts.size, 3600)
    return Hours(
        occ.lo,
        np.add.reduceat(occ.counts, edges, dtype=np.int64),
        np.maximum.reduceat(occ.counts, edges),
    )


# --------------------------------------------------------------------------- local hours


def test_it_counts_heat_map_hours_in_local_time():
    # Monday 00:30 local in winter is Sunday 23:30 UTC.
    monday = dt.date(2026, 11, 2)
    hours = by_hour(
        monday,
        monday + dt.timedelta(days=6),
        [
            (
                dt.datetime(2026, 11, 2, 0, 30, tzinfo=BERLIN),
                dt.datetime(2026, 11, 2, 1, 0, tzinfo=BERLIN),
            )
        ],
    )

    heat = selectors.weekday_hour_heatmap(hours, monday, monday + dt.timedelta(days=6))

    assert heat.means[0][0] == pytest.approx(0.5)
    assert heat.means[6][23] == 0.0
    assert heat.seconds[0][0] == 3600


def test_it_skips_the_missing_hour_when_summer_time_begins():
    sunday = dt.date(2026, 3, 29)
    hours = by_hour(
        sunday,
        sunday,
        [
            (
                dt.datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
                dt.datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),
            )
        ],
    )

    heat = selectors.weekday_hour_heatmap(hours, sunday, sunday)
    series = selectors.concurrency_series(hours, sunday, sunday, None)

    assert heat.means[6][2] is None  # 02:00-02:59 does not exist that night
    assert heat.means[6][1] == pytest.approx(0.5)
    assert heat.means[6][3] == pytest.approx(0.5)
    assert heat.means[0][8] is None  # no Monday in the period
    assert len(series.buckets) == 23
    assert [b.start.hour for b in series.buckets[:3]] == [0, 1, 3]
    assert [b.peak for b in series.buckets[:4]] == [0, 1, 1, 0]


def test_it_adds_the_repeated_hour_when_summer_time_ends():
    sunday = dt.date(2026, 10, 25)
    first_pass = dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)  # 02:00 CEST
    hours = by_hour(sunday, sunday, [(first_pass, first_pass + dt.timedelta(hours=1))])

    heat = selectors.weekday_hour_heatmap(hours, sunday, sunday)
    series = selectors.concurrency_series(hours, sunday, sunday, 5)

    assert heat.seconds[6][2] == 7200
    assert heat.means[6][2] == pytest.approx(0.5)
    assert len(series.buckets) == 25
    assert [(b.start.hour, b.peak) for b in series.buckets[2:4]] == [(2, 1), (2, 0)]
    assert series.capacity == 5


def test_it_uses_days_for_periods_longer_than_a_month():
    first, last = dt.date(2026, 3, 1), dt.date(2026, 4, 30)
    hours = by_hour(
        first,
        last,
        [
            (
                dt.datetime(2026, 3, 29, 23, 0, tzinfo=BERLIN),
                dt.datetime(2026, 3, 30, 1, 0, tzinfo=BERLIN),
            )
        ],
    )

    series = selectors.concurrency_series(hours, first, last, None)

    assert not series.hourly and len(series.buckets) == 61
    sunday = series.buckets[28]
    assert sunday.start.date() == dt.date(2026, 3, 29)
    assert sunday.peak == 1
    assert sunday.mean == pytest.approx(3600 / (23 * 3600))  # the short day has 23 hours
    svg = charts.concurrency_chart(
        [charts.Step(b.start, b.end, b.peak, b.mean) for b in series.buckets],
        capacity=None,
        hourly=False,
        ident="d",
    )
    root = parse(svg)
    assert "Mittel je Tag" in [t.text for t in root.iter(f"{SVG}text")]
    assert re.search(r"Höchstwert 1 am 29\.03\.2026", root.find(f"{SVG}desc").text)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(
    ("first", "last"),
    [(dt.date(2026, 10, 24), dt.date(2026, 10, 26)), (dt.date(2026, 9, 1), dt.date(2026, 10, 31))],
)
def test_the_data_table_reads_as_the_template_filters_would_write_it(language, first, last):
    from django.template import Context, Template

    start = dt.datetime.combine(first, dt.time(7, 15), BERLIN)
    hours = by_hour(first, last, [(start, start + dt.timedelta(days=1, hours=3, seconds=7))])
    series = selectors.concurrency_series(hours, first, last, None)
    template = Template(
        "{% load numbers %}{% if s.hourly %}"
        '{{ b.start|date:"D d.m.Y H:i" }}–{{ b.end|date:"H:i" }}'
        '{% else %}{{ b.start|date:"D d.m.Y" }}{% endif %}|{{ b.peak|number }}|{{ b.mean|number:1 }}'
    )

    with translation.override(language):
        rows = charts.concurrency_chart(
            [charts.Step(b.start, b.end, b.peak, b.mean) for b in series.buckets],
            capacity=None,
            hourly=series.hourly,
        ).table.rows
        expected = [
            tuple(template.render(Context({"s": series, "b": b})).split("|"))
            for b in series.buckets
        ]

    assert rows == expected
    assert any(mean not in ("0", "0.0", "0,0") for _, _, mean in rows)
