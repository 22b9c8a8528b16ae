"""The usage charts: well-formed SVG with a title and a description, values in the tooltips,
WCAG contrast, and the chart data in local clock hours across the summer-time changes."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import translation

from rathausmobil.usage import charts, selectors
from rathausmobil.usage.concurrency import Occupancy
from rathausmobil.usage.figures import Hours, Period

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def german():
    """The charts speak the active language; a test elsewhere may leave another active."""
    with translation.override("de"):
        yield


BERLIN = ZoneInfo("Europe/Berlin")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))  # noqa: S314 our own markup
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby"), root.get("aria-describedby")
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text
    return root


def titles(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}title")]


def steps(n: int = 48, start=dt.datetime(2026, 11, 2, tzinfo=BERLIN)) -> list[charts.Step]:
    out = []
    for i in range(n):
        a = start + dt.timedelta(hours=i)
        out.append(charts.Step(a, a + dt.timedelta(hours=1), peak=i % 12, mean=(i % 12) / 2))
    return out


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


# --------------------------------------------------------------------------- well-formed


def test_it_draws_a_well_formed_concurrency_chart_with_the_capacity():
    root = parse(charts.concurrency_chart(steps(), capacity=10, hourly=True, ident="c"))

    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Kapazität: 10" in texts
    assert "Höchstwert je Stunde" in texts
    assert "Höchstwert 11" in root.find(f"{SVG}desc").text
    assert len(root.findall(f".//{SVG}path")) == 3  # area, highest, mean


def test_it_draws_an_empty_chart_without_data():
    root = parse(charts.concurrency_chart([], capacity=None, hourly=False, ident="e"))

    assert root.find(f"{SVG}desc").text == "Keine Daten im Zeitraum."


def test_it_puts_every_heat_map_value_into_a_title_and_a_cell():
    means = [[None] * 24 for _ in range(7)]
    means[0][8] = 12.34
    means[4][17] = 0.5

    root = parse(charts.heatmap_chart(means, ident="h"))

    tips = titles(root)
    assert "Mo 08:00–09:00: im Mittel 12,3 Sitzungen gleichzeitig" in tips
    assert "Fr 17:00–18:00: im Mittel 0,5 Sitzungen gleichzeitig" in tips
    assert "So 23:00–00:00: keine Daten" in tips
    assert len([t for t in tips if "Uhr" not in t and ":00–" in t]) == 7 * 24
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "12,3" in texts and "0,5" in texts
    assert "Legende: mittlere Sitzungen gleichzeitig" in texts


def test_it_draws_bars_and_leaves_suppressed_rows_without_a_bar():
    bars = [
        charts.Bar("A1 Abteilung <A1>", 3.25),
        charts.Bar("B1 Abteilung B1", None, note="weniger als 5 Personen – ausgeblendet"),
    ]

    root = parse(charts.bar_chart(bars, title="T", desc="D", ident="b"))

    assert len(root.findall(f".//{SVG}rect")) == 2  # background and one bar
    assert "A1 Abteilung <A1>: 3,2" in titles(root) or "A1 Abteilung <A1>: 3,3" in titles(root)
    assert "B1 Abteilung B1: weniger als 5 Personen – ausgeblendet" in titles(root)


def test_it_escapes_text():
    svg = str(
        charts.bar_chart([charts.Bar("<script>x</script>", 1)], title="a&b", desc="<", ident='"x')
    )

    assert "<script>" not in svg
    parse(svg)


def test_it_counts_in_whole_numbers_on_a_count_axis():
    root = parse(
        charts.bar_chart(
            [charts.Bar("Name unbekannt", 1, decimals=0)], title="T", desc="D", ident="n"
        )
    )

    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "0,2" not in labels and "0,5" not in labels
    assert "1" in labels


def test_it_writes_numbers_in_english_when_english_is_chosen():
    means = [[None] * 24 for _ in range(7)]
    means[0][8] = 12.34
    with translation.override("en"):
        root = parse(charts.heatmap_chart(means, ident="h"))

    assert any("12.3" in t for t in titles(root))


# --------------------------------------------------------------------------- contrast


def _colours(root: ET.Element, tag: str, attr: str) -> set[str]:
    return {e.get(attr) for e in root.iter(f"{SVG}{tag}") if e.get(attr, "").startswith("#")}


def test_it_meets_wcag_contrast_on_white():
    means = [[float(h) for h in range(24)] for _ in range(7)]
    means[6][2] = None
    svgs = [
        charts.concurrency_chart(steps(), capacity=10, hourly=True, ident="c"),
        charts.bar_chart([charts.Bar("x", 2.0)], title="T", desc="D", ident="b"),
        charts.heatmap_chart(means, ident="h"),
    ]
    for svg in svgs:
        root = parse(svg)
        text_fills = _colours(root, "text", "fill") - {"#ffffff"}
        for colour in text_fills:
            assert charts.contrast_ratio(colour, "#ffffff") >= 4.5, colour
        strokes = (_colours(root, "path", "stroke") | _colours(root, "line", "stroke")) - {
            charts.GRID
        }
        for colour in strokes:
            assert charts.contrast_ratio(colour, "#ffffff") >= 3, colour
    assert charts.contrast_ratio(charts.BAR, "#ffffff") >= 3


@pytest.mark.parametrize("fill", [*charts.HEAT, charts.NO_DATA])
def test_it_writes_heat_map_values_readably_on_every_step(fill):
    assert charts.contrast_ratio(charts.text_colour_on(fill), fill) >= 4.5


def test_it_keeps_neighbouring_heat_steps_apart_and_shows_the_value_anyway():
    # Colour alone does not carry the value (it is written in the cell), but the steps still
    # get darker monotonically.
    lum = [charts._luminance(c) for c in charts.HEAT]
    assert lum == sorted(lum, reverse=True)
    assert charts.contrast_ratio(charts.HEAT[0], charts.HEAT[-1]) >= 3


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

    from rathausmobil.usage.views import series_rows

    start = dt.datetime.combine(first, dt.time(7, 15), BERLIN)
    hours = by_hour(first, last, [(start, start + dt.timedelta(days=1, hours=3, seconds=7))])
    series = selectors.concurrency_series(hours, first, last, None)
    template = Template(
        "{% load numbers %}{% if s.hourly %}"
        '{{ b.start|date:"D d.m.Y H:i" }}–{{ b.end|date:"H:i" }}'
        '{% else %}{{ b.start|date:"D d.m.Y" }}{% endif %}|{{ b.peak|number }}|{{ b.mean|number:1 }}'
    )

    with translation.override(language):
        rows = series_rows(series)
        expected = [
            tuple(template.render(Context({"s": series, "b": b})).split("|"))
            for b in series.buckets
        ]

    assert rows == expected
    assert any(mean not in ("0", "0.0", "0,0") for _, _, mean in rows)


@pytest.mark.parametrize("top", [1, 7, 100, 106, 131.5, 480])
def test_the_last_tick_reaches_the_highest_value(top):
    grid = charts.ticks(top, 4)
    assert grid[0] == 0 and grid[-1] >= top
    assert len(grid) <= 6  # and not far beyond it


def test_no_bar_runs_past_the_last_tick():
    svg = charts.bar_chart(
        [
            charts.Bar(label="A", value=106.0, decimals=1),
            charts.Bar(label="B", value=31.9, decimals=1),
        ],
        title="t",
        desc="d",
        ident="x",
    )
    grid_x = max(float(x) for x in re.findall(r'<line x1="([\d.]+)"', svg))
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="\d+" fill', svg)
    bar_end = max(float(x) + float(w) for x, w in bars if float(x) > 0)  # not the background
    assert bar_end <= grid_x + 0.01
