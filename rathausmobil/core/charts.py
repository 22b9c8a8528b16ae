"""Every chart of the application: inline SVG drawn on the server from numbers (no database,
no JavaScript, no app imported), see docs/adr/0006-one-chart-module.md.

Each chart function returns a ``Chart``: ``.svg`` (the markup, safe to print), ``.title``,
``.desc`` and ``.table`` (caption, header and rows as text, the same numbers as the drawing).
Pages render it with ``{% include "includes/chart.html" with chart=... %}``: a ``<figure>``
with a caption, the SVG and the data table, readable without JavaScript and in print.

- ``concurrency_chart``: highest and mean per bucket as step lines, a capacity line.
- ``heatmap_chart``: a value per weekday and hour, written in every cell.
- ``bar_chart``: horizontal bars; a suppressed row shows its note instead of a bar.
- ``line_chart``: several series over dates (solid, dashed, dotted; a ``None`` breaks the
  line), an optional horizontal target line and vertical markers with labels.
- ``sparkline``: a figure's trend over months, ~120 x 32, its description says the period and
  the first and last value ("Verlauf Jan. 2026 bis Dez. 2026: von 1.020 auf 1.100").

Text goes through ``django.utils.html.escape``. Every chart is ``role="img"``, named by its
``<title>`` (``aria-labelledby``) and described by its ``<desc>`` (``aria-describedby``).
Colours are inline attributes, never CSS classes, so that a PDF renderer (WeasyPrint) draws
them as a browser does. They meet WCAG 2.1 AA on white: text at least 4.5:1, lines and bars at
least 3:1 (``contrast_ratio`` is here so that the tests check it). Series differ in line style
too, not in colour alone; every cell of the heat map carries its value as text and in a
``<title>``. Numbers are written by ``core.numbers.format_number`` ("1.300", "12,3").

Coordinates are written with a decimal point whatever the language ("52,3" would be a list).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathausmobil.core.numbers import format_number

TEXT = "#212529"
AXIS = "#495057"
GRID = "#dee2e6"
PEAK = "#0a4fa8"
PEAK_FILL = "#dbe7f7"
MEAN = "#146c2e"
CAPACITY = "#b02a37"
BAR = "#0a4fa8"
NO_DATA = "#f8f9fa"
# Heat map, light to dark; the value inside a cell is drawn in whichever of TEXT and white
# contrasts more with the cell (at least 4.5:1 for every step, checked in the tests).
HEAT = ("#eef4fb", "#c9dcf2", "#93b9e6", "#6f9fd9", "#2e6dbf", "#0b3a75")
CELL_BORDER = "#6c757d"
# Line styles (stroke-dasharray): a series differs from its neighbour in style, not only colour.
SOLID, DASHED, DOTTED, LONG_DASHED = "", "6 4", "3 3", "10 4"
# Line colours, each at least 3:1 on white (checked in the tests).
BLUE, GREEN, RED, GREY = PEAK, MEAN, CAPACITY, AXIS


@dataclass(frozen=True)
class Table:
    """A chart's data as text: the first cell of each row names it, the others are numbers."""

    caption: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def body(self) -> list[tuple[str, tuple[str, ...]]]:
        """The rows as (row header, the other cells), as the include prints them."""
        return [(row[0], row[1:]) for row in self.rows]


@dataclass(frozen=True)
class Chart:
    """A drawn chart and its text alternatives. ``{{ chart }}`` prints the SVG; the include
    ``includes/chart.html`` prints the figure with caption and table."""

    svg: SafeString
    title: str
    desc: str
    table: Table | None = None
    caption: str = ""  # the figure's caption on a page (what the lines and colours mean)

    def __str__(self) -> str:
        return self.svg

    def __html__(self) -> str:
        return self.svg


def weekday_names() -> list[str]:
    return [_("Mo"), _("Di"), _("Mi"), _("Do"), _("Fr"), _("Sa"), _("So")]


# --------------------------------------------------------------------------- helpers


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(fill: str) -> str:
    return TEXT if contrast_ratio(TEXT, fill) >= contrast_ratio("#ffffff", fill) else "#ffffff"


