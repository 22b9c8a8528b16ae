"""The charts (core/charts.py): well-formed SVG with a title and a description, values in the
tooltips and in the table, WCAG contrast, colours as attributes, gaps and markers, sparklines."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from rathausmobil.core import charts

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
    ).svg
    grid_x = max(float(x) for x in re.findall(r'<line x1="([\d.]+)"', svg))
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="\d+" fill', svg)
    bar_end = max(float(x) + float(w) for x, w in bars if float(x) > 0)  # not the background
    assert bar_end <= grid_x + 0.01


# --------------------------------------------------------------------------- lines over time

JAN = dt.date(2026, 1, 1)


def months(values, first=JAN) -> list[tuple[dt.date, float | None]]:
    return [
        (dt.date(first.year + (first.month + i - 1) // 12, (first.month + i - 1) % 12 + 1, 1), v)
        for i, v in enumerate(values)
    ]


def line(**kwargs) -> charts.Chart:
    series = [
        charts.Series("Ist", months([10, 20, None, 40, 50, None, 70])),
        charts.Series(
            "Plan", months([15, 25, 35, 45, 55, 65, 75]), colour=charts.RED, dash=charts.DASHED
        ),
    ]
    return charts.line_chart(series, title="Verlauf", ident="l", **kwargs)


def test_it_breaks_a_line_where_a_value_is_missing():
    root = parse(line())

    paths = root.findall(f".//{SVG}path")
    # Ist: Jan–Feb, Apr–May as lines, Jul alone as a dot; Plan in one piece.
    assert [p.get("d").count("L") for p in paths] == [1, 1, 6]
    assert len(root.findall(f".//{SVG}circle")) == 1
    assert paths[2].get("stroke-dasharray") == charts.DASHED
    assert paths[0].get("stroke-dasharray") is None


def test_it_draws_markers_with_labels_and_staggers_labels_that_would_overlap():
    chart = line(
        markers=[
            charts.Marker(dt.date(2026, 4, 1), "heute"),
            charts.Marker(dt.date(2026, 4, 3), "Ziel 03.04.2026", colour=charts.RED),
            charts.Marker(dt.date(2030, 1, 1), "außerhalb"),
        ],
        x_range=(JAN, dt.date(2026, 7, 1)),
    )
    root = parse(chart)

    texts = {t.text: t for t in root.iter(f"{SVG}text")}
    assert "außerhalb" not in texts  # beyond the chart's dates
    today, target = texts["heute"], texts["Ziel 03.04.2026"]
    assert target.get("fill") == charts.RED
    assert float(target.get("y")) > float(today.get("y"))  # a second row, not on top
    dashed = [e for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray") == "2 3"]
    assert len(dashed) == 2


def test_it_draws_a_target_line_with_its_label_in_the_legend():
    root = parse(line(target=60, target_label="Ziel"))

    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Ist", "Plan", "Ziel"} <= set(texts)
    assert "Ziel: 60." in root.find(f"{SVG}desc").text


def test_the_line_chart_table_has_a_row_per_date_and_a_column_per_series():
    chart = line(y_suffix=" %")

    assert chart.table.header == ("Datum", "Ist", "Plan")
    assert chart.table.rows[:3] == [
        ("01.01.2026", "10 %", "15 %"),
        ("01.02.2026", "20 %", "25 %"),
        ("01.03.2026", "–", "35 %"),
    ]
    assert len(chart.table.rows) == 7
    assert chart.desc.startswith("Ist: 10 % am 01.01.2026, 70 % am 01.07.2026.")


def test_it_writes_a_long_legend_on_two_rows():
    long = [charts.Series("x" * 60, months([1, 2])), charts.Series("y" * 60, months([2, 1]))]
    root = parse(charts.line_chart(long, title="T", ident="t"))

    legend = [t for t in root.iter(f"{SVG}text") if t.text in ("x" * 60, "y" * 60)]
    assert legend[0].get("y") != legend[1].get("y")
    assert legend[0].get("x") == legend[1].get("x")


# --------------------------------------------------------------------------- sparkline


def test_the_sparkline_says_its_period_and_first_and_last_figure():
    values = [1020, 1030, 1040, 1035, 1050, 1060, 1065, 1070, 1080, 1085, 1090, 1100]
    chart = charts.sparkline(months(values), title="Beschäftigte", ident="s")
    root = parse(chart)

    assert chart.desc == "Verlauf Jan. 2026 bis Dez. 2026: von 1.020 auf 1.100"
    assert root.find(f"{SVG}desc").text == chart.desc
    assert root.find(f"{SVG}title").text == "Beschäftigte"
    assert (root.get("width"), root.get("height")) == ("120", "32")
    assert len(root.findall(f".//{SVG}path")) == 1


def test_the_sparkline_breaks_at_months_without_a_figure():
    values = [None, 5, 6, None, None, 8, 9, 9, 10, 11, 12, None]
    chart = charts.sparkline(months(values), title="Anträge", ident="s", suffix=" %")
    root = parse(chart)

    assert chart.desc == (
        "Verlauf Jan. 2026 bis Dez. 2026: von 5 % (Feb. 2026) auf 12 % (Nov. 2026). "
        "Für 4 Monate gibt es keine Zahl."
    )
    assert len(root.findall(f".//{SVG}path")) == 2
    assert chart.table.rows[0] == ("Jan. 2026", "–")
    assert chart.table.rows[1] == ("Feb. 2026", "5 %")


def test_the_sparkline_without_any_figure_says_so():
    chart = charts.sparkline(months([None] * 12), title="T", ident="s")

    assert chart.desc == "Verlauf Jan. 2026 bis Dez. 2026: keine Zahlen."
    parse(chart)


# --------------------------------------------------------------------------- every chart


def every_chart() -> list[charts.Chart]:
    means = [[float(h) for h in range(24)] for _ in range(7)]
    means[6][2] = None
    return [
        charts.concurrency_chart(steps(), capacity=10, hourly=True, ident="c"),
        charts.bar_chart([charts.Bar("x", 2.0)], title="T", desc="D", ident="b"),
        charts.heatmap_chart(means, ident="h"),
        line(target=60, target_label="Ziel", markers=[charts.Marker(dt.date(2026, 3, 1), "heute")]),
        charts.sparkline(months([1, None, 3]), title="S", ident="s"),
    ]


def test_every_chart_draws_its_colours_as_attributes_not_css():
    for chart in every_chart():
        root = parse(chart)
        assert "<style" not in chart.svg and "var(" not in chart.svg
        for element in root.iter():
            assert element.get("class") is None, element.tag
            if element is not root:
                assert element.get("style") is None, element.tag
        drawn = [
            e for e in root.iter() if e.tag.split("}")[1] in ("path", "line", "circle", "rect")
        ]
        assert drawn and all(e.get("stroke") or e.get("fill") for e in drawn)


def test_every_line_and_text_colour_meets_wcag_on_white():
    for chart in every_chart():
        root = parse(chart)
        texts = _colours(root, "text", "fill") - {"#ffffff"}
        assert all(charts.contrast_ratio(c, "#ffffff") >= 4.5 for c in texts), texts
        marks = (
            _colours(root, "path", "stroke")
            | _colours(root, "line", "stroke")
            | _colours(root, "circle", "fill")
        ) - {charts.GRID}
        assert all(charts.contrast_ratio(c, "#ffffff") >= 3 for c in marks), marks


def test_every_table_holds_the_charted_values():
    bars = charts.bar_chart(
        [charts.Bar("A", 1300.0, decimals=0), charts.Bar("B", None, note="ausgeblendet")],
        title="T",
        desc="D",
        ident="b",
    )
    assert bars.table.rows == [("A", "1.300"), ("B", "ausgeblendet")]

    means = [[None] * 24 for _ in range(7)]
    means[0][8] = 12.34
    heat = charts.heatmap_chart(means, ident="h")
    assert heat.table.header[0] == "Wochentag" and heat.table.header[9] == "08"
    assert heat.table.rows[0][9] == "12,3" and heat.table.rows[0][1] == "–"
    assert len(heat.table.rows) == 7

    concurrency = charts.concurrency_chart(steps(3), capacity=None, hourly=True, ident="c")
    assert [row[1:] for row in concurrency.table.rows] == [("0", "0,0"), ("1", "0,5"), ("2", "1,0")]


def test_the_include_renders_a_figure_with_caption_svg_and_table():
    from django.template.loader import render_to_string

    chart = line(caption="Ist und Plan je Monat")

    folded = render_to_string("includes/chart.html", {"chart": chart})
    shown = render_to_string("includes/chart.html", {"chart": chart, "table": "open"})
    none = render_to_string("includes/chart.html", {"chart": chart, "table": "page"})

    assert folded.count("<figure") == 1 and "<figcaption" in folded
    assert "Ist und Plan je Monat" in folded and "<svg" in folded
    assert "<summary>Daten als Tabelle</summary>" in folded
    assert folded.count("<tr>") == 1 + 7
    assert "<details" not in shown and shown.count("<tr>") == 1 + 7
    assert "<table" not in none and "<svg" in none
    assert (
        '<th scope="row" class="fw-normal text-nowrap">01.03.2026</th><td class="text-end">–</td>'
        in folded
    )
