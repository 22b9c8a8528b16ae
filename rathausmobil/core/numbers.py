"""Numbers as a person reads them: one format for every page, message and chart.

`format_number(12894)` is "12.894" in German ("12,894" in English), `format_number(3.25, 1)`
"3,3": grouped thousands, the language's decimal mark, a fixed number of decimals. Templates
use the filter `{% load numbers %}{{ value|number }}` / `{{ value|number:1 }}`
(core/templatetags/numbers.py); Python text (messages, history reasons, chart labels) calls
this function. Never for ids, years, postal codes, personnel or inventory numbers, nor for
values inside `href`, `value` or `data-` attributes: those stay as they are.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats


def format_number(value, decimals: int = 0) -> str:
    """`value` grouped and rounded to `decimals` places in the active language; a value
    that is not a number (None, "< 5", "–") comes back as text unchanged ("" for None)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    try:
        exact = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return str(value)
    if not exact.is_finite():
        return str(value)
    decimals = max(int(decimals), 0)
    # Half up, as people round (and as Django's floatformat does): 3,25 -> 3,3.
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimals, use_l10n=True, force_grouping=True)