def number(value: float | int | None, decimals: int = 1) -> str:
    """A number as the active language writes it ("1.300", "12,3"), "–" for none."""
    if value is None:
        return "–"
    return format_number(value, 0 if isinstance(value, int) else decimals)


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_ceiling(value: float) -> float:
    """The next "round" number at or above ``value`` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp + 1e-9:
            return step * exp
    return 10 * exp


def ticks(top: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Evenly spaced round ticks from 0 to at least ``top`` (whole numbers for counts)."""
    step = nice_ceiling(top / count) if top > 0 else 1
    if integer:
        step = max(1, math.ceil(step))
    # Up to the first tick at or above `top`: a bar longer than the last tick would run
    # over the plot into its value's label.
    out = [0.0]
    while out[-1] < top - 1e-9:
        out.append(round(out[-1] + step, 6))
    return out


def _svg(
    ident: str,
    width: int,
    height: int,
    title: str,
    desc: str,
    body: list[str],
    *,
    fluid: bool = True,
) -> SafeString:
    """The chart's frame: a fluid chart fills its column up to its own width, a fixed one
    (a sparkline) keeps its size."""
    ident = escape(ident)
    size = (
        f'width="100%" style="max-width: {width}px"'
        if fluid
        else f'width="{width}" height="{height}"'
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {size} '
        f'role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )
    # Every text and attribute value above went through escape(); numbers are formatted here.
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_f(x)}" y="{_f(y)}"{extra}>{escape(content)}</text>'


# --------------------------------------------------------------------------- concurrency


@dataclass(frozen=True)
class Step:
    start: dt.datetime
    end: dt.datetime
    peak: int
    mean: float


