"""Read-only admin for the workflow: statuses change only through the services
(pages and API), so that every change has its history row."""

from django.contrib import admin

from rathausmobil.agreements.models import (
    Agreement,
    ChecklistVersion,
    Offer,
    PandemicGapReason,
    PandemicPeriod,
    Pledge,
    RuleSettings,
    WorkRequest,
)
from rathausmobil.core.admin import ReadOnlyAdmin, StatusChangeInline


@admin.register(WorkRequest)
class WorkRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "employee", "kind", "status", "decider_unit", "due_date"]
    list_filter = ["status", "kind"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    list_select_related = ["employee", "decider_unit"]
    inlines = [StatusChangeInline]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["pk", "employee", "kind", "status", "start_date"]
    list_filter = ["status", "kind"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    list_select_related = ["employee"]
    inlines = [StatusChangeInline]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["pk", "employee", "kind", "status", "start_date", "end_date"]
    list_filter = ["status", "kind"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    list_select_related = ["employee"]
    inlines = [StatusChangeInline]


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "published_at", "published_by"]


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["employee", "version", "is_valid", "signed_at"]
    list_filter = ["is_valid", "version"]
    list_select_related = ["employee", "version"]


@admin.register(RuleSettings)
class RuleSettingsAdmin(ReadOnlyAdmin):
    list_display = ["home_quota_percent", "decision_deadline_days", "updated_at", "updated_by"]


@admin.register(PandemicPeriod)
class PandemicPeriodAdmin(ReadOnlyAdmin):
    list_display = ["title", "start_date", "end_date", "legal_basis"]


@admin.register(PandemicGapReason)
class PandemicGapReasonAdmin(ReadOnlyAdmin):
    list_display = ["position", "period", "documented_by", "documented_at"]
    list_select_related = ["position", "period", "documented_by"]
