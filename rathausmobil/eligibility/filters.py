"""List filters of eligibility.

Two lists, two filter sets: the overview page lists *positions* with their current
assessment (`PositionFilter`), the API `/api/v1/assessments/` lists *assessments*, current
and earlier (`AssessmentFilter`). Both filter the unit with `UnitFilter` (the unit's
code, with every unit below it).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.filters import ListFilter, SearchFilter
from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
from rathausmobil.eligibility.selectors import NOT_ASSESSED, filter_by_result
from rathausmobil.organisation.filters import UnitFilter
from rathausmobil.organisation.models import Position


class PositionFilter(ListFilter):
    """The overview; its queryset carries the current assessment
    (`selectors.with_current_assessment`)."""

    q = SearchFilter(
        lookups=("number__icontains", "title__icontains"),
        help_text=_("Stellennummer oder Bezeichnung"),
    )
    unit = UnitFilter(label=_("Organisationseinheit (mit allen darunter)"))
    result = django_filters.ChoiceFilter(
        choices=[*EligibilityResult.choices, (NOT_ASSESSED, _("noch nicht bewertet"))],
        method="filter_result",
        label=_("Ergebnis"),
        empty_label=_("alle"),
    )
    due = django_filters.BooleanFilter(
        method="filter_due", widget=forms.CheckboxInput, label=_("nur fällige Überprüfungen")
    )

    class Meta:
        model = Position
        fields = ["q", "unit", "result", "due"]

    def filter_result(self, queryset, name, value):
        return filter_by_result(queryset, value)

    def filter_due(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(current_review_date__lte=timezone.localdate())


class AssessmentFilter(ListFilter):
    position = django_filters.CharFilter(field_name="position__number", label=_("Stellennummer"))
    unit = UnitFilter("position__unit")
    result = django_filters.ChoiceFilter(choices=EligibilityResult.choices, label=_("Ergebnis"))
    is_current = django_filters.BooleanFilter(label=_("nur aktuelle (true) oder frühere (false)"))

    class Meta:
        model = PositionAssessment
        fields = ["position", "unit", "result", "is_current"]