def _x_ticks(t0: dt.datetime, t1: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """Tick marks: every day (up to 8 days), every Monday (up to 62 days), every month."""
    tz = t0.tzinfo
    days = (t1.date() - t0.date()).days
    names = weekday_names()
    out = []
    day = t0.date()
    while True:
        at = dt.datetime.combine(day, dt.time(0), tz)
        if at >= t1:
            break
        if at >= t0:
            if days <= 8:
                out.append((at, f"{names[day.weekday()]} {day:%d.%m.}"))
            elif days <= 62 and day.weekday() == 0:
                out.append((at, f"{day:%d.%m.}"))
            elif days > 62 and day.day == 1:
                out.append((at, formats.date_format(day, "M Y")))
        day += dt.timedelta(days=1)
    return out


def concurrency_chart(
    steps: Sequence[Step],
    *,
    capacity: int | None,
    hourly: bool,
    ident: str = "concurrency",
    title: str | None = None,
) -> Chart:
    """Highest and mean number of open sessions per bucket (hour or day) as two step lines,
    the capacity as a dashed horizontal line; the table has a row per bucket."""
    width, height = 900, 340
    left, right, top, bottom = 64, 16, 40, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    title = title or _("Gleichzeitige VPN-Sitzungen im Zeitraum gegen die Kapazität")
    unit = _("Stunde") if hourly else _("Tag")
    table = Table(
        _("Gleichzeitige Sitzungen je Stunde") if hourly else _("Gleichzeitige Sitzungen je Tag"),
        (unit, _("Höchstwert"), _("Mittel")),
        step_rows(steps, hourly=hourly),
    )
    caption = (
        _(
            "Je Stunde (Ortszeit): der höchste Wert (Linie mit Fläche) und das zeitgewichtete "
            "Mittel (gestrichelt); rot gestrichelt die Kapazität."
        )
        if hourly
        else _(
            "Je Tag: der höchste Wert (Linie mit Fläche) und das zeitgewichtete Mittel "
            "(gestrichelt); rot gestrichelt die Kapazität."
        )
    )
    if not steps:
        desc = _("Keine Daten im Zeitraum.")
        svg = _svg(ident, width, 80, title, desc, [_text(left, 44, desc, fill=TEXT)])
        return Chart(svg, title, desc, table, caption)
    peak = max(s.peak for s in steps)
    top_value = nice_ceiling(max(peak, capacity or 0, 1) * 1.05)
    t0, t1 = steps[0].start, steps[-1].end
    span = (t1 - t0).total_seconds() or 1

    def x(t: dt.datetime) -> float:
        return left + (t - t0).total_seconds() / span * plot_w

    def y(v: float) -> float:
        return top + plot_h - v / top_value * plot_h

    body: list[str] = ['<g aria-hidden="true">']
    for v in ticks(top_value):
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_f(y(v))}" y2="{_f(y(v))}" '
            f'stroke="{GRID}"/>'
        )
        body.append(
            _text(
                left - 6, y(v) + 4, number(v, 0 if v == int(v) else 1), text_anchor="end", fill=TEXT
            )
        )
    for at, label in _x_ticks(t0, t1):
        xx = x(at)
        body.append(
            f'<line x1="{_f(xx)}" x2="{_f(xx)}" y1="{top + plot_h}" y2="{top + plot_h + 5}" '
            f'stroke="{AXIS}"/>'
        )
        body.append(_text(xx, top + plot_h + 18, label, text_anchor="middle", fill=TEXT))
    body.append(
        _text(
            14,
            top + plot_h / 2,
            _("Sitzungen gleichzeitig"),
            text_anchor="middle",
            fill=TEXT,
            transform=f"rotate(-90 14 {_f(top + plot_h / 2)})",
        )
    )
    # Highest per bucket: a light area under a solid line; mean: a dashed line.
    x0 = _f(x(steps[0].start))
    segments, mean_path = [], []
    for i, s in enumerate(steps):
        if i:
            segments.append(f"V{_f(y(s.peak))}")
        segments.append(f"H{_f(x(s.end))}")
        mean_path.append(f"{'L' if i else 'M'}{_f(x(s.start))} {_f(y(s.mean))}H{_f(x(s.end))}")
    tail = "".join(segments)
    area = f"M{x0} {_f(y(0))}V{_f(y(steps[0].peak))}{tail}V{_f(y(0))}Z"
    body.append(f'<path d="{area}" fill="{PEAK_FILL}" stroke="none"/>')
    line = f"M{x0} {_f(y(steps[0].peak))}{tail}"
    body.append(f'<path d="{line}" fill="none" stroke="{PEAK}" stroke-width="1.5"/>')
    body.append(
        f'<path d="{"".join(mean_path)}" fill="none" stroke="{MEAN}" stroke-width="2" '
        f'stroke-dasharray="5 3"/>'
    )
    if capacity:
        cy = y(capacity)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_f(cy)}" y2="{_f(cy)}" '
            f'stroke="{CAPACITY}" stroke-width="2" stroke-dasharray="10 4"/>'
        )
        body.append(
            _text(
                left + plot_w - 4,
                cy - 6,
                _("Kapazität: %(n)s") % {"n": number(capacity, 0)},
                text_anchor="end",
                fill=CAPACITY,
                font_weight="600",
            )
        )
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    # Legend above the plot.
    lx = left
    legend = [
        (f'stroke="{PEAK}" stroke-width="2"', _("Höchstwert je %(unit)s") % {"unit": unit}),
        (
            f'stroke="{MEAN}" stroke-width="2" stroke-dasharray="5 3"',
            _("Mittel je %(unit)s") % {"unit": unit},
        ),
    ]
    if capacity:
        legend.append(
            (f'stroke="{CAPACITY}" stroke-width="2" stroke-dasharray="10 4"', _("Kapazität"))
        )
    for style, label in legend:
        body.append(f'<line x1="{lx}" x2="{lx + 28}" y1="14" y2="14" {style}/>')
        body.append(_text(lx + 34, 18, label, fill=TEXT))
        lx += 34 + 7.2 * len(label) + 24
    body.append("</g>")

    best = max(steps, key=lambda s: s.peak)
    fmt = "%d.%m.%Y %H:%M" if hourly else "%d.%m.%Y"
    desc = _(
        "%(n)s Werte je %(unit)s von %(first)s bis %(last)s. Höchstwert %(peak)s am %(at)s, "
        "höchstes Mittel %(mean)s."
    ) % {
        "n": len(steps),
        "unit": unit,
        "first": steps[0].start.strftime("%d.%m.%Y"),
        "last": (steps[-1].end - dt.timedelta(seconds=1)).strftime("%d.%m.%Y"),
        "peak": number(peak, 0),
        "at": best.start.strftime(fmt),
        "mean": number(max(s.mean for s in steps)),
    }
    if capacity:
        desc += " " + _("Kapazität %(n)s.") % {"n": number(capacity, 0)}
    return Chart(_svg(ident, width, height, title, desc, body), title, desc, table, caption)


