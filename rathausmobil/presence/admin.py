"""Sites, buildings, qualifications and the units' settings are kept here directly;
everything the pages and imports write through the services (rooms, rules, profiles,
absences, wishes) is read-only here, so that each change has its audit entry."""

from django.contrib import admin

from rathausmobil.core.admin import AuditedAdmin, ReadOnlyAdmin
from rathausmobil.presence.models import (
    Absence,
    Building,
    CoverageRule,
    EmployeeQualification,
    OpeningHours,
    PresenceProfile,
    Qualification,
    Room,
    Site,
    Team,
    TeamDay,
    UnitPresenceSettings,
    UnitRoom,
    Wish,
)


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    list_display = ["code", "name", "site", "address"]
    list_filter = ["site"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["site"]


@admin.register(Qualification)
class QualificationAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(UnitPresenceSettings)
class UnitPresenceSettingsAdmin(AuditedAdmin):
    list_display = ["unit", "wish_deadline_days_before", "plan_time_limit_seconds"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]
    autocomplete_fields = ["unit"]


class UnitRoomInline(admin.TabularInline):
    model = UnitRoom
    extra = 0
    can_delete = False
    readonly_fields = ["unit"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "building", "desks", "area_m2", "pandemic_desks", "is_active"]
    list_filter = ["is_active", "building"]
    search_fields = ["code", "name"]
    list_select_related = ["building"]
    inlines = [UnitRoomInline]


@admin.register(UnitRoom)
class UnitRoomAdmin(ReadOnlyAdmin):
    list_display = ["unit", "room"]
    list_select_related = ["unit", "room"]
    search_fields = ["unit__code", "room__code"]


@admin.register(CoverageRule)
class CoverageRuleAdmin(ReadOnlyAdmin):
    list_display = ["unit", "weekday", "min_people", "qualification"]
    list_filter = ["weekday", "qualification"]
    list_select_related = ["unit", "qualification"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(ReadOnlyAdmin):
    list_display = ["unit", "weekday", "opens", "closes"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(EmployeeQualification)
class EmployeeQualificationAdmin(ReadOnlyAdmin):
    list_display = ["employee", "qualification", "granted_at"]
    list_filter = ["qualification"]
    list_select_related = ["employee", "qualification"]
    search_fields = ["employee__personnel_number", "employee__last_name"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "unit"]
    list_select_related = ["unit"]
    search_fields = ["code", "name", "unit__code"]


@admin.register(TeamDay)
class TeamDayAdmin(ReadOnlyAdmin):
    list_display = ["team", "weekday"]
    list_select_related = ["team"]


@admin.register(PresenceProfile)
class PresenceProfileAdmin(ReadOnlyAdmin):
    list_display = ["employee", "working_days", "office_days", "field_days", "cohort", "team"]
    list_select_related = ["employee", "team"]
    search_fields = ["employee__personnel_number", "employee__last_name"]


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyAdmin):
    """Only that someone was away, and when: there is no reason to show."""

    list_display = ["employee", "start", "end", "source", "created_at"]
    list_filter = ["source"]
    list_select_related = ["employee"]
    search_fields = ["employee__personnel_number", "employee__last_name"]
    date_hierarchy = "start"


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    list_display = ["employee", "date", "kind"]
    list_select_related = ["employee"]
    search_fields = ["employee__personnel_number"]
