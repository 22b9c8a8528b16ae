"""The one number format of the pages: `{% load numbers %}{{ value|number }}` ("12.894"),
`{{ value|number:1 }}` ("3,3"). See core/numbers.py."""

from django import template

from rathausmobil.core.numbers import format_number

register = template.Library()


@register.filter(is_safe=True)
def number(value, decimals=0):
    """A figure as people read it: thousands grouped, the language's decimal mark."""
    try:
        decimals = int(decimals)
    except (TypeError, ValueError):
        decimals = 0
    return format_number(value, decimals)