def step_rows(steps: Sequence[Step], *, hourly: bool) -> list[tuple[str, str, str]]:
    """The concurrency chart's table, (when, highest, mean) as text, in local time. The date
    is formatted once per day: four weeks are 672 hours, and the template's date and number
    filters cost about 0.3 s for them."""
    days: dict[dt.date, str] = {}
    rows = []
    for s in steps:
        start, end = timezone.localtime(s.start), timezone.localtime(s.end)
        day = days.get(start.date())
        if day is None:
            day = days[start.date()] = formats.date_format(start, "D d.m.Y")
        when = f"{day} {start:%H:%M}–{end:%H:%M}" if hourly else day
        rows.append((when, format_number(s.peak), format_number(s.mean, 1)))
    return rows


# --------------------------------------------------------------------------- heat map


def heat_levels(highest: float, steps: int = len(HEAT)) -> list[float]:
    """Upper bounds of the colour steps (the last one is ``highest``)."""
    top = highest if highest > 0 else 1.0
    return [top * (i + 1) / steps for i in range(steps)]


def heat_colour(value: float, levels: Sequence[float]) -> str:
    for colour, bound in zip(HEAT, levels, strict=False):
        if value <= bound + 1e-9:
            return colour
    return HEAT[-1]


def _cell_value(value: float) -> str:
    return number(value, 0 if value >= 100 else 1)


def heatmap_chart(
    means: Sequence[Sequence[float | None]],
    *,
    ident: str = "heatmap",
    title: str | None = None,
) -> Chart:
    """Mean open sessions per weekday (rows, Monday first) and local clock hour (columns).
    Each cell shows its value; a legend explains the colour steps."""
    cell_w, cell_h = 32, 28
    left, top = 44, 40
    width = left + 24 * cell_w + 12
    grid_bottom = top + 7 * cell_h
    height = grid_bottom + 78
    title = title or _("Mittlere gleichzeitige VPN-Sitzungen nach Wochentag und Uhrzeit")
    values = [v for row in means for v in row if v is not None]
    highest = max(values, default=0.0)
    levels = heat_levels(highest)
    names = weekday_names()
    body: list[str] = []
    axis = ['<g aria-hidden="true">']
    for h in range(24):
        axis.append(
            _text(
                left + h * cell_w + cell_w / 2, top - 8, f"{h:02d}", text_anchor="middle", fill=TEXT
            )
        )
    axis.append(_text(left, 16, _("Uhrzeit (Beginn der Stunde, Ortszeit)"), fill=TEXT))
    for d in range(7):
        axis.append(
            _text(
                left - 8, top + d * cell_h + cell_h / 2 + 4, names[d], text_anchor="end", fill=TEXT
            )
        )
    axis.append("</g>")
    body.extend(axis)
    for d in range(7):
        for h in range(24):
            value = means[d][h] if d < len(means) and h < len(means[d]) else None
            x, y = left + h * cell_w, top + d * cell_h
            label = f"{names[d]} {h:02d}:00–{(h + 1) % 24:02d}:00"
            if value is None:
                fill, shown = NO_DATA, "–"
                tip = _("%(when)s: keine Daten") % {"when": label}
            else:
                fill, shown = heat_colour(value, levels), _cell_value(value)
                tip = _("%(when)s: im Mittel %(value)s Sitzungen gleichzeitig") % {
                    "when": label,
                    "value": number(value),
                }
            body.append(
                f"<g><title>{escape(tip)}</title>"
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="{CELL_BORDER}" stroke-width="0.5"/>'
                + _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 3.5,
                    shown,
                    text_anchor="middle",
                    font_size="10",
                    fill=text_colour_on(fill),
                )
                + "</g>"
            )
    # Legend: one swatch per step with its range.
    legend = ['<g aria-hidden="true">']
    ly = grid_bottom + 22
    legend.append(_text(left, ly - 6, _("Legende: mittlere Sitzungen gleichzeitig"), fill=TEXT))
    lower = 0.0
    sw = 24 * cell_w / (len(HEAT) + 1)
    for i, (colour, bound) in enumerate(zip(HEAT, levels, strict=True)):
        lx = left + i * sw
        legend.append(
            f'<rect x="{_f(lx)}" y="{ly}" width="{_f(sw - 6)}" height="16" fill="{colour}" '
            f'stroke="{CELL_BORDER}" stroke-width="0.5"/>'
        )
        legend.append(
            _text(
                lx, ly + 32, f"{_cell_value(lower)}–{_cell_value(bound)}", fill=TEXT, font_size="11"
            )
        )
        lower = bound
    lx = left + len(HEAT) * sw
    legend.append(
        f'<rect x="{_f(lx)}" y="{ly}" width="{_f(sw - 6)}" height="16" fill="{NO_DATA}" '
        f'stroke="{CELL_BORDER}" stroke-width="0.5"/>'
    )
    legend.append(_text(lx, ly + 32, _("– keine Daten"), fill=TEXT, font_size="11"))
    legend.append("</g>")
    body.extend(legend)

    if values:
        best_d, best_h = max(
            ((d, h) for d in range(7) for h in range(24) if means[d][h] is not None),
            key=lambda dh: means[dh[0]][dh[1]],
        )
        desc = _(
            "Höchstes Mittel %(value)s Sitzungen gleichzeitig am %(day)s um %(hour)s Uhr. "
            "Die Werte stehen in den Feldern und in der Tabelle darunter."
        ) % {"value": number(highest), "day": names[best_d], "hour": f"{best_h:02d}:00"}
    else:
        desc = _("Keine Daten im Zeitraum.")
    table = Table(
        _("Mittlere gleichzeitige Sitzungen nach Wochentag (Zeilen) und Stunde (Spalten)"),
        (_("Wochentag"), *(f"{h:02d}" for h in range(24))),
        [
            (
                names[d],
                *(
                    "–" if v is None else number(v)
                    for v in (
                        means[d][h] if d < len(means) and h < len(means[d]) else None
                        for h in range(24)
                    )
                ),
            )
            for d in range(7)
        ],
    )
    caption = _(
        "Mittlere Zahl gleichzeitiger Sitzungen je Wochentag und Stunde (Ortszeit, mit "
        "Sommerzeit) über den Zeitraum. Je dunkler, desto mehr; der Wert steht in jedem Feld."
    )
    return Chart(_svg(ident, width, height, title, desc, body), title, desc, table, caption)


