"""The usage charts as inline SVG: pure functions from numbers to markup (no database).

Text goes through ``django.utils.html.escape`` (Django's, so no markupsafe dependency). Every
chart is ``role="img"``, named by its ``<title>`` (``aria-labelledby``) and described by its
``<desc>`` (``aria-describedby``); the pages add a table with the same numbers for screen
readers. Colours meet WCAG 2.1 AA on white: text at least 4.5:1, lines and bars at least 3:1
(``contrast_ratio`` is here so that the tests check it). Series differ in line style too, not in colour alone; every cell
of the heat map carries its value as text and in a ``<title>``.

Coordinates are written with a decimal point whatever the language ("52,3" would be a list).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


def _svg(ident: str, width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    ident = escape(ident)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        f'class="usage-chart" '
        f'style="max-width: {width}px" font-family="system-ui, sans-serif" font-size="12">'
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
) -> SafeString:
    """Highest and mean number of open sessions per bucket (hour or day) as two step lines,
    the capacity as a dashed horizontal line."""
    width, height = 900, 340
    left, right, top, bottom = 64, 16, 40, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    title = title or _("Gleichzeitige VPN-Sitzungen im Zeitraum gegen die Kapazität")
    unit = _("Stunde") if hourly else _("Tag")
    if not steps:
        return _svg(
            ident,
            width,
            80,
            title,
            _("Keine Daten im Zeitraum."),
            [_text(left, 44, _("Keine Daten im Zeitraum."), fill=TEXT)],
        )
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
    return _svg(ident, width, height, title, desc, body)


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
) -> SafeString:
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
    return _svg(ident, width, height, title, desc, body)


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
) -> SafeString:
    """Horizontal bars with their value at the end; a row without value shows its note."""
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
    return _svg(ident, width, height, title, desc, body)
