"""The one number format (core/numbers.py and the `number` filter)."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from rathausmobil.core.numbers import format_number


def test_it_groups_thousands_and_uses_the_decimal_comma_in_german():
    with translation.override("de"):
        assert format_number(12894) == "12.894"
        assert format_number(1300) == "1.300"
        assert format_number(999) == "999"
        assert format_number(1234.5678, 2) == "1.234,57"
        assert format_number(3.25, 1) == "3,3"  # half up, as people round
        assert format_number(Decimal("7.5")) == "8"


def test_it_follows_the_chosen_language():
    with translation.override("en"):
        assert format_number(12894) == "12,894"
        assert format_number(3.25, 1) == "3.3"


def test_it_leaves_what_is_no_number_as_it_is():
    assert format_number(None) == ""
    assert format_number("< 5") == "< 5"
    assert format_number("2022-12-31") == "2022-12-31"


def test_it_formats_in_templates_with_the_number_filter():
    template = Template("{% load numbers %}{{ a|number }} {{ b|number:1 }} {{ c|number }}")
    with translation.override("de"):
        text = template.render(Context({"a": 12894, "b": 0.25, "c": None}))
    assert text == "12.894 0,3 "