# --------------------------------------------------------------------------- bars


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed, no bar
    note: str = ""  # shown instead of a bar
    decimals: int = 1


def _short(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    ident: str,
    axis_label: str = "",
    width: int = 760,
    label_header: str = "",
    value_header: str = "",
    caption: str = "",
) -> Chart:
    """Horizontal bars with their value at the end; a row without value shows its note. The
    table has a row per bar (label, value or note)."""
    left, right, top, row_h = 250, 64, 12, 28
    plot_w = width - left - right
    rows = max(len(bars), 1)
    plot_bottom = top + rows * row_h
    height = plot_bottom + (48 if axis_label else 30)
    values = [b.value for b in bars if b.value is not None]
    integer = all(
        float(v).is_integer() and b.decimals == 0 for b, v in zip(bars, values, strict=False)
    )
    highest = max(values, default=0)
    grid = ticks(highest if highest > 0 else 1, 4, integer=integer)
    top_value = grid[-1] or 1

    def x(v: float) -> float:
        return left + v / top_value * plot_w

    body: list[str] = ['<g aria-hidden="true">']
    for v in grid:
        body.append(
            f'<line x1="{_f(x(v))}" x2="{_f(x(v))}" y1="{top}" y2="{plot_bottom}" stroke="{GRID}"/>'
        )
        body.append(
            _text(
                x(v),
                plot_bottom + 16,
                number(v, 0 if integer or v == int(v) else 1),
                text_anchor="middle",
                fill=TEXT,
            )
        )
    if axis_label:
        body.append(
            _text(left + plot_w / 2, plot_bottom + 36, axis_label, text_anchor="middle", fill=TEXT)
        )
    body.append("</g>")
    for i, b in enumerate(bars):
        y = top + i * row_h
        shown = number(b.value, b.decimals) if b.value is not None else b.note
        parts = [f"<g><title>{escape(b.label)}: {escape(shown)}</title>"]
        parts.append(
            _text(left - 8, y + row_h / 2 + 4, _short(b.label, 34), text_anchor="end", fill=TEXT)
        )
        if b.value is None:
            parts.append(_text(left + 6, y + row_h / 2 + 4, b.note, fill=TEXT, font_style="italic"))
        else:
            w = max(x(b.value) - left, 1 if b.value > 0 else 0)
            parts.append(
                f'<rect x="{left}" y="{_f(y + 5)}" width="{_f(w)}" height="{row_h - 10}" '
                f'fill="{BAR}"/>'
            )
            parts.append(_text(left + w + 6, y + row_h / 2 + 4, shown, fill=TEXT))
        parts.append("</g>")
        body.append("".join(parts))
    body.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{plot_bottom}" stroke="{AXIS}" '
        f'aria-hidden="true"/>'
    )
    table = Table(
        title,
        (label_header or _("Bezeichnung"), value_header or axis_label or _("Wert")),
        [(b.label, number(b.value, b.decimals) if b.value is not None else b.note) for b in bars],
    )
    return Chart(_svg(ident, width, height, title, desc, body), title, desc, table, caption)


