"""Display helpers for eligibility results."""

from django import template
from django.utils.translation import gettext as _

from rathausmobil.eligibility.models import EligibilityResult

register = template.Library()

BADGES = {
    EligibilityResult.ELIGIBLE: "text-bg-success",
    EligibilityResult.PARTIAL: "text-bg-warning",
    EligibilityResult.NOT_ELIGIBLE: "text-bg-danger",
}


@register.filter
def result_label(value: str | None) -> str:
    if not value:
        return _("noch nicht bewertet")
    return str(EligibilityResult(value).label)


@register.filter
def result_badge(value: str | None) -> str:
    return BADGES.get(value, "text-bg-secondary")
