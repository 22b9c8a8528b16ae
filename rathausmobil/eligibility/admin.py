from django.contrib import admin

from rathausmobil.core.admin import ReadOnlyAdmin
from rathausmobil.eligibility.models import SHARE_FIELDS, PositionAssessment


@admin.register(PositionAssessment)
class PositionAssessmentAdmin(ReadOnlyAdmin):
    """Read-only: assessments are written by the service (permission check, history,
    audit trail), never edited in place."""

    list_display = [
        "position",
        "result",
        "movable_share",
        "assessed_on",
        "review_date",
        "assessor_name",
        "is_current",
    ]
    list_filter = ["result", "is_current"]
    search_fields = ["position__number", "position__title"]
    list_select_related = ["position"]
    date_hierarchy = "assessed_on"
    fields = [
        "position",
        *SHARE_FIELDS,
        "result",
        "movable_share",
        "reasons",
        "assessor_name",
        "assessed_by",
        "assessed_on",
        "review_date",
        "is_current",
        "superseded_at",
        "created_at",
    ]