# --------------------------------------------------------------------------- lines over time


Day = dt.date  # a dt.datetime is a dt.date too: a series may be by day or by moment


@dataclass(frozen=True)
class Series:
    """One line: its points in order of time; a value of ``None`` breaks the line there."""

    label: str
    points: Sequence[tuple[Day, float | None]]
    colour: str = BLUE
    dash: str = SOLID  # SOLID, DASHED, DOTTED, LONG_DASHED or any stroke-dasharray
    width: float = 2


@dataclass(frozen=True)
class Marker:
    """A vertical line at a date with its label under the axis ("heute", "Ziel 31.12.2022")."""

    at: Day
    label: str
    colour: str = GREY


def _seconds(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def _date_ticks(x0: Day, x1: Day) -> list[tuple[dt.date, str]]:
    """Every day (up to 8 days), every Monday (up to 62 days), else month starts, at most 8."""
    first = x0.date() if isinstance(x0, dt.datetime) else x0
    last = x1.date() if isinstance(x1, dt.datetime) else x1
    days = (last - first).days
    out = []
    day = first
    while day <= last:
        if days <= 8 or (days <= 62 and day.weekday() == 0):
            out.append((day, f"{day:%d.%m.}"))
        elif days > 62 and day.day == 1:
            out.append((day, f"{day:%m/%Y}"))
        day += dt.timedelta(days=1)
    step = max(1, math.ceil(len(out) / 8))
    return out[::step]


def _segments(xy: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points; a ``None`` ends a run."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in xy:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def _lines(runs, colour: str, width: float, dash: str) -> list[str]:
    """A path per run; a run of one point is a dot, so that a lone figure stays visible."""
    out = []
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    for run in runs:
        if len(run) == 1:
            x, y = run[0]
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(width + 0.5)}" fill="{colour}"/>')
        else:
            d = "".join(f"{'L' if i else 'M'}{_f(x)} {_f(y)}" for i, (x, y) in enumerate(run))
            out.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"'
                f'{dash_attr} stroke-linejoin="round"/>'
            )
    return out


def _day_text(day: Day) -> str:
    return formats.date_format(day, "d.m.Y")


def _legend(
    entries: list[tuple[str, str]], left: float, right_edge: float
) -> tuple[list[str], int]:
    """Legend entries (line attributes, label) flowed into rows above the plot; returns the
    markup and the number of rows."""
    out, row, x = [], 0, left
    for style, label in entries:
        need = 34 + 7.2 * len(label)
        if x > left and x + need > right_edge:
            row, x = row + 1, left
        y = 14 + row * 20
        out.append(f'<line x1="{_f(x)}" x2="{_f(x + 28)}" y1="{y}" y2="{y}" {style}/>')
        out.append(_text(x + 34, y + 4, label, fill=TEXT))
        x += need + 24
    return out, row + 1 if entries else 0


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    ident: str,
    desc: str = "",
    markers: Sequence[Marker] = (),
    target: float | None = None,
    target_label: str = "",
    y_max: float | None = None,
    y_suffix: str = "",
    decimals: int = 0,
    x_range: tuple[Day, Day] | None = None,
    x_header: str = "",
    table: Table | None = None,
    caption: str = "",
    width: int = 720,
    height: int = 300,
) -> Chart:
    """Series over time as lines (gaps where a value is ``None``), a dashed horizontal
    ``target`` line with its label, and vertical ``markers``; the legend above the plot.

    Without ``desc`` the description names each series' first and last value; without
    ``table`` the table has a row per date and a column per series ("–" for no value).
    ``y_suffix`` follows every value (" %"); ``decimals`` is for the values in text."""
    left, right = 64, 28
    plot_right = width - right
    values = [v for s in series for _d, v in s.points if v is not None]
    dates = [d for s in series for d, _v in s.points] + [m.at for m in markers]
    if x_range:
        x0, x1 = x_range
    elif dates:
        x0, x1 = min(dates), max(dates)
    else:
        x0 = x1 = dt.date.today()
    span = _seconds(x1 - x0) or 1.0

    def x(day: Day) -> float:
        return left + _seconds(day - x0) / span * (plot_right - left)

    # The legend's rows set the top, the markers' rows the bottom.
    legend_entries = []
    for s in series:
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        legend_entries.append((f'stroke="{s.colour}" stroke-width="{s.width}"{dash}', s.label))
    if target is not None and target_label:
        legend_entries.append(
            (f'stroke="{RED}" stroke-width="2" stroke-dasharray="{LONG_DASHED}"', target_label)
        )
    legend, legend_rows = _legend(legend_entries, left, plot_right)
    top = 16 + 20 * legend_rows
    shown_markers = [m for m in markers if x0 <= m.at <= x1]
    marker_rows: list[int] = []
    ends: list[float] = []  # the right end of the last label in each row
    label_xs: list[float] = []  # a label's centre, kept inside the drawing
    for m in shown_markers:
        half = 3.6 * len(m.label)
        lx = min(max(x(m.at), half + 2), width - half - 2)
        row = next((i for i, end in enumerate(ends) if lx - half > end + 8), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = lx + half
        marker_rows.append(row)
        label_xs.append(lx)
    bottom = 44 + 16 * len(ends)
    height = max(height, top + bottom + 120)
    plot_bottom = height - bottom

    top_value = y_max or nice_ceiling(max([*values, target or 0, 1e-9]) * 1.05)
    if not values and target is None and y_max is None:
        top_value = 1

    def y(v: float) -> float:
        return plot_bottom - v / top_value * (plot_bottom - top)

    body: list[str] = ['<g aria-hidden="true">', *legend]
    for v in ticks(top_value, 4, integer=decimals == 0):
        if v > top_value + 1e-9:
            break
        body.append(
            f'<line x1="{left}" x2="{plot_right}" y1="{_f(y(v))}" y2="{_f(y(v))}" stroke="{GRID}"/>'
        )
        label = number(v, 0 if v == int(v) else 1) + y_suffix
        body.append(_text(left - 6, y(v) + 4, label, text_anchor="end", fill=TEXT))
    for day, label in _date_ticks(x0, x1):
        at = dt.datetime.combine(day, dt.time(0), x0.tzinfo) if isinstance(x0, dt.datetime) else day
        if not x0 <= at <= x1:
            continue
        xx = x(at)
        body.append(
            f'<line x1="{_f(xx)}" x2="{_f(xx)}" y1="{_f(plot_bottom)}" y2="{_f(plot_bottom + 5)}" '
            f'stroke="{AXIS}"/>'
        )
        body.append(_text(xx, plot_bottom + 18, label, text_anchor="middle", fill=TEXT))
    body.append(
        f'<line x1="{left}" x2="{plot_right}" y1="{_f(plot_bottom)}" y2="{_f(plot_bottom)}" '
        f'stroke="{AXIS}"/>'
    )
    body.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{_f(plot_bottom)}" stroke="{AXIS}"/>'
    )
    for m, row, lx in zip(shown_markers, marker_rows, label_xs, strict=True):
        xx = x(m.at)
        body.append(
            f'<line x1="{_f(xx)}" x2="{_f(xx)}" y1="{top}" y2="{_f(plot_bottom)}" '
            f'stroke="{m.colour}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        body.append(
            _text(
                lx,
                plot_bottom + 34 + 16 * row,
                m.label,
                text_anchor="middle",
                font_weight="600",
                fill=m.colour,
            )
        )
    if target is not None:
        ty = y(target)
        body.append(
            f'<line x1="{left}" x2="{plot_right}" y1="{_f(ty)}" y2="{_f(ty)}" stroke="{RED}" '
            f'stroke-width="2" stroke-dasharray="{LONG_DASHED}"/>'
        )
    for s in series:
        xy = [None if v is None else (x(d), y(v)) for d, v in s.points]
        body.extend(_lines(_segments(xy), s.colour, s.width, s.dash))
    body.append("</g>")

    def value_text(v: float | None) -> str:
        return "–" if v is None else number(float(v), decimals) + y_suffix

    if not desc:
        parts = []
        for s in series:
            known = [(d, v) for d, v in s.points if v is not None]
            if known:
                parts.append(
                    _("%(label)s: %(a)s am %(a_day)s, %(b)s am %(b_day)s.")
                    % {
                        "label": s.label,
                        "a": value_text(known[0][1]),
                        "a_day": _day_text(known[0][0]),
                        "b": value_text(known[-1][1]),
                        "b_day": _day_text(known[-1][0]),
                    }
                )
            else:
                parts.append(_("%(label)s: keine Werte.") % {"label": s.label})
        if target is not None:
            parts.append(
                _("%(label)s: %(value)s.")
                % {"label": target_label or _("Ziel"), "value": value_text(target)}
            )
        desc = " ".join(parts)
    if table is None:
        by_day: dict[Day, list[str]] = {}
        for i, s in enumerate(series):
            for d, v in s.points:
                by_day.setdefault(d, ["–"] * len(series))[i] = value_text(v)
        table = Table(
            title,
            (x_header or _("Datum"), *(s.label for s in series)),
            [(_day_text(d), *cells) for d, cells in sorted(by_day.items())],
        )
    return Chart(_svg(ident, width, height, title, desc, body), title, desc, table, caption)


# --------------------------------------------------------------------------- sparkline


def month_text(day: dt.date) -> str:
    """A month as a person reads it in a sentence: "Jan. 2026", "März 2026"."""
    return formats.date_format(day, "N Y")


def sparkline(
    points: Sequence[tuple[dt.date, float | None]],
    *,
    title: str,
    ident: str,
    decimals: int = 0,
    suffix: str = "",
    width: int = 120,
    height: int = 32,
) -> Chart:
    """A figure's trend, one point per month, evenly spaced; ``None`` is a month without a
    figure and breaks the line. No axes: the description says the period and the first and
    last figure, the table every month; the last figure is marked by a dot."""
    pad = 3.0
    values = [v for _d, v in points if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return pad + i / n * (width - 2 * pad)

    def y(v: float) -> float:
        if hi == lo:
            return height / 2
        return height - pad - (v - lo) / (hi - lo) * (height - 2 * pad)

    def shown(v: float | None) -> str:
        return "–" if v is None else number(float(v), decimals) + suffix

    xy = [None if v is None else (x(i), y(v)) for i, (_d, v) in enumerate(points)]
    body = _lines(_segments(xy), BLUE, 1.5, SOLID)
    known = [(i, d, v) for i, (d, v) in enumerate(points) if v is not None]
    if known:
        i, _d, v = known[-1]
        body.append(f'<circle cx="{_f(x(i))}" cy="{_f(y(v))}" r="2.5" fill="{BLUE}"/>')

    if not points:
        desc = _("Keine Zahlen.")
    else:
        period = {"first": month_text(points[0][0]), "last": month_text(points[-1][0])}
        if not known:
            desc = _("Verlauf %(first)s bis %(last)s: keine Zahlen.") % period
        else:
            (i_a, d_a, a), (i_b, d_b, b) = known[0], known[-1]
            a_text = shown(a) if i_a == 0 else f"{shown(a)} ({month_text(d_a)})"
            b_text = shown(b) if i_b == len(points) - 1 else f"{shown(b)} ({month_text(d_b)})"
            desc = _("Verlauf %(first)s bis %(last)s: von %(a)s auf %(b)s") % {
                **period,
                "a": a_text,
                "b": b_text,
            }
            missing = len(points) - len(known)
            if missing:
                desc += ". " + ngettext(
                    "Für einen Monat gibt es keine Zahl.",
                    "Für %(n)s Monate gibt es keine Zahl.",
                    missing,
                ) % {"n": missing}
    table = Table(title, (_("Monat"), title), [(month_text(d), shown(v)) for d, v in points])
    svg = _svg(ident, width, height, title, desc, body, fluid=False)
    return Chart(svg, title, desc, table)
